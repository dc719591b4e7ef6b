"""How a site crawl is run. The daemon talks to a runner; the default one crawls on this machine.

Each crawl runs in a child process: Twisted's reactor cannot restart in-process, a child's memory is
returned when it exits, and a crawl that hangs can be killed without touching the daemon.
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
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings", "FZWATCH_DB": self.db.url_with_password,
               "FZWATCH_PARENT_PID": str(os.getpid()), "FZWATCH_CRAWL_TIMEOUT": str(self.timeout)}
        proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)
        self._children[proc.pid] = proc
        with self.db.transaction() as session:
            set_run_owner(session, run_id, proc.pid)
        try:
            out, err = proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self._kill(proc)
            proc.communicate()
            with self.db.transaction() as session:
                finish_run(session, run_id, "failed", {}, f"crawl abandoned after {self.timeout:.0f}s timeout")
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
            finish_run(session, run_id, status, {}, f"crawl process {'interrupted' if self._stopping else 'failed'}: {tail}")
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
