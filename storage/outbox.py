r"""The notification outbox: claim due deliveries, record the outcome, show the log.

Delivery protocol (at-least-once with a per-delivery key; see docs/alerts.md):
pending --claim--> sending --apprise ok--> sent
                          \--error--> pending (backoff) ... --> failed after the horizon.
A row found in 'sending' at start-up was in flight when a process died: it is sent again.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, not_, or_, select, update
from sqlalchemy.orm import Session

from alerting.schedule import next_delivery_time
from storage.models import Event, OutboxItem, Subscription, utcnow
from storage.owners import owner_dead, owner_token

#: Immediate deliveries to one target claimed at once (one worker sends them in order).
PER_TARGET = 10
#: Longest wait between two attempts, whatever the attempt number.
MAX_DELAY_SECONDS = 6 * 3600


@dataclass
class Delivery:
    """One message to one target: a single event, or every due event of a digest subscription."""

    outbox_ids: list[int]
    subscription_id: int
    url: str
    mode: str
    events: list[tuple[int, str, dict[str, Any]]]  # (event id, kind, payload)
    attempts: int
    first_created: datetime
    target: int = 0
    digest: dict[str, Any] | None = None


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


def _targets(session: Session) -> dict[tuple[int, int], tuple[str, Subscription]]:
    """(subscription id, target index) → (URL, subscription) for every subscription."""
    return {
        (s.id, i): (url, s) for s in session.scalars(select(Subscription)) for i, url in enumerate(s.urls)
    }


def _candidates(
    session: Session, now: datetime, limit: int, busy: Collection[tuple[int, int]]
) -> list[tuple[int, int, int]]:
    stmt = (
        select(OutboxItem.id, OutboxItem.subscription_id, OutboxItem.target)
        .where(OutboxItem.status == "pending", OutboxItem.next_attempt_at <= now)
        .order_by(OutboxItem.id)
        .limit(limit)
    )
    for sub_id, target in busy:
        stmt = stmt.where(not_(and_(OutboxItem.subscription_id == sub_id, OutboxItem.target == target)))
    return [(i, s, t) for i, s, t in session.execute(stmt)]


def _choose(
    session: Session, now: datetime, limit: int, busy_urls: Collection[str], max_targets: int | None
) -> list[int]:
    """Ids to claim: per target URL up to PER_TARGET immediate rows, or every due row of a digest."""
    targets = _targets(session)
    busy = [pair for pair, (url, _sub) in targets.items() if url in busy_urls]
    by_url: dict[str, list[int]] = {}
    digests: set[tuple[int, int]] = set()
    for row_id, sub_id, target in _candidates(session, now, limit, busy):
        url, sub = targets.get((sub_id, target), ("", None))
        if url not in by_url and max_targets is not None and len(by_url) >= max_targets:
            continue
        ids = by_url.setdefault(url, [])
        if sub is not None and sub.mode == "digest":
            digests.add((sub_id, target))
        elif len(ids) < PER_TARGET:
            ids.append(row_id)
    for sub_id, target in digests:  # a digest is one message: take all of it, however long
        by_url[targets[(sub_id, target)][0]] += list(
            session.scalars(
                select(OutboxItem.id).where(
                    OutboxItem.status == "pending",
                    OutboxItem.next_attempt_at <= now,
                    OutboxItem.subscription_id == sub_id,
                    OutboxItem.target == target,
                )
            )
        )
    return [i for ids in by_url.values() for i in ids]


def claim_due(
    session: Session,
    token: str,
    now: datetime | None = None,
    limit: int = 100,
    busy_urls: Collection[str] = (),
    max_targets: int | None = None,
) -> list[Delivery]:
    """Atomically claim due rows (one guarded UPDATE, safe across processes on SQLite and PostgreSQL).

    A digest subscription's due rows for one target are claimed together and become one delivery;
    targets whose URL is in ``busy_urls`` (being sent to by this process) are left alone, and at most
    ``max_targets`` distinct target URLs are claimed."""
    now = now or utcnow()
    chosen = _choose(session, now, limit, busy_urls, max_targets)
    if not chosen:
        return []
    session.execute(
        update(OutboxItem)
        .where(OutboxItem.id.in_(chosen), OutboxItem.status == "pending")
        .values(status="sending", claim_token=token, claimed_at=now, attempts=OutboxItem.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return _claimed(session, token)


def _claimed(session: Session, token: str) -> list[Delivery]:
    rows = session.execute(
        select(OutboxItem, Event, Subscription)
        .join(Event, Event.id == OutboxItem.event_id)
        .join(Subscription, Subscription.id == OutboxItem.subscription_id)
        .where(OutboxItem.claim_token == token, OutboxItem.status == "sending")
        .order_by(OutboxItem.id)
        .execution_options(populate_existing=True)
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
                [],
                sub.id,
                sub.urls[item.target],
                sub.mode,
                [],
                item.attempts,
                item.created_at,
                target=item.target,
                digest=dict(sub.digest or {}),
            )
        d.outbox_ids.append(item.id)
        d.events.append((event.id, event.kind, event.payload))
        d.attempts = max(d.attempts, item.attempts)
        d.first_created = min(d.first_created, item.created_at)
    return list(grouped.values())


def mark_sent(session: Session, outbox_ids: list[int]) -> None:
    session.execute(
        update(OutboxItem)
        .where(OutboxItem.id.in_(outbox_ids))
        .values(status="sent", sent_at=utcnow(), last_error=None)
    )


def retry_delay(attempts: int, base_delay: float) -> float:
    """Seconds before the next attempt: base × 2^(attempts-1), capped at 6 h, with ±20 % jitter."""
    return min(base_delay * 2 ** max(attempts - 1, 0), MAX_DELAY_SECONDS) * random.uniform(0.8, 1.2)


def _origin(item: OutboxItem, sub: Subscription | None) -> datetime:
    """When the row was first due: the horizon counts from there (a weekly digest waits for its slot)."""

    if sub is None or sub.mode != "digest":
        return item.created_at
    try:
        return next_delivery_time(sub.mode, sub.digest, item.created_at)
    except ValueError:
        return item.created_at


def mark_failed_attempt(
    session: Session,
    outbox_ids: list[int],
    error: str,
    horizon: timedelta,
    base_delay: float = 30.0,
    now: datetime | None = None,
) -> bool:
    """Schedule a retry with exponential backoff and jitter; past the horizon the rows are 'failed'.

    The rows of one delivery get one common retry time (so a digest stays one message). The last
    retry is at the horizon itself. Returns True when (some of) the rows were given up."""
    items = list(session.scalars(select(OutboxItem).where(OutboxItem.id.in_(outbox_ids))))
    if not items:
        return False
    now = now or utcnow()
    retry_at = now + timedelta(seconds=retry_delay(max(i.attempts for i in items), base_delay))
    gave_up = False
    for item in items:
        deadline = _origin(item, session.get(Subscription, item.subscription_id)) + horizon
        item.last_error = error
        if now >= deadline:
            item.status, gave_up = "failed", True
        else:
            item.status, item.next_attempt_at = "pending", min(retry_at, deadline)
    return gave_up


def outbox_log(session: Session, failed_only: bool = False, limit: int = 100) -> list[dict[str, Any]]:
    """Newest first: what was (or will be) sent, to which subscription target, attempts, last error.

    ``failed_only``: rows given up, plus rows still being retried after an error."""
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
        out.append(
            {
                "id": item.id,
                "event_id": event.id,
                "kind": event.kind,
                "subscription_id": sub.id,
                "url": url,
                "status": item.status,
                "attempts": item.attempts,
                "created_at": item.created_at.isoformat(),
                "sent_at": item.sent_at.isoformat() if item.sent_at else None,
                "last_error": item.last_error,
                "next_attempt_at": item.next_attempt_at.isoformat(),
            }
        )
    return out


def pending_count(session: Session) -> int:
    return int(
        session.scalar(select(func.count(OutboxItem.id)).where(OutboxItem.status.in_(["pending", "sending"])))
        or 0
    )


def reschedule_pending(session: Session, sub: Subscription, now: datetime | None = None) -> int:
    """After a subscription's delivery mode changed: its not-yet-tried rows follow the new schedule."""

    due = next_delivery_time(sub.mode, sub.digest, now or utcnow())
    result = session.execute(
        update(OutboxItem)
        .where(OutboxItem.subscription_id == sub.id, OutboxItem.status == "pending", OutboxItem.attempts == 0)
        .values(next_attempt_at=due)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def prune_outbox(session: Session, keep_days: int = 30, chunk: int = 5000) -> int:
    """Delivered (sent) and given-up (failed) outbox rows older than ``keep_days`` are deleted, one chunk per
    call; pending and in-flight rows never are. The events themselves stay (the dashboard's history)."""
    cutoff = utcnow() - timedelta(days=keep_days)
    done = or_(
        and_(OutboxItem.status == "sent", OutboxItem.sent_at < cutoff),
        and_(OutboxItem.status == "failed", OutboxItem.created_at < cutoff),
    )
    ids = list(session.scalars(select(OutboxItem.id).where(done).order_by(OutboxItem.id).limit(chunk)))
    if not ids:
        return 0
    return session.execute(delete(OutboxItem).where(OutboxItem.id.in_(ids))).rowcount or 0
