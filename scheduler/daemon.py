"""`fzwatch daemon`: APScheduler runs one job per site, polls manual recrawls, drains the outbox.

Triggers (when) and the runner (how) are kept apart from the job code; the database is the only
state, so jobs are rebuilt from the sites table at start and re-synced every SYNC_SECONDS.
"""

from __future__ import annotations

import logging
import random
import signal
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scheduler.conditions import INTERVAL_HOURS, check_conditions
from scheduler.conditions import JOB_ID as CONDITIONS_JOB
from scheduler.delivery import Deliverer, recover
from scheduler.runner import CrawlRunner, LocalProcessRunner
from storage.database import Database
from storage.sites import (
    abandon_stale_runs,
    list_sites,
    prune_runs,
    requeue_unserved_recrawls,
    take_recrawl_requests,
    unfinished_sites,
)

logger = logging.getLogger(__name__)


@dataclass
class DaemonConfig:
    crawl_workers: int = 2  # crawls running at once (each in its own process)
    sync_seconds: float = 30  # sites added/removed are picked up within this
    recrawl_poll_seconds: float = 2  # manual recrawl requests are picked up within this
    deliver_seconds: float = 2  # outbox polling
    crawl_timeout_seconds: float = 3600  # a crawl still running after this is killed
    timezone: str = "Asia/Shanghai"
    subscriptions_file: str | None = None  # YAML-declared subscriptions, loaded at start and every sync
    delivery_workers: int = 8  # targets sent to at once; a slow target holds only its own worker


