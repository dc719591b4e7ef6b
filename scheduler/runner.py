"""How a site crawl is run. The daemon talks to a runner; both here crawl on this machine.

WorkerPoolRunner (`--runner pool`) feeds long-lived crawl worker processes (crawler/worker.py) that run
many sites at once in one reactor; LocalProcessRunner runs each crawl in its own child process. Either way
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
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from storage.database import Database
from storage.sites import finish_run, running_elsewhere, set_run_owner, start_run

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
            self._kill(proc)
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

    @staticmethod
    def _kill(proc: subprocess.Popen[str]) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def stop(self) -> None:
        """Ask running crawls to stop; Scrapy finishes the item in flight, so nothing is half-written."""
        self._stopping = True
        for proc in list(self._children.values()):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


@dataclass
class _Pending:
    site_id: str
    run_id: int
    done: threading.Event = field(default_factory=threading.Event)
    outcome: RunOutcome | None = None


@dataclass
class _Worker:
    proc: subprocess.Popen[str]
    pending: dict[int, _Pending] = field(default_factory=dict)
    sent: int = 0
    accepting: bool = True

    @property
    def pid(self) -> int:
        return self.proc.pid


class WorkerPoolRunner:
    """Keeps up to ``workers`` long-lived `python -m crawler.worker` processes and feeds them site crawls,
    ``sites_per_worker`` at once each: one process start per hundreds of crawls instead of one per crawl
    (issue 14). A worker is recycled (its input closed; it finishes its crawls and exits) after
    ``max_crawls`` crawls or once it reports more than ``max_rss_mb``. A worker that dies mid-batch has its
    runs recorded with the reason (``interrupted`` when we are stopping); the next crawl starts a new one.
    """

    def __init__(
        self,
        db: Database,
        timeout_seconds: float = 3600,
        workers: int = 2,
        sites_per_worker: int = 8,
        max_crawls: int = 500,
        max_rss_mb: float = 800,
    ) -> None:
        self.db = db
        self.timeout = timeout_seconds
        self.size, self.per_worker = max(workers, 1), max(sites_per_worker, 1)
        self.max_crawls, self.max_rss_mb = max_crawls, max_rss_mb
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._stopping = False

    @property
    def capacity(self) -> int:
        """Crawls this runner runs at once (the daemon sizes its crawl threads by it)."""
        return self.size * self.per_worker

    def worker_pids(self) -> list[int]:
        with self._lock:
            return [w.pid for w in self._workers if w.proc.poll() is None]

    def run(self, site_id: str, trigger: str) -> RunOutcome:
        if self._stopping:
            return RunOutcome(site_id, 0, "skipped", {})
        with self.db.transaction() as session:
            if running_elsewhere(session, site_id, timedelta(seconds=self.timeout)):
                logger.info("site %s is being crawled by another process; skipped", site_id)
                return RunOutcome(site_id, 0, "skipped", {})
            run_id = start_run(session, site_id, trigger).id
        pending = _Pending(site_id, run_id)
        worker = self._assign(pending)
        with self.db.transaction() as session:
            set_run_owner(session, run_id, worker.pid)
        job = {"site": site_id, "run_id": run_id, "trigger": trigger, "timeout": self.timeout}
        try:
            assert worker.proc.stdin is not None
            worker.proc.stdin.write(json.dumps(job) + "\n")
            worker.proc.stdin.flush()
        except (OSError, ValueError):  # the worker died or was closed meanwhile: its reader closes the run
            self._kill(worker.proc)
        # The worker cuts a crawl at its timeout; this is the backstop for a worker that hangs as a whole.
        if not pending.done.wait(self.timeout + 120):
            logger.error("crawl worker %d gave no answer for %s: killed", worker.pid, site_id)
            self._kill(worker.proc)
            pending.done.wait(60)
        return pending.outcome or RunOutcome(site_id, run_id, "failed", {})

    def _assign(self, pending: _Pending) -> _Worker:
        """The least busy accepting worker with room, a new one while under ``workers``, else the least busy."""
        with self._lock:
            live = [w for w in self._workers if w.accepting and w.proc.poll() is None]
            roomy = [w for w in live if len(w.pending) < self.per_worker]
            if roomy:
                worker = min(roomy, key=lambda w: len(w.pending))
            elif len([w for w in self._workers if w.proc.poll() is None]) < self.size or not live:
                worker = self._spawn()
            else:
                worker = min(live, key=lambda w: len(w.pending))
            worker.pending[pending.run_id] = pending
            worker.sent += 1
            if worker.sent >= self.max_crawls:
                self._retire(worker, f"{worker.sent} crawls")
            return worker

    def _spawn(self) -> _Worker:
        env = {
            **os.environ,
            "SCRAPY_SETTINGS_MODULE": "crawler.settings",
            "FZWATCH_DB": self.db.url_with_password,
            "FZWATCH_PARENT_PID": str(os.getpid()),
            # stderr is the daemon's own: the worker's lines land in the daemon log, which must stay readable
            # (Scrapy's INFO is a stats dump per crawl and a line per skipped page); the daemon logs each
            # crawl's outcome itself. An operator's FZWATCH_LOG_LEVEL still wins.
            "FZWATCH_LOG_LEVEL": os.environ.get("FZWATCH_LOG_LEVEL") or "WARNING",
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler.worker"],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        worker = _Worker(proc)
        self._workers.append(worker)
        threading.Thread(
            target=self._read, args=(worker,), name=f"crawl-worker-{proc.pid}", daemon=True
        ).start()
        threading.Thread(
            target=self._reap, args=(worker,), name=f"crawl-reaper-{proc.pid}", daemon=True
        ).start()
        logger.info("crawl worker %d started", proc.pid)
        return worker

    def _retire(self, worker: _Worker, why: str) -> None:
        """No more jobs for this worker: it finishes its crawls and exits; a new one takes the next."""
        if not worker.accepting:
            return
        worker.accepting = False
        logger.info("crawl worker %d recycled after %s", worker.pid, why)
        try:
            assert worker.proc.stdin is not None
            worker.proc.stdin.close()
        except OSError:
            pass

    def _reap(self, worker: _Worker) -> None:
        """When the worker process ends, however it ends, its process group goes too: its parse pool's
        processes inherited its stdout, and while one lives (a parse spinning in its budget) the reader
        would never see EOF and the worker's runs would never be closed."""
        worker.proc.wait()
        self._kill(worker.proc)

    def _read(self, worker: _Worker) -> None:
        assert worker.proc.stdout is not None
        for line in worker.proc.stdout:
            try:
                answer = json.loads(line)
            except ValueError:
                continue
            if answer.get("event") != "done":
                continue
            with self._lock:
                pending = worker.pending.pop(int(answer.get("run_id", 0)), None)
                if float(answer.get("rss_mb") or 0) > self.max_rss_mb:
                    self._retire(worker, f"{answer['rss_mb']} MB resident")
            if pending is not None:
                status = answer.get("status", "failed")
                pending.outcome = RunOutcome(pending.site_id, pending.run_id, status, answer)
                pending.done.set()
        self._worker_ended(worker)

    def _worker_ended(self, worker: _Worker) -> None:
        code = worker.proc.wait()
        self._kill(worker.proc)  # its parse pool's processes, if any are left
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
            lost = list(worker.pending.values())
            worker.pending.clear()
        if not lost:
            return
        how = f"signal {-code}" if code < 0 else f"exit code {code}"
        # Cut by our own shutdown: proves nothing about the site, so it never feeds the site-failing alarm.
        status = "interrupted" if self._stopping else "failed"
        logger.warning(
            "crawl worker %d ended (%s) with %d crawls running: %s", worker.pid, how, len(lost), status
        )
        for pending in lost:
            try:
                with self.db.transaction() as session:
                    finish_run(
                        session,
                        pending.run_id,
                        status,
                        {},
                        f"crawl worker {worker.pid} ended ({how}) mid-crawl",
                    )
            except Exception:  # the run is closed as abandoned at the next daemon start
                logger.exception("could not close run %d", pending.run_id)
            pending.outcome = RunOutcome(pending.site_id, pending.run_id, status, {})
            pending.done.set()

    @staticmethod
    def _kill(proc: subprocess.Popen[str]) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def stop(self) -> None:
        """Queued crawls are not started; running ones stop (SIGTERM: Scrapy's clean stop, `interrupted`)."""
        self._stopping = True
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            try:
                os.kill(worker.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
