"""The deliverer: drains the outbox through apprise, one target never delaying another.

Each claimed batch is grouped by target URL; one worker thread sends a target's messages in order
(rate-limited bots such as DingTalk's keep their order and pace) while other targets are sent by
other workers. A target that fails stops its batch: the rest are retried with it later.

Every message ends with a stable delivery key (``编号：fzw-<event>-<subscription>``, or
``fzw-digest-<subscription>-<hash>`` for a digest) so a receiver can drop the rare duplicate that
at-least-once delivery allows: a process killed after the target accepted a message but before
the outcome was committed sends it again on restart.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from alerting.messages import Message, render_digest, render_event
from alerting.urls import mask_url
from scheduler.alerts.channels import body_format_for, max_body_for, send, split_message
from storage.database import Database
from storage.models import utcnow
from storage.outbox import (
    Delivery,
    claim_due,
    mark_failed_attempt,
    mark_sent,
    new_claim_token,
    recover_in_flight,
)

logger = logging.getLogger(__name__)

# FZWATCH_RETRY_HORIZON_HOURS: how long a failing target is retried before its deliveries are marked failed.
DEFAULT_HORIZON = timedelta(hours=float(os.environ.get("FZWATCH_RETRY_HORIZON_HOURS", "48")))
# FZWATCH_RETRY_BASE_SECONDS: first retry delay; doubles each attempt (with jitter).
DEFAULT_BASE_DELAY = float(os.environ.get("FZWATCH_RETRY_BASE_SECONDS", "30"))
# FZWATCH_SEND_TIMEOUT: seconds allowed for each connect and each read when sending to one target.
DEFAULT_SEND_TIMEOUT = float(os.environ.get("FZWATCH_SEND_TIMEOUT", "20"))

KEY_LABEL = "编号："
RECOVER_EVERY_SECONDS = 600
STUCK_LEASE = timedelta(minutes=30)


@dataclass
class DeliveryStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    def add(self, other: DeliveryStats) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed


# -- rendering -------------------------------------------------------------------------------------


def delivery_key(delivery: Delivery) -> str:
    """Stable across retries and restarts: the same (event, subscription) always gives the same key."""
    if delivery.mode == "digest" and len(delivery.events) > 1:
        ids = ",".join(str(event_id) for event_id in sorted(e[0] for e in delivery.events))
        return f"fzw-digest-{delivery.subscription_id}-{hashlib.sha1(ids.encode()).hexdigest()[:10]}"
    return f"fzw-{delivery.events[0][0]}-{delivery.subscription_id}"


def digest_label(digest: dict[str, object] | None, now: datetime) -> str:
    """The period a digest covers, in its own time zone: "3月28日", or "3月22日—3月28日" for a week."""
    tz = ZoneInfo(str((digest or {}).get("tz") or "Asia/Shanghai"))
    end = now.astimezone(tz).date()
    if (digest or {}).get("every") == "weekly":
        start = end - timedelta(days=6)
        return f"{start.month}月{start.day}日—{end.month}月{end.day}日"
    return f"{end.month}月{end.day}日"


def render_delivery(delivery: Delivery, now: datetime | None = None) -> Message:
    fmt = body_format_for(delivery.url)
    if delivery.mode == "digest" and len(delivery.events) > 1:
        label = digest_label(delivery.digest, now or utcnow())
        return render_digest([(kind, payload) for _id, kind, payload in delivery.events], fmt, label)
    _event_id, kind, payload = delivery.events[0]
    return render_event(kind, payload, fmt)


def delivery_parts(delivery: Delivery, now: datetime | None = None) -> list[Message]:
    """The message(s) to send: split to fit the channel, each ending with the delivery key."""
    key = delivery_key(delivery)
    tail_room = len(f"\n\n{KEY_LABEL}{key}-p999of999".encode())
    parts = split_message(render_delivery(delivery, now), max_body_for(delivery.url) - tail_room)
    n = len(parts)
    return [
        Message(p.title, f"{p.body}\n\n{KEY_LABEL}{key}{'' if n == 1 else f'-p{i}of{n}'}", p.body_format)
        for i, p in enumerate(parts, 1)
    ]


def send_delivery(
    delivery: Delivery, timeout: float = DEFAULT_SEND_TIMEOUT, now: datetime | None = None
) -> str | None:
    """Send every part; the masked error of the first part that fails, or None."""
    for part in delivery_parts(delivery, now):
        result = send(delivery.url, part, timeout=timeout)
        if not result.ok:
            return result.error or "delivery failed"
    return None


# -- outcomes --------------------------------------------------------------------------------------


@dataclass
class _Policy:
    horizon: timedelta
    base_delay: float
    timeout: float


def _record(
    db: Database,
    delivery: Delivery,
    error: str | None,
    policy: _Policy,
    stats: DeliveryStats,
    now: datetime | None,
) -> None:
    with db.transaction() as session:
        if error is None:
            mark_sent(session, delivery.outbox_ids)
            stats.sent += len(delivery.outbox_ids)
            return
        gave_up = mark_failed_attempt(
            session, delivery.outbox_ids, error, policy.horizon, policy.base_delay, now
        )
    logger.warning("delivery to %s failed (attempt %d): %s", mask_url(delivery.url), delivery.attempts, error)
    if gave_up:
        stats.failed += len(delivery.outbox_ids)
    else:
        stats.retried += len(delivery.outbox_ids)


def _send_target(
    db: Database, deliveries: list[Delivery], policy: _Policy, now: datetime | None
) -> DeliveryStats:
    """One target's claimed messages, in order; after a failure the rest wait for the retry with it."""
    stats = DeliveryStats()
    error: str | None = None
    for delivery in deliveries:
        if error is None:
            try:
                error = send_delivery(delivery, policy.timeout, now)
            except Exception as exc:
                logger.exception("rendering or sending delivery %s failed", delivery.outbox_ids)
                error = f"{type(exc).__name__}: {exc}"
            _record(db, delivery, error, policy, stats, now)
        else:
            _record(
                db,
                delivery,
                f"未尝试：同一目标刚刚发送失败 (not tried: target just failed): {error}",
                policy,
                stats,
                now,
            )
    return stats