def site_trigger(site: Any, tz: str) -> IntervalTrigger | CronTrigger:
    if site.cron:
        return CronTrigger.from_crontab(site.cron, timezone=tz)
    interval = max(int(site.interval_seconds), 30)
    # Jitter spreads sites sharing an interval so they do not all hit at once.
    return IntervalTrigger(seconds=interval, jitter=min(interval // 10, 600), timezone=tz)


class Daemon:
    def __init__(self, db: Database, config: DaemonConfig | None = None, runner: CrawlRunner | None = None) -> None:
        self.db = db
        self.config = config or DaemonConfig()
        self.runner = runner or LocalProcessRunner(db, self.config.crawl_timeout_seconds)
        self.scheduler = BackgroundScheduler(
            executors={"crawl": ThreadPoolExecutor(self.config.crawl_workers), "default": ThreadPoolExecutor(4)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=self.config.timezone,
        )
        self._running: set[str] = set()
        self._again: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._site_signatures: dict[str, tuple[Any, ...]] = {}
        self.deliverer = Deliverer(db, workers=self.config.delivery_workers)
        self._subscriptions_stamp: tuple[float, int] | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def run_forever(self) -> None:
        self.start()
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        while not self._stop.wait(1):
            pass
        self.shutdown()

    def start(self) -> None:
        if self.config.subscriptions_file:
            self.sync_subscriptions(strict=True)  # a broken file stops the start, with every problem listed
        with self.db.transaction() as session:
            abandoned = abandon_stale_runs(session, timedelta(seconds=self.config.crawl_timeout_seconds))
            requeued = requeue_unserved_recrawls(session)
        if requeued:
            logger.info("re-queued %d manual recrawl requests a previous process took but never ran", requeued)
        if abandoned:
            logger.info("closed %d crawl runs left open by a previous process", abandoned)
        recovered = recover(self.db)
        if recovered:
            logger.info("re-queued %d deliveries that were in flight when a process died", recovered)
        cfg = self.config
        self.scheduler.add_job(self.sync_sites, "interval", seconds=cfg.sync_seconds, id="sync-sites",
                               next_run_time=datetime.now(UTC))
        self.scheduler.add_job(self.poll_recrawls, "interval", seconds=cfg.recrawl_poll_seconds, id="recrawls")
        self.scheduler.add_job(self.deliver, "interval", seconds=cfg.deliver_seconds, id="deliver",
                               next_run_time=datetime.now(UTC))
        self.scheduler.add_job(self.housekeeping, "interval", hours=6, id="housekeeping")
        self.scheduler.add_job(check_conditions, "interval", hours=INTERVAL_HOURS, args=[self.db], id=CONDITIONS_JOB)
        if cfg.subscriptions_file:
            self.scheduler.add_job(self.sync_subscriptions, "interval", seconds=cfg.sync_seconds, id="sync-subscriptions")
        self.scheduler.start()
        logger.info("daemon started on %s", self.db.url)

    def _on_signal(self, signum: int, _frame: Any) -> None:
        logger.info("signal %d: stopping", signum)
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()

    def shutdown(self) -> None:
        self.scheduler.pause()
        self.runner.stop()
        self.scheduler.shutdown(wait=True)
        self.deliverer.close(wait=True)
        logger.info("daemon stopped")

    # -- jobs ------------------------------------------------------------------------------------

    def sync_sites(self) -> None:
        """Make the scheduler's site jobs match the sites table (added, removed, rescheduled)."""
        with self.db.transaction() as session:
            sites = list_sites(session, enabled_only=True)
            unfinished = unfinished_sites(session)
            wanted = {s.id: (s.interval_seconds, s.cron, s.last_crawl_at) for s in sites}
            for site in sites:
                if self._site_signatures.get(site.id, (None,))[:2] == wanted[site.id][:2]:
                    continue
                first = self._first_run_time(site, site.id in unfinished)
                self.scheduler.add_job(
                    self.crawl_site, site_trigger(site, self.config.timezone), args=[site.id, "schedule"],
                    id=f"site:{site.id}", name=f"crawl {site.id}", executor="crawl", replace_existing=True,
                    misfire_grace_time=max(site.interval_seconds // 2, 60), next_run_time=first,
                )
                logger.info("scheduled site %s (first run %s)", site.id, first.isoformat())
        for gone in set(self._site_signatures) - set(wanted):
            self.scheduler.remove_job(f"site:{gone}")
            logger.info("unscheduled removed site %s", gone)
        self._site_signatures = wanted

    def _first_run_time(self, site: Any, unfinished: bool) -> datetime:
        now = datetime.now(UTC)
        if site.last_crawl_at is None or unfinished:
            return now + timedelta(seconds=random.uniform(0, 5))
        due = site.last_crawl_at + timedelta(seconds=site.interval_seconds)
        return max(due, now + timedelta(seconds=1))

    def poll_recrawls(self) -> None:
        with self.db.transaction() as session:
            site_ids = take_recrawl_requests(session)
        for site_id in site_ids:
            logger.info("manual recrawl of %s", site_id)
            # misfire_grace_time=None: a request queued behind busy crawl workers still runs (APScheduler's
            # default 1 s grace would drop it silently)
            self.scheduler.add_job(self.crawl_site, args=[site_id, "recrawl"], id=f"recrawl:{site_id}",
                                   executor="crawl", replace_existing=True, misfire_grace_time=None)

    def crawl_site(self, site_id: str, trigger: str) -> None:
        """Never two runs of one site at once: a request arriving mid-run runs once right after."""
        with self._lock:
            if site_id in self._running:
                self._again.add(site_id)
                return
            self._running.add(site_id)
        try:
            while True:
                outcome = self.runner.run(site_id, trigger)
                logger.info("crawl %s finished: %s", site_id, outcome.status)
                with self._lock:
                    if site_id not in self._again or self._stop.is_set():
                        break
                    self._again.discard(site_id)
                trigger = "recrawl"
        except Exception:  # a failing site never takes the daemon down
            logger.exception("crawl of %s failed", site_id)
        finally:
            with self._lock:
                self._running.discard(site_id)
        self.deliver()

    def deliver(self) -> None:
        try:
            self.deliverer.poll()
        except Exception:
            logger.exception("delivery round failed; will retry")

    def sync_subscriptions(self, strict: bool = False) -> None:
        """Load the subscriptions file when it changed; a broken file keeps the previous subscriptions."""
        from scheduler.alerts.filters import SubscriptionConfigError
        from storage.subscriptions import file_stamp, sync_subscriptions_file

        path = self.config.subscriptions_file or ""
        stamp = file_stamp(path)
        if stamp is not None and stamp == self._subscriptions_stamp:
            return
        try:
            with self.db.transaction() as session:
                created, removed = sync_subscriptions_file(session, path)
        except SubscriptionConfigError as exc:
            if strict:
                raise
            logger.error("subscriptions file not reloaded: %s", exc)
            return
        self._subscriptions_stamp = stamp
        logger.info("subscriptions from %s: %d new, %d removed", path, created, removed)

    def housekeeping(self) -> None:
        with self.db.transaction() as session:
            prune_runs(session)
            abandon_stale_runs(session, timedelta(seconds=self.config.crawl_timeout_seconds * 2))
