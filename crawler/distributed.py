"""The distributed runner's Celery app and its one task: crawl one site on whichever worker takes it.

It lives in crawler/ because both sides import it without an upward import: the daemon's CeleryRunner
(scheduler/) sends the task by importing this module, and a worker (`fzwatch worker`) runs it. The task
needs only storage/ and `python -m crawler.run`; it never imports scheduler/.

Guarantees (docs/scale.md, "Distributed runner"):
- acks_late + reject_on_worker_lost + prefetch 1 on RabbitMQ: a message is acknowledged only after the
  crawl ended; a worker that dies (or whose connection drops) gets its message redelivered at once.
- per-site exclusivity in the database: the task holds the lease "crawl:<site>" while the crawl runs and
  renews it; a second delivery of the same site waits (retries) until the holder finished or died.
- results reach the database directly: the crawl child writes reports, events and the run row itself.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from celery import Celery
from kombu import Queue

from storage import leases
from storage.database import Database
from storage.models import CrawlRun
from storage.owners import owner_dead, owner_token
from storage.sites import finish_run, set_run_owner, start_run

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUEUE = os.environ.get("FZWATCH_QUEUE", "fzwatch.crawl")
RECRAWL_PRIORITY = 9  # manual recrawls jump the queue (RabbitMQ priority queue)
SCHEDULE_PRIORITY = 3
SITE_LEASE_SECONDS = float(os.environ.get("FZWATCH_SITE_LEASE_SECONDS", "60"))
CRAWL_TIMEOUT_SECONDS = float(os.environ.get("FZWATCH_CRAWL_TIMEOUT", "3600"))
TASK_NAME = "fzwatch.crawl_site"


def make_app(broker: str | None = None, queue: str = QUEUE) -> Celery:
    app = Celery(
        "fzwatch", broker=broker or os.environ.get("FZWATCH_BROKER", "amqp://guest:guest@127.0.0.1:5672//")
    )
    app.conf.update(
        task_acks_late=True,  # ack after the crawl: a dead worker's message is redelivered
        task_reject_on_worker_lost=True,  # a killed pool child requeues its message instead of acking it
        worker_prefetch_multiplier=1,  # a busy worker holds no second message another worker could run
        task_ignore_result=True,  # outcomes are in crawl_runs; no result backend to run
        task_default_queue=queue,
        task_queues=[Queue(queue, routing_key=queue, queue_arguments={"x-max-priority": 10})],
        task_default_priority=SCHEDULE_PRIORITY,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        # RabbitMQ's own consumer timeout (30 min) would requeue a long crawl's message under a live worker.
        broker_transport_options={"consumer_timeout": int(CRAWL_TIMEOUT_SECONDS * 2 * 1000)},
    )
    return app


app = make_app()


@app.task(name=TASK_NAME, bind=True, max_retries=None)
def crawl_site(self: Any, run_id: int, site_id: str, trigger: str) -> str:
    db = Database(os.environ["FZWATCH_DB"])
    try:
        return _crawl(self, db, run_id, site_id, trigger)
    finally:
        db.dispose()


def _crawl(task: Any, db: Database, run_id: int, site_id: str, trigger: str) -> str:
    me = owner_token()
    if not _take_site(db, site_id, me):
        logger.info("site %s is being crawled by another worker; retrying later", site_id)
        raise task.retry(countdown=min(5.0, SITE_LEASE_SECONDS / 4))
    try:
        run_id = _run_to_crawl(db, run_id, site_id, trigger)
        if not run_id:
            return "done"
        logger.info("crawling %s (run %s) on worker %s", site_id, run_id, task.request.hostname)
        status = _run_child(db, run_id, site_id, trigger, me)
        logger.info("crawl of %s (run %s) ended: %s", site_id, run_id, status)
        return status
    finally:
        with db.transaction() as session:
            leases.release(session, _lease_name(site_id), me)


def _run_to_crawl(db: Database, run_id: int, site_id: str, trigger: str) -> int:
    """The run to crawl now, 0 for none. A redelivered message whose crawl was cut (its worker died, the
    crawl was stopped) gets a new run; one whose crawl ended is done."""
    with db.transaction() as session:
        run = session.get(CrawlRun, run_id)
        if run is not None and run.status == "running":
            return run_id
        if run is not None and run.status in ("interrupted", "abandoned"):
            logger.info("run %s of %s was %s; crawling the site again", run_id, site_id, run.status)
            return start_run(session, site_id, trigger).id
    logger.info("run %s of %s ended already; not crawled again", run_id, site_id)
    return 0


def _lease_name(site_id: str) -> str:
    return f"crawl:{site_id}"[:50]


def _take_site(db: Database, site_id: str, me: str) -> bool:
    with db.transaction() as session:
        holder = leases.holder(session, _lease_name(site_id))
        if holder is not None and holder.owner != me and owner_dead(holder.owner):
            leases.release(session, _lease_name(site_id), holder.owner)  # killed on this host: free now
        return leases.acquire(session, _lease_name(site_id), me, timedelta(seconds=SITE_LEASE_SECONDS))


def _run_child(db: Database, run_id: int, site_id: str, trigger: str, me: str) -> str:
    """`python -m crawler.run` in a child (Twisted's reactor cannot restart); renew the site lease meanwhile."""
    cmd = [sys.executable, "-m", "crawler.run", site_id, "--run-id", str(run_id), "--trigger", trigger]
    env = {
        **os.environ,
        "SCRAPY_SETTINGS_MODULE": "crawler.settings",
        "FZWATCH_DB": db.url_with_password,
        "FZWATCH_PARENT_PID": str(os.getpid()),
    }
    proc = subprocess.Popen(
        cmd,
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    child = owner_token(proc.pid)
    with db.transaction() as session:
        set_run_owner(session, run_id, proc.pid)
        # The lease becomes the crawl process's: while it lives (even if this worker died), nobody else crawls.
        leases.transfer(session, _lease_name(site_id), me, child)
    try:
        return _wait(db, proc, run_id, site_id, child)
    finally:
        with db.transaction() as session:
            leases.release(session, _lease_name(site_id), child)


def _wait(db: Database, proc: subprocess.Popen[str], run_id: int, site_id: str, child: str) -> str:
    deadline = time.monotonic() + CRAWL_TIMEOUT_SECONDS
    renew = max(SITE_LEASE_SECONDS / 3, 0.5)
    while True:
        try:
            _, err = proc.communicate(timeout=renew)
            break
        except subprocess.TimeoutExpired:
            if time.monotonic() > deadline:
                _kill(proc)
                proc.communicate()
                return _close(
                    db, run_id, "failed", f"crawl abandoned after {CRAWL_TIMEOUT_SECONDS:.0f}s timeout"
                )
            with db.transaction() as session:
                leases.acquire(session, _lease_name(site_id), child, timedelta(seconds=SITE_LEASE_SECONDS))
    tail = (err.strip().splitlines() or ["no output"])[-1][:500]
    if proc.returncode < 0:
        tail = f"crawl process ended by signal {-proc.returncode}"
    return _close(db, run_id, "failed", f"crawl process failed: {tail}")


def _close(db: Database, run_id: int, status: str, error: str) -> str:
    """The child closes its run itself; close it here only when it died without doing so."""
    with db.transaction() as session:
        run = session.get(CrawlRun, run_id)
        if run is None or run.status != "running":
            return run.status if run is not None else "gone"
        finish_run(session, run_id, status, {}, error)
    return status


def _kill(proc: subprocess.Popen[str]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
