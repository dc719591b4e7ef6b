"""The deliverer: drains the outbox through apprise, one target never delaying another."""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from scheduler.alerts.channels import body_format_for, mask_url, max_body_for, send, split_message
from scheduler.alerts.messages import Message, render_digest, render_event
from storage.database import Database
from storage.outbox import Delivery, claim_due, mark_failed_attempt, mark_sent, new_claim_token, recover_in_flight

logger = logging.getLogger(__name__)

# FZWATCH_RETRY_HORIZON: how long a failing target is retried before its deliveries are marked failed.
DEFAULT_HORIZON = timedelta(hours=float(os.environ.get("FZWATCH_RETRY_HORIZON_HOURS", "48")))
# FZWATCH_RETRY_BASE_SECONDS: first retry delay; doubles each attempt (with jitter).
DEFAULT_BASE_DELAY = float(os.environ.get("FZWATCH_RETRY_BASE_SECONDS", "30"))


@dataclass
class DeliveryStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def render_delivery(delivery: Delivery) -> Message:
    fmt = body_format_for(delivery.url)
    if delivery.mode == "digest" and len(delivery.events) > 1:
        return render_digest([(kind, payload) for _id, kind, payload in delivery.events], fmt, "摘要")
    _event_id, kind, payload = delivery.events[0]
    return render_event(kind, payload, fmt)


def _send_one(delivery: Delivery) -> tuple[Delivery, str | None]:
    message = render_delivery(delivery)
    for part in split_message(message, max_body_for(delivery.url)):
        result = send(delivery.url, part)
        if not result.ok:
            return delivery, result.error or "delivery failed"
    return delivery, None


def deliver_due(
    db: Database, horizon: timedelta = DEFAULT_HORIZON, base_delay: float = DEFAULT_BASE_DELAY, workers: int = 4
) -> DeliveryStats:
    """Send every due outbox row once. Claims are committed before sending, outcomes right after each send."""
    stats = DeliveryStats()
    token = new_claim_token()
    with db.transaction() as session:
        deliveries = claim_due(session, token)
    if not deliveries:
        return stats
    with ThreadPoolExecutor(max_workers=min(workers, len(deliveries))) as pool:
        for delivery, error in pool.map(_send_one, deliveries):
            _record_outcome(db, delivery, error, horizon, base_delay, stats)
    return stats


def _record_outcome(
    db: Database, delivery: Delivery, error: str | None, horizon: timedelta, base_delay: float, stats: DeliveryStats
) -> None:
    with db.transaction() as session:
        if error is None:
            mark_sent(session, delivery.outbox_ids)
            stats.sent += len(delivery.outbox_ids)
            return
        gave_up = mark_failed_attempt(session, delivery.outbox_ids, error, horizon, base_delay)
    logger.warning("delivery to %s failed: %s", mask_url(delivery.url), error)
    if gave_up:
        stats.failed += len(delivery.outbox_ids)
    else:
        stats.retried += len(delivery.outbox_ids)


def recover(db: Database) -> int:
    with db.transaction() as session:
        return recover_in_flight(session)


def drain(db: Database, rounds: int = 20) -> DeliveryStats:
    """Deliver until nothing immediate is due (used by `fzwatch crawl` so cron works without a daemon)."""
    total = DeliveryStats()
    recover(db)
    for _ in range(rounds):
        stats = deliver_due(db)
        total.sent += stats.sent
        total.retried += stats.retried
        total.failed += stats.failed
        if stats.sent + stats.retried + stats.failed == 0:
            break
    return total
