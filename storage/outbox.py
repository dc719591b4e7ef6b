r"""The notification outbox: claim due deliveries, record the outcome, show the log.

Delivery protocol (at-least-once with a per-delivery key; see docs/alerts.md):
pending --claim--> sending --apprise ok--> sent
                          \--error--> pending (backoff) ... --> failed after the horizon.
A row found in 'sending' at start-up was in flight when a process died: it is sent again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from storage.models import Event, OutboxItem, Subscription, utcnow
from storage.owners import owner_dead, owner_token


@dataclass
class Delivery:
    outbox_ids: list[int]
    subscription_id: int
    url: str
    mode: str
    events: list[tuple[int, str, dict[str, Any]]]  # (event id, kind, payload)
    attempts: int
    first_created: datetime


def new_claim_token() -> str:
    return owner_token()


def recover_in_flight(session: Session, lease: timedelta = timedelta(minutes=5)) -> int:
    """Deliveries claimed by a process that died (or whose lease ran out) go back to pending."""
    cutoff = utcnow() - lease
    recovered = 0
    for item in session.scalars(select(OutboxItem).where(OutboxItem.status == "sending")):
        if owner_dead(item.claim_token) or (item.claimed_at and item.claimed_at < cutoff):
            item.status, item.claim_token = "pending", None
            recovered += 1
    return recovered


def claim_due(session: Session, token: str, now: datetime | None = None, limit: int = 50) -> list[Delivery]:
    """Atomically claim due rows (one UPDATE, safe across processes on SQLite and PostgreSQL).

    A digest subscription's due rows for one target are grouped in one delivery."""
    now = now or utcnow()
    due_ids = (
        select(OutboxItem.id)
        .where(OutboxItem.status == "pending", OutboxItem.next_attempt_at <= now)
        .order_by(OutboxItem.id)
        .limit(limit)
        .scalar_subquery()
    )
    session.execute(
        update(OutboxItem)
        .where(OutboxItem.id.in_(due_ids), OutboxItem.status == "pending")
        .values(status="sending", claim_token=token, claimed_at=now, attempts=OutboxItem.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        select(OutboxItem, Event, Subscription)
        .join(Event, Event.id == OutboxItem.event_id)
        .join(Subscription, Subscription.id == OutboxItem.subscription_id)
        .where(OutboxItem.claim_token == token, OutboxItem.status == "sending")
        .order_by(OutboxItem.id)
    ).all()
    grouped: dict[tuple[int, int, int | None], Delivery] = {}
    for item, event, sub in rows:
        if item.target >= len(sub.urls) or not sub.active:
            item.status, item.last_error = "failed", "subscription removed or target no longer listed"
            continue
        group = (sub.id, item.target, None if sub.mode == "digest" else item.id)
        d = grouped.get(group)
        if d is None:
            d = grouped[group] = Delivery(
                [], sub.id, sub.urls[item.target], sub.mode, [], item.attempts, item.created_at
            )
        d.outbox_ids.append(item.id)
        d.events.append((event.id, event.kind, event.payload))
    return list(grouped.values())


def mark_sent(session: Session, outbox_ids: list[int]) -> None:
    session.execute(
        update(OutboxItem).where(OutboxItem.id.in_(outbox_ids)).values(status="sent", sent_at=utcnow(), last_error=None)
    )


def mark_failed_attempt(
    session: Session, outbox_ids: list[int], error: str, horizon: timedelta, base_delay: float = 30.0
) -> bool:
    """Schedule a retry with exponential backoff and jitter; past the horizon the rows are 'failed'.

    Returns True when the rows were given up."""
    items = list(session.scalars(select(OutboxItem).where(OutboxItem.id.in_(outbox_ids))))
    now = utcnow()
    gave_up = False
    for item in items:
        delay = min(base_delay * 2 ** max(item.attempts - 1, 0), 6 * 3600) * random.uniform(0.8, 1.2)
        item.last_error = error
        if now + timedelta(seconds=delay) - item.created_at > horizon:
            item.status, gave_up = "failed", True
        else:
            item.status, item.next_attempt_at = "pending", now + timedelta(seconds=delay)
    return gave_up


def outbox_log(session: Session, failed_only: bool = False, limit: int = 100) -> list[dict[str, Any]]:
    stmt = (
        select(OutboxItem, Event, Subscription)
        .join(Event, Event.id == OutboxItem.event_id)
        .join(Subscription, Subscription.id == OutboxItem.subscription_id)
        .order_by(OutboxItem.id.desc())
        .limit(limit)
    )
    if failed_only:
        stmt = stmt.where(or_(OutboxItem.status == "failed", OutboxItem.last_error.is_not(None)))
    out = []
    for item, event, sub in session.execute(stmt):
        url = sub.urls[item.target] if item.target < len(sub.urls) else ""
        out.append({
            "id": item.id, "event_id": event.id, "kind": event.kind, "subscription_id": sub.id, "url": url,
            "status": item.status, "attempts": item.attempts, "created_at": item.created_at.isoformat(),
            "sent_at": item.sent_at.isoformat() if item.sent_at else None, "last_error": item.last_error,
            "next_attempt_at": item.next_attempt_at.isoformat(),
        })
    return out


def pending_count(session: Session) -> int:
    return len(session.scalars(select(OutboxItem.id).where(OutboxItem.status.in_(["pending", "sending"]))).all())