def _by_target(deliveries: list[Delivery]) -> dict[str, list[Delivery]]:
    grouped: dict[str, list[Delivery]] = {}
    for delivery in deliveries:
        grouped.setdefault(delivery.url, []).append(delivery)
    return grouped


def _claim(db: Database, now: datetime | None, busy: set[str], max_targets: int | None) -> list[Delivery]:
    with db.transaction() as session:
        return claim_due(session, new_claim_token(), now=now, busy_urls=busy, max_targets=max_targets)


# -- entry points ----------------------------------------------------------------------------------


def deliver_due(
    db: Database,
    horizon: timedelta = DEFAULT_HORIZON,
    base_delay: float = DEFAULT_BASE_DELAY,
    workers: int = 4,
    now: datetime | None = None,
    timeout: float = DEFAULT_SEND_TIMEOUT,
) -> DeliveryStats:
    """Send every due outbox row once and wait for the outcomes (the CLI's and the tests' way).

    Claims are committed before sending, each outcome right after its send. ``now`` stands for the
    current time when deciding what is due and when to retry (tests, digest previews)."""
    stats = DeliveryStats()
    targets = _by_target(_claim(db, now, set(), None))
    if not targets:
        return stats
    policy = _Policy(horizon, base_delay, timeout)
    with ThreadPoolExecutor(max_workers=min(workers, len(targets)), thread_name_prefix="deliver") as pool:
        futures = [pool.submit(_send_target, db, batch, policy, now) for batch in targets.values()]
        for future in futures:
            stats.add(future.result())
    return stats


class Deliverer:
    """The daemon's deliverer: each ``poll()`` starts sending to idle targets and returns at once.

    A target with a send in flight is not claimed again until it finishes, so a slow or failing
    target occupies one worker and never holds back the others; at most ``workers`` targets are
    claimed at a time, so nothing claimed waits in a queue (a claim's lease is never outlived).
    """

    def __init__(
        self,
        db: Database,
        workers: int = 8,
        horizon: timedelta = DEFAULT_HORIZON,
        base_delay: float = DEFAULT_BASE_DELAY,
        timeout: float = DEFAULT_SEND_TIMEOUT,
        on_done: Callable[[DeliveryStats], None] | None = None,
    ) -> None:
        self.db = db
        self.workers = workers
        self.policy = _Policy(horizon, base_delay, timeout)
        self.on_done = on_done
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="deliver")
        self._busy: set[str] = set()
        self._lock = threading.RLock()  # a send that finishes at once runs its callback inside poll()
        self._closed = False
        self._last_recover = time.monotonic()

    def poll(self) -> int:
        """Claim what is due for idle targets and start sending; returns the number of targets started."""
        self._recover_stuck()
        with self._lock:
            if self._closed:
                return 0
            busy, free = set(self._busy), self.workers - len(self._busy)
            if free <= 0:
                return 0
            targets = _by_target(_claim(self.db, None, busy, free))
            for url, batch in targets.items():
                self._busy.add(url)
                future = self._pool.submit(_send_target, self.db, batch, self.policy, None)
                future.add_done_callback(self._finished(url))
        return len(targets)

    def _recover_stuck(self) -> None:
        """Every 10 minutes: rows left 'sending' by a dead process, or for 30 minutes by a worker whose
        outcome could not be recorded (database down mid-send), are put back to pending."""
        if time.monotonic() - self._last_recover < RECOVER_EVERY_SECONDS:
            return
        self._last_recover = time.monotonic()
        with self.db.transaction() as session:
            recovered = recover_in_flight(session, lease=STUCK_LEASE)
        if recovered:
            logger.warning("re-queued %d deliveries stuck in 'sending'", recovered)

    def _finished(self, url: str) -> Callable[[Future[DeliveryStats]], None]:
        def done(future: Future[DeliveryStats]) -> None:
            with self._lock:
                self._busy.discard(url)
            if future.exception() is not None:
                logger.error("delivery worker for %s failed: %s", mask_url(url), future.exception())
            elif self.on_done is not None:
                self.on_done(future.result())

        return done

    def busy(self) -> int:
        with self._lock:
            return len(self._busy)

    def close(self, wait: bool = True) -> None:
        """Stop claiming; with ``wait``, let sends in flight finish and record their outcome."""
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=wait)


def recover(db: Database) -> int:
    with db.transaction() as session:
        return recover_in_flight(session)


def drain(db: Database, rounds: int = 20) -> DeliveryStats:
    """Deliver until nothing immediate is due (used by `fzwatch crawl` so cron works without a daemon)."""
    total = DeliveryStats()
    recover(db)
    for _ in range(rounds):
        stats = deliver_due(db)
        total.add(stats)
        if stats.sent + stats.retried + stats.failed == 0:
            break
    return total
