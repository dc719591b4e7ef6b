"""`fzwatch daemon`: APScheduler runs one job per site, polls manual recrawls, drains the outbox.

Triggers (when) and the runner (how) are kept apart from the job code; the database is the only
state, so jobs are rebuilt from the sites table at start and re-synced every SYNC_SECONDS.

Several daemons may run on one database (hot standby): the one holding the "scheduler" lease
(storage/leases.py) schedules and delivers; the others wait and take over within `lease_seconds` after
it dies. A daemon that loses its lease stops scheduling at once.
"""

from __future__ import annotations

import logging
import os
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

from alerting.filters import SubscriptionConfigError
from scheduler.celery_runner import CeleryRunner
from scheduler.conditions import INTERVAL_HOURS, check_conditions
from scheduler.conditions import JOB_ID as CONDITIONS_JOB
from scheduler.delivery import Deliverer, recover
from scheduler.registry import stored_site_problem
from scheduler.runner import CrawlRunner, LocalProcessRunner, WorkerPoolRunner
from storage import leases
from storage.database import Database
from storage.models import Site
from storage.outbox import prune_outbox
from storage.owners import owner_dead, owner_token
from storage.sites import (
    abandon_stale_runs,
    list_sites,
    prune_runs,
    requeue_unserved_recrawls,
    take_recrawl_requests,
    unfinished_sites,
)
from storage.subscriptions import file_stamp, sync_subscriptions_file

logger = logging.getLogger(__name__)

RECRAWL_WAIT = 10  # seconds between tries of a manual recrawl whose site another process is crawling


@dataclass
class DaemonConfig:
    crawl_workers: int = 2  # crawls running at once with the local runner (each in its own process)
    sync_seconds: float = 30  # sites added/removed are picked up within this
    recrawl_poll_seconds: float = 2  # manual recrawl requests are picked up within this
    deliver_seconds: float = 2  # outbox polling
    crawl_timeout_seconds: float = 3600  # a crawl still running after this is killed
    timezone: str = "Asia/Shanghai"
    subscriptions_file: str | None = None  # YAML-declared subscriptions, loaded at start and every sync
    delivery_workers: int = 8  # targets sent to at once; a slow target holds only its own worker
    # The scheduler lease: renewed every third of this; a standby takes over at most this long after the
    # holder died (FZWATCH_LEASE_SECONDS).
    lease_seconds: float = float(os.environ.get("FZWATCH_LEASE_SECONDS", "45"))
    # New sites' first crawls are spread: about this many seconds per new site, within their interval.
    first_crawl_spread_seconds: float = 3.0
    # Retention, applied daily: crawl-run history (each site's latest run is kept) and delivered or given-up
    # outbox rows. Versions and raw pages are the product and are never pruned.
    run_retention_days: int = int(os.environ.get("FZWATCH_RUN_RETENTION_DAYS", "90"))
    outbox_retention_days: int = int(os.environ.get("FZWATCH_OUTBOX_RETENTION_DAYS", "30"))
    # "pool" (default): long-lived crawl worker processes running many sites each (WorkerPoolRunner).
    # "local": one child process per crawl (LocalProcessRunner), crawl_workers at once.
    runner: str = os.environ.get("FZWATCH_RUNNER", "pool")
    worker_processes: int = int(os.environ.get("FZWATCH_WORKER_PROCESSES", "2"))
    sites_per_worker: int = int(os.environ.get("FZWATCH_SITES_PER_WORKER", "8"))
    # A worker is recycled after this many crawls or once it holds more than this much memory.
    worker_max_crawls: int = int(os.environ.get("FZWATCH_WORKER_MAX_CRAWLS", "500"))
    worker_max_rss_mb: float = float(os.environ.get("FZWATCH_WORKER_MAX_RSS_MB", "800"))


