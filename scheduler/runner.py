"""How a site crawl is run. The daemon talks to a runner; both here crawl on this machine.

WorkerPoolRunner (the daemon's default) feeds long-lived crawl worker processes (crawler/worker.py, through
crawler/worker_pool.py) that run many sites at once in one reactor; LocalProcessRunner runs each crawl in its own child process. Either way
crawls run outside the daemon: Twisted's reactor cannot restart in-process, a child's memory is returned
when it exits, and a worker that hangs can be killed without touching the daemon.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol, Unpack

from crawler.worker_pool import PROJECT_ROOT, PoolShape, WorkerPool, kill_process_group
from storage.database import Database
from storage.sites import finish_run, running_elsewhere, set_run_owner, start_run

logger = logging.getLogger(__name__)


@dataclass
class RunOutcome:
    site_id: str
    run_id: int
    status: str  # ok | failed | blocked | timeout
    summary: dict


class CrawlRunner(Protocol):
    def run(self, site_id: str, trigger: str) -> RunOutcome: ...

    def stop(self) -> None: ...


class LocalProcessRunner:
    """Runs `python -m crawler.run SITE` with a timeout; a hung crawl is killed and recorded as failed."""

    def __init__(self, db: Database, timeout_seconds: float = 3600) -> None:
        self.db = db
        self.timeout = timeout_seconds
        self._children: dict[int, subprocess.Popen[str]] = {}
        self._stopping = False

    def run(self, site_id: str, trigger: str) -> RunOutcome:
        with self.db.transaction() as session:
            if running_elsewhere(session, site_id, timedelta(seconds=self.timeout)):
                logger.info("site %s is being crawled by another process; skipped", site_id)
                return RunOutcome(site_id, 0, "skipped", {})
            run_id = start_run(session, site_id, trigger).id
        cmd = [sys.executable, "-m", "crawler.run", site_id, "--run-id", str(run_id), "--trigger", trigger]
        # The URL travels in the environment, not argv, so its password never shows in `ps`.
        env = {
            **os.environ,
            "SCRAPY_SETTINGS_MODULE": "crawler.settings",
            "FZWATCH_DB": self.db.url_with_password,
            "FZWATCH_PARENT_PID": str(os.getpid()),
            "FZWATCH_CRAWL_TIMEOUT": str(self.timeout),
        }
        proc = subprocess.Popen(
            cmd,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self._children[proc.pid] = proc
        with self.db.transaction() as session:
            set_run_owner(session, run_id, proc.pid)
        try:
            out, err = proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            kill_process_group(proc.pid)
            proc.communicate()
            with self.db.transaction() as session:
                finish_run(
                    session, run_id, "failed", {}, f"crawl abandoned after {self.timeout:.0f}s timeout"
                )
            return RunOutcome(site_id, run_id, "timeout", {})
        finally:
            self._children.pop(proc.pid, None)
        return self._outcome(site_id, run_id, proc.returncode, out, err)

    def _outcome(self, site_id: str, run_id: int, code: int, out: str, err: str) -> RunOutcome:
        lines = [ln for ln in out.splitlines() if ln.startswith("{")]
        if lines:
            summary = json.loads(lines[-1])
            return RunOutcome(site_id, run_id, summary.get("status", "failed"), summary)
        tail = (err.strip().splitlines() or ["no output"])[-1][:500]
        if code < 0:  # killed by a signal: the run stays visible as such
            tail = f"crawl process ended by signal {-code}"
        # Cut by our own shutdown: proves nothing about the site, so it never feeds the site-failing alarm.
        status = "interrupted" if self._stopping else "failed"
        with self.db.transaction() as session:
            finish_run(
                session,
                run_id,
                status,
                {},
                f"crawl process {'interrupted' if self._stopping else 'failed'}: {tail}",
            )
        return RunOutcome(site_id, run_id, status, {})

    def stop(self) -> None:
        """Ask running crawls to stop; Scrapy finishes the item in flight, so nothing is half-written."""
        self._stopping = True
        for proc in list(self._children.values()):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


class WorkerPoolRunner:
    """Feeds site crawls to long-lived crawl worker processes (crawler/worker_pool.py), many sites at once
    each: one process start per hundreds of crawls instead of one per crawl (issue 14)."""

    def __init__(self, db: Database, timeout_seconds: float = 3600, **shape: Unpack[PoolShape]) -> None:
        self.db = db
        self.timeout = timeout_seconds
        self.pool = WorkerPool(db, **shape)

    @property
    def capacity(self) -> int:
        """Crawls this runner runs at once (the daemon sizes its crawl threads by it)."""
        return self.pool.capacity

    def worker_pids(self) -> list[int]:
        return self.pool.worker_pids()

    def run(self, site_id: str, trigger: str) -> RunOutcome:
        if self.pool.stopping:
            return RunOutcome(site_id, 0, "skipped", {})
        with self.db.transaction() as session:
            if running_elsewhere(session, site_id, timedelta(seconds=self.timeout)):
                logger.info("site %s is being crawled by another process; skipped", site_id)
                return RunOutcome(site_id, 0, "skipped", {})
            run_id = start_run(session, site_id, trigger).id

        def record_owner(pid: int) -> None:
            with self.db.transaction() as session:
                set_run_owner(session, run_id, pid)

        crawl = self.pool.submit(site_id, run_id, trigger, self.timeout, on_assigned=record_owner)
        # The worker cuts a crawl at its timeout; this is the backstop for a worker that hangs as a whole.
        if not crawl.wait(self.timeout + 120):
            logger.error("crawl worker %d gave no answer for %s: killed", crawl.worker_pid, site_id)
            self.pool.kill_worker(crawl.worker_pid)
            crawl.wait(60)
        return RunOutcome(site_id, run_id, crawl.status, crawl.answer or {})

    def stop(self) -> None:
        """Queued crawls are not started; running ones stop (SIGTERM: Scrapy's clean stop, `interrupted`)."""
        self.pool.stop()
