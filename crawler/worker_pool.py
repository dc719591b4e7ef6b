"""The client side of crawl worker processes (crawler/worker.py): keeps a few long-lived workers, hands each
up to ``sites_per_worker`` site crawls at once, recycles them, and closes the runs of a worker that died.

Two callers feed it: the daemon's WorkerPoolRunner (scheduler/runner.py, `--runner pool`) and a distributed
worker's Celery task (crawler/distributed.py). It lives here so that both reach it by importing downward.
The caller opens the crawl run and owns per-site exclusivity; the pool only runs the crawl and reports.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from storage.database import Database
from storage.sites import finish_run

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class PoolShape(TypedDict, total=False):
    """How a WorkerPool is sized; callers that build one pass these through (keywords of WorkerPool)."""

    workers: int
    sites_per_worker: int
    max_crawls: int
    max_rss_mb: float


@dataclass
class PoolCrawl:
    """One crawl handed to a worker: ``wait`` until the worker answered or died; ``answer`` is its report."""

    site_id: str
    run_id: int
    worker_pid: int = 0
    done: threading.Event = field(default_factory=threading.Event)
    answer: dict[str, Any] | None = None

    def wait(self, timeout: float | None) -> bool:
        return self.done.wait(timeout)

    @property
    def status(self) -> str:
        return str((self.answer or {}).get("status") or "failed")


@dataclass
class _Worker:
    proc: subprocess.Popen[str]
    pending: dict[int, PoolCrawl] = field(default_factory=dict)
    sent: int = 0
    accepting: bool = True

    @property
    def pid(self) -> int:
        return self.proc.pid


class WorkerPool:
    """Up to ``workers`` `python -m crawler.worker` processes, ``sites_per_worker`` crawls at once each: one
    process start per hundreds of crawls instead of one per crawl (issue 14). A worker is recycled (its input
    closed; it finishes its crawls and exits) after ``max_crawls`` crawls or once it reports more than
    ``max_rss_mb``. A worker that dies mid-batch has its runs closed with the reason (``interrupted`` once
    the pool is stopping, else ``failed``)."""

    def __init__(
        self,
        db: Database,
        workers: int = 2,
        sites_per_worker: int = 8,
        max_crawls: int = 500,
        max_rss_mb: float = 800,
    ) -> None:
        self.db = db
        self.size, self.per_worker = max(workers, 1), max(sites_per_worker, 1)
        self.max_crawls, self.max_rss_mb = max_crawls, max_rss_mb
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self.stopping = False

    @property
    def capacity(self) -> int:
        """Crawls the pool runs at once."""
        return self.size * self.per_worker

    def worker_pids(self) -> list[int]:
        with self._lock:
            return [w.pid for w in self._workers if w.proc.poll() is None]

    def submit(
        self,
        site_id: str,
        run_id: int,
        trigger: str,
        timeout: float,
        on_assigned: Callable[[int], None] | None = None,
    ) -> PoolCrawl:
        """Hand run ``run_id`` of ``site_id`` to a worker; ``on_assigned(worker_pid)`` runs before the worker
        is told (the caller records who crawls). The worker cuts the crawl at ``timeout``."""
        crawl = PoolCrawl(site_id, run_id)
        worker = self._assign(crawl)
        crawl.worker_pid = worker.pid
        if on_assigned is not None:
            on_assigned(worker.pid)
        job = {"site": site_id, "run_id": run_id, "trigger": trigger, "timeout": timeout}
        try:
            assert worker.proc.stdin is not None
            worker.proc.stdin.write(json.dumps(job) + "\n")
            worker.proc.stdin.flush()
        except (OSError, ValueError):  # the worker died or was closed meanwhile: its reader closes the run
            self.kill_worker(worker.pid)
        return crawl

    def _assign(self, crawl: PoolCrawl) -> _Worker:
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
            worker.pending[crawl.run_id] = crawl
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
            # stderr is the caller's own: the worker's lines land in the daemon's (or Celery worker's) log,
            # which must stay readable (Scrapy's INFO is a stats dump per crawl and a line per skipped page);
            # the caller logs each crawl's outcome itself. An operator's FZWATCH_LOG_LEVEL still wins.
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
        kill_process_group(worker.pid)

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
                crawl = worker.pending.pop(int(answer.get("run_id", 0)), None)
                if float(answer.get("rss_mb") or 0) > self.max_rss_mb:
                    self._retire(worker, f"{answer['rss_mb']} MB resident")
            if crawl is not None:
                crawl.answer = answer
                crawl.done.set()
        self._worker_ended(worker)

    def _worker_ended(self, worker: _Worker) -> None:
        code = worker.proc.wait()
        kill_process_group(worker.pid)  # its parse pool's processes, if any are left
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
            lost = list(worker.pending.values())
            worker.pending.clear()
        if not lost:
            return
        how = f"signal {-code}" if code < 0 else f"exit code {code}"
        # Cut by our own shutdown: proves nothing about the site, so it never feeds the site-failing alarm.
        status = "interrupted" if self.stopping else "failed"
        logger.warning(
            "crawl worker %d ended (%s) with %d crawls running: %s", worker.pid, how, len(lost), status
        )
        for crawl in lost:
            try:
                with self.db.transaction() as session:
                    finish_run(
                        session,
                        crawl.run_id,
                        status,
                        {},
                        f"crawl worker {worker.pid} ended ({how}) mid-crawl",
                    )
            except Exception:  # the run is closed as abandoned at the next daemon start
                logger.exception("could not close run %d", crawl.run_id)
            crawl.answer = {"status": status}
            crawl.done.set()

    def kill_worker(self, pid: int) -> None:
        """SIGKILL a worker that hangs as a whole; its reader then closes its runs."""
        kill_process_group(pid)

    def stop(self) -> None:
        """Running crawls stop (SIGTERM: Scrapy's clean stop, runs `interrupted`); no new crawl is taken."""
        self.stopping = True
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            try:
                os.kill(worker.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


def kill_process_group(pid: int) -> None:
    """SIGKILL a crawl process and the processes it started (each crawl process leads its own group)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
