"""The distributed runner's Celery app and its one task: crawl one site on whichever worker takes it.

It lives in crawler/ because both sides import it without an upward import: the daemon's CeleryRunner
(scheduler/) sends the task by importing this module, and a worker (`fzwatch worker`) runs it. The task
needs only storage/ and the crawl worker processes of crawler/worker_pool.py; it never imports scheduler/.

A `fzwatch worker` runs Celery's thread pool: each task thread hands its site to a few long-lived crawl
worker processes (`use_crawl_pool`), which crawl many sites at once each, as the daemon's pool runner does;
one Python process start per hundreds of crawls instead of one per crawl (issue 14).

Guarantees (docs/scale.md, "Distributed runner"):
- acks_late + reject_on_worker_lost + prefetch 1 on RabbitMQ: a message is acknowledged only after the
  crawl ended; a worker that dies (or whose connection drops) gets its message redelivered at once.
- per-site exclusivity in the database: the task holds the lease "crawl:<site>" while the crawl runs and
  renews it; a second delivery of the same site waits (retries) until the holder finished or died.
- results reach the database directly: the crawl worker writes reports, events and the run row itself.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import timedelta
from typing import Any

from celery import Celery, signals
from kombu import Queue

from crawler.worker_pool import PoolShape, WorkerPool
from storage import leases
from storage.database import Database, shared_database
from storage.models import CrawlRun
from storage.owners import owner_dead, owner_token
from storage.sites import finish_run, set_run_owner, start_run

logger = logging.getLogger(__name__)

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


# The crawl worker processes of this Celery worker: shaped by `use_crawl_pool`, started on the first task.
_pool_shape: PoolShape = {"workers": 1, "sites_per_worker": 2}
_pool: WorkerPool | None = None
_pool_lock = threading.Lock()


def use_crawl_pool(processes: int, concurrency: int) -> None:
    """Crawl with ``processes`` crawl worker processes, ``concurrency`` site crawls at once in all."""
    _pool_shape.update({"workers": processes, "sites_per_worker": -(-concurrency // processes)})


def _crawl_pool() -> WorkerPool:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = WorkerPool(shared_database(os.environ["FZWATCH_DB"]), **_pool_shape)
        return _pool


@signals.worker_shutting_down.connect
def _stop_crawls(**_kwargs: Any) -> None:
    """Celery's warm shutdown waits for running tasks: stop their crawls (runs `interrupted`) so it is
    prompt; the daemon schedules those sites again."""
    if _pool is not None:
        _pool.stop()


@app.task(name=TASK_NAME, bind=True, max_retries=None)
def crawl_site(self: Any, run_id: int, site_id: str, trigger: str) -> str:
    # One connection pool for all the task threads of this worker (an engine per task held its connections).
    return _crawl(self, shared_database(os.environ["FZWATCH_DB"]), run_id, site_id, trigger)


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
        status = _run_in_pool(db, run_id, site_id, trigger, me)
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


def _run_in_pool(db: Database, run_id: int, site_id: str, trigger: str, me: str) -> str:
    """Hand the crawl to a crawl worker process; the site lease becomes that process's (while it lives,
    even if this Celery worker died, nobody else crawls the site) and is renewed while the crawl runs."""
    pool = _crawl_pool()
    holder = [me]

    def assigned(pid: int) -> None:
        crawler_token = owner_token(pid)
        with db.transaction() as session:
            set_run_owner(session, run_id, pid)
            leases.transfer(session, _lease_name(site_id), me, crawler_token)
        holder[0] = crawler_token

    crawl = pool.submit(site_id, run_id, trigger, CRAWL_TIMEOUT_SECONDS, on_assigned=assigned)
    # The crawl worker cuts a crawl at its timeout; this is the backstop for a worker that hangs as a whole.
    deadline = time.monotonic() + CRAWL_TIMEOUT_SECONDS + 120
    renew = max(SITE_LEASE_SECONDS / 3, 0.5)
    try:
        while not crawl.wait(renew):
            if time.monotonic() > deadline:
                logger.error("crawl worker %d gave no answer for %s: killed", crawl.worker_pid, site_id)
                pool.kill_worker(crawl.worker_pid)
                crawl.wait(60)
                break
            with db.transaction() as session:
                leases.acquire(
                    session, _lease_name(site_id), holder[0], timedelta(seconds=SITE_LEASE_SECONDS)
                )
    finally:
        with db.transaction() as session:
            leases.release(session, _lease_name(site_id), holder[0])
    return _close(db, run_id, "failed", f"crawl worker {crawl.worker_pid} gave no answer")


def _close(db: Database, run_id: int, status: str, error: str) -> str:
    """The child closes its run itself; close it here only when it died without doing so."""
    with db.transaction() as session:
        run = session.get(CrawlRun, run_id)
        if run is None or run.status != "running":
            return run.status if run is not None else "gone"
        finish_run(session, run_id, status, {}, error)
    return status
