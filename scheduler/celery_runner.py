"""CeleryRunner: the daemon's CrawlRunner when FZWATCH_BROKER is set; site crawls run on `fzwatch worker`s.

The daemon opens the crawl run row (status running, owner "queued") and sends its id; the worker that
takes the message crawls it (crawler/distributed.py) and closes the row. The daemon learns the outcome
from that row, not from a Celery result backend, so workers need only the database and the broker.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from sqlalchemy import select

from crawler.distributed import QUEUE, RECRAWL_PRIORITY, SCHEDULE_PRIORITY, TASK_NAME, make_app
from scheduler.runner import RunOutcome
from storage.database import Database
from storage.models import CrawlRun, utcnow
from storage.sites import start_run

logger = logging.getLogger(__name__)

QUEUED_OWNER = "queued"  # not a host:pid token: owner_dead() never calls it dead


class CeleryRunner:
    def __init__(
        self,
        db: Database,
        broker: str,
        timeout_seconds: float = 3600,
        poll_seconds: float = 1.0,
        queue: str = QUEUE,
    ) -> None:
        self.db = db
        self.queue = queue
        self.app = make_app(broker, queue)
        self.timeout = timeout_seconds
        self.poll = poll_seconds
        self._stop = threading.Event()

    def run(self, site_id: str, trigger: str) -> RunOutcome:
        run_id = self._adopt_or_send(site_id, trigger)
        # The worker may wait in the queue and then crawl for up to the timeout.
        waited = 0.0
        while waited < 2 * self.timeout and not self._stop.is_set():
            status = self._status(run_id)
            if status != "running":
                return RunOutcome(site_id, run_id, status, {})
            self._stop.wait(self.poll)
            waited += self.poll
        # Daemon stopping (or a very long queue): the message stays in the broker and a worker still runs it.
        return RunOutcome(site_id, run_id, "dispatched", {})

    def _adopt_or_send(self, site_id: str, trigger: str) -> int:
        """A run of this site already dispatched (by a daemon that died, say) is waited for, not sent again."""
        with self.db.transaction() as session:
            pending = session.scalar(
                select(CrawlRun.id)
                .where(
                    CrawlRun.site_id == site_id,
                    CrawlRun.status == "running",
                    CrawlRun.started_at >= _cutoff(self.timeout),
                )
                .order_by(CrawlRun.id.desc())
                .limit(1)
            )
            if pending is not None:
                logger.info(
                    "site %s has run %s in the queue or on a worker; waiting for it", site_id, pending
                )
                return int(pending)
            run = start_run(session, site_id, trigger)
            run.owner = QUEUED_OWNER
            run_id = run.id
        priority = RECRAWL_PRIORITY if trigger == "recrawl" else SCHEDULE_PRIORITY
        self.app.send_task(TASK_NAME, args=[run_id, site_id, trigger], queue=self.queue, priority=priority)
        logger.info("site %s sent to the workers as run %s (%s)", site_id, run_id, trigger)
        return run_id

    def _status(self, run_id: int) -> str:
        with self.db.transaction() as session:
            status = session.scalar(select(CrawlRun.status).where(CrawlRun.id == run_id))
        return status or "abandoned"

    def stop(self) -> None:
        """Stop waiting; dispatched crawls are the workers' and go on (a standby daemon adopts them)."""
        self._stop.set()


def _cutoff(timeout: float) -> datetime:
    return utcnow() - timedelta(seconds=timeout)