def site_trigger(site: Any, tz: str) -> IntervalTrigger | CronTrigger:
    if site.cron:
        return CronTrigger.from_crontab(site.cron, timezone=tz)
    interval = max(int(site.interval_seconds), 30)
    # Jitter spreads sites sharing an interval so they do not all hit at once.
    return IntervalTrigger(seconds=interval, jitter=min(interval // 10, 600), timezone=tz)


def default_runner(db: Database, config: DaemonConfig) -> CrawlRunner:
    """Celery workers when a broker is configured (FZWATCH_BROKER); else long-lived crawl worker processes on
    this machine ("pool"), or one child process per crawl ("local")."""
    broker = os.environ.get("FZWATCH_BROKER")
    if broker:
        return CeleryRunner(db, broker, config.crawl_timeout_seconds)
    if config.runner == "local":
        return LocalProcessRunner(db, config.crawl_timeout_seconds)
    return WorkerPoolRunner(
        db,
        config.crawl_timeout_seconds,
        workers=config.worker_processes,
        sites_per_worker=config.sites_per_worker,
        max_crawls=config.worker_max_crawls,
        max_rss_mb=config.worker_max_rss_mb,
    )


class Daemon:
    def __init__(
        self, db: Database, config: DaemonConfig | None = None, runner: CrawlRunner | None = None
    ) -> None:
        self.db = db
        self.config = config or DaemonConfig()
        self.runner = runner or default_runner(db, self.config)
        # One crawl thread per crawl the runner runs at once (a pool runner: worker processes x sites each).
        crawl_threads = max(self.config.crawl_workers, getattr(self.runner, "capacity", 0))
        self.scheduler = BackgroundScheduler(
            executors={"crawl": ThreadPoolExecutor(crawl_threads), "default": ThreadPoolExecutor(4)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=self.config.timezone,
        )
        self._running: set[str] = set()
        self.invalid_sites: dict[str, str] = {}  # site id -> why its stored entry cannot be scheduled
        self._again: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._site_signatures: dict[str, tuple[Any, ...]] = {}
        self.deliverer = Deliverer(db, workers=self.config.delivery_workers)
        self._subscriptions_stamp: tuple[float, int] | None = None
        self.owner = owner_token()
        self.leader = False
        self._said_standby = False
        self._new_sites_seen = 0

    # -- lifecycle -----------------------------------------------------------------------------

    def run_forever(self) -> None:
        if self.config.subscriptions_file:
            self.sync_subscriptions(strict=True)  # a broken file stops the start, with every problem listed
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        renew = max(self.config.lease_seconds / 3, 0.5)
        while not self._stop.is_set():
            self._keep_lease()
            self._stop.wait(renew)
        self.shutdown()

    def _keep_lease(self) -> None:
        """Take or renew the scheduler lease; start scheduling on gaining it, stop at once on losing it."""
        try:
            with self.db.transaction() as session:
                holder = leases.holder(session, leases.SCHEDULER)
                if holder is not None and holder.owner != self.owner and owner_dead(holder.owner):
                    # A daemon killed on this host: its lease is free now, not when it expires.
                    leases.release(session, leases.SCHEDULER, holder.owner)
                held = leases.acquire(
                    session, leases.SCHEDULER, self.owner, timedelta(seconds=self.config.lease_seconds)
                )
        except Exception:  # the database is away: we cannot prove we still hold the lease
            logger.exception("could not renew the scheduler lease")
            held = False
        if held and not self.leader:
            logger.info("holding the scheduler lease (%s): scheduling", self.owner)
            self.leader = True
            self.start()
        elif not held and self.leader:
            logger.warning("lost the scheduler lease: standing by")
            self.leader = False
            self._stand_down()
        elif not held and not self.leader and not self._said_standby:
            self._said_standby = True
            logger.info("another daemon holds the scheduler lease: standing by")

    def _stand_down(self) -> None:
        if self.scheduler.running:
            self.scheduler.remove_all_jobs()
        self._site_signatures = {}

    def start(self) -> None:
        with self.db.transaction() as session:
            abandoned = abandon_stale_runs(session, timedelta(seconds=self.config.crawl_timeout_seconds))
            requeued = requeue_unserved_recrawls(session)
        if requeued:
            logger.info(
                "re-queued %d manual recrawl requests a previous process took but never ran", requeued
            )
        if abandoned:
            logger.info("closed %d crawl runs left open by a previous process", abandoned)
        recovered = recover(self.db)
        if recovered:
            logger.info("re-queued %d deliveries that were in flight when a process died", recovered)
        cfg = self.config
        if cfg.subscriptions_file and self._subscriptions_stamp is None:
            self.sync_subscriptions(strict=True)
        self.scheduler.add_job(
            self.sync_sites,
            "interval",
            seconds=cfg.sync_seconds,
            id="sync-sites",
            next_run_time=datetime.now(UTC),
        )
        self.scheduler.add_job(
            self.poll_recrawls, "interval", seconds=cfg.recrawl_poll_seconds, id="recrawls"
        )
        self.scheduler.add_job(
            self.deliver,
            "interval",
            seconds=cfg.deliver_seconds,
            id="deliver",
            next_run_time=datetime.now(UTC),
        )
        self.scheduler.add_job(self.housekeeping, "interval", hours=6, id="housekeeping")
        self.scheduler.add_job(
            self.retention,
            "interval",
            hours=24,
            id="retention",
            next_run_time=datetime.now(UTC) + timedelta(minutes=10),
        )
        self.scheduler.add_job(
            check_conditions, "interval", hours=INTERVAL_HOURS, args=[self.db], id=CONDITIONS_JOB
        )
        if cfg.subscriptions_file:
            self.scheduler.add_job(
                self.sync_subscriptions, "interval", seconds=cfg.sync_seconds, id="sync-subscriptions"
            )
        if not self.scheduler.running:
            self.scheduler.start()
        logger.info("daemon scheduling on %s", self.db.url)

    def _on_signal(self, signum: int, _frame: Any) -> None:
        logger.info("signal %d: stopping", signum)
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()

    def shutdown(self) -> None:
        """Stop taking queued crawls at once (crawl_site returns when stopping), ask running crawls to stop
        (they end as `interrupted`), wait for them, hand the lease over."""
        self._stop.set()
        if self.scheduler.running:
            self.scheduler.pause()
            self.runner.stop()
            self.scheduler.shutdown(wait=True)
        self.deliverer.close(wait=True)
        if self.leader:
            try:
                with self.db.transaction() as session:
                    leases.release(session, leases.SCHEDULER, self.owner)
            except Exception:
                logger.exception("could not release the scheduler lease (it expires by itself)")
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
                if not self._schedule_site(site, site.id in unfinished):
                    del wanted[site.id]  # retried at the next sync (it may have been corrected)
        for gone in set(self._site_signatures) - set(wanted):
            if gone in self.invalid_sites:
                continue
            self.scheduler.remove_job(f"site:{gone}")
            logger.info("unscheduled removed site %s", gone)
        self._site_signatures = wanted

    def _schedule_site(self, site: Any, unfinished: bool) -> bool:
        """Schedule one site; an entry that cannot be scheduled (a bad cron stored before entries were
        validated) is logged and kept in `invalid_sites`, and never stops the other sites."""
        problem = stored_site_problem(site.cron, site.interval_seconds)
        if problem is None:
            try:
                trigger = site_trigger(site, self.config.timezone)
            except ValueError as exc:
                problem = str(exc)
        if problem is not None:
            if self.invalid_sites.get(site.id) != problem:
                logger.error("site %s not scheduled, its registry entry is invalid: %s", site.id, problem)
            self.invalid_sites[site.id] = problem
            if self.scheduler.get_job(f"site:{site.id}"):
                self.scheduler.remove_job(f"site:{site.id}")
            return False
        self.invalid_sites.pop(site.id, None)
        first = self._first_run_time(site, unfinished)
        self.scheduler.add_job(
            self.crawl_site,
            trigger,
            args=[site.id, "schedule"],
            id=f"site:{site.id}",
            name=f"crawl {site.id}",
            executor="crawl",
            replace_existing=True,
            misfire_grace_time=max(site.interval_seconds // 2, 60),
            next_run_time=first,
        )
        logger.info("scheduled site %s (first run %s)", site.id, first.isoformat())
        return True

    def _first_run_time(self, site: Any, unfinished: bool) -> datetime:
        """A new site is crawled soon, but a large new registry is spread over its first interval rather
        than all falling due at start (a few seconds per new site)."""
        now = datetime.now(UTC)
        if site.last_crawl_at is None or unfinished:
            self._new_sites_seen += 1
            window = min(
                5 + self.config.first_crawl_spread_seconds * self._new_sites_seen,
                max(int(site.interval_seconds), 30),
            )
            return now + timedelta(seconds=random.uniform(0, window))
        due = site.last_crawl_at + timedelta(seconds=site.interval_seconds)
        return max(due, now + timedelta(seconds=1))

    def poll_recrawls(self) -> None:
        with self.db.transaction() as session:
            site_ids = take_recrawl_requests(session)
        for site_id in site_ids:
            logger.info("manual recrawl of %s", site_id)
            # misfire_grace_time=None: a request queued behind busy crawl workers still runs (APScheduler's
            # default 1 s grace would drop it silently)
            self.scheduler.add_job(
                self.crawl_site,
                args=[site_id, "recrawl"],
                id=f"recrawl:{site_id}",
                executor="crawl",
                replace_existing=True,
                misfire_grace_time=None,
            )

    def crawl_site(self, site_id: str, trigger: str) -> None:
        """Never two runs of one site at once: a request arriving mid-run runs once right after."""
        if self._stop.is_set() or not self.leader:
            return  # queued before a SIGTERM or before the lease was lost: not taken
        with self._lock:
            if site_id in self._running:
                self._again.add(site_id)
                return
            self._running.add(site_id)
        try:
            while True:
                outcome = self.runner.run(site_id, trigger)
                logger.info("crawl %s finished: %s", site_id, outcome.status)
                self._retry_soon_if_failed(site_id, outcome.status)
                self._recrawl_after_other_crawl(site_id, trigger, outcome.status)
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

    def _recrawl_after_other_crawl(self, site_id: str, trigger: str, status: str) -> None:
        """A manual recrawl that found the site being crawled by another process (a crawl worker left by a
        daemon that died, or another node) is not dropped: the crawl under way may have started before the
        change the user asked us to see. It is tried again every RECRAWL_WAIT seconds until it runs."""
        if status != "skipped" or trigger != "recrawl" or self._stop.is_set():
            return
        self.scheduler.add_job(
            self.crawl_site,
            "date",
            run_date=datetime.now(UTC) + timedelta(seconds=RECRAWL_WAIT),
            args=[site_id, "recrawl"],
            id=f"recrawl:{site_id}",
            executor="crawl",
            replace_existing=True,
            misfire_grace_time=None,
        )

    def _retry_soon_if_failed(self, site_id: str, status: str) -> None:
        """A failed or blocked crawl is tried again after a backoff (5 min, 20 min, 80 min, … up to 6 h),
        not only after the site's whole interval (a day): a first crawl that hit a hiccup is not lost."""
        if status not in ("failed", "blocked", "timeout") or self._stop.is_set():
            return
        with self.db.transaction() as session:
            site = session.get(Site, site_id)
            failures = site.consecutive_failures if site is not None else 1
            interval = site.interval_seconds if site is not None else 86400
        backoff = min(300 * 4 ** max(failures - 1, 0), 6 * 3600)
        if backoff >= interval:
            return
        when = datetime.now(UTC) + timedelta(seconds=backoff * random.uniform(0.9, 1.1))
        self.scheduler.add_job(
            self.crawl_site,
            "date",
            run_date=when,
            args=[site_id, "retry"],
            id=f"retry:{site_id}",
            executor="crawl",
            replace_existing=True,
            misfire_grace_time=None,
        )
        logger.info("crawl of %s %s: retrying at %s", site_id, status, when.isoformat(timespec="seconds"))

    def deliver(self) -> None:
        try:
            self.deliverer.poll()
        except Exception:
            logger.exception("delivery round failed; will retry")

    def sync_subscriptions(self, strict: bool = False) -> None:
        """Load the subscriptions file when it changed; a broken file keeps the previous subscriptions."""

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

    def retention(self) -> int:
        """Prune old crawl runs and outbox rows, one short transaction per chunk; returns rows deleted."""
        deleted = 0
        for prune, days in (
            (prune_runs, self.config.run_retention_days),
            (prune_outbox, self.config.outbox_retention_days),
        ):
            while not self._stop.is_set():
                with self.db.transaction() as session:
                    n = prune(session, days)
                deleted += n
                if not n:
                    break
        if deleted:
            logger.info("retention: %d old crawl runs and outbox rows deleted", deleted)
        return deleted

    def housekeeping(self) -> None:
        with self.db.transaction() as session:
            abandon_stale_runs(session, timedelta(seconds=self.config.crawl_timeout_seconds))
