"""Events and their fan-out to the notification outbox, inside the caller's transaction."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from alerting.filters import SubscriptionFilter, matches
from alerting.schedule import next_delivery_time
from parsers.timeliness import deadline_for
from storage.models import Event, OutboxItem, Report, Site, Subscription, utcnow

logger = logging.getLogger(__name__)


def baseline_quiet(site: Site) -> bool:
    """The one baseline rule: a site's first crawl records what exists, old reports are not news
    (unless the site says ``notify_existing``). Events are still recorded, just not delivered."""
    return not site.baseline_done and not site.options.get("notify_existing", False)


def site_deadline(site: Site, year: int) -> date:
    """The site's publication deadline for a report on `year` (registry: publisher_kind, deadlines)."""

    overrides = {k: tuple(v) for k, v in (site.options.get("deadlines") or {}).items()}
    return deadline_for(year, site.options.get("publisher_kind", "government"), overrides)  # type: ignore[arg-type]


def latest_due_year(site: Site, today: date) -> int:
    """The latest report year whose publication deadline has passed on ``today``."""
    year = today.year - 1
    return year if site_deadline(site, year) < today else year - 1


def report_payload(site: Site, report: Report) -> dict[str, Any]:
    deadline = site_deadline(site, report.year) if report.year else None
    return {
        "site_id": site.id,
        "site_name": site.name,
        "region": site.region,
        "report_id": report.id,
        "title": report.title,
        "agency": report.agency,
        "year": report.year,
        "published_at": report.published_at,
        "first_seen": report.first_seen.isoformat(),
        "url": report.document.url if report.document else None,
        "on_time": report.on_time,
        "deadline": deadline.isoformat() if deadline else None,
    }


def emit_event(
    session: Session,
    kind: str,
    site: Site | None,
    payload: dict[str, Any],
    *,
    report_id: int | None = None,
    deliver: bool = True,
    dedup_key: str | None = None,
    report_text: str | None = None,
    subscriptions: list[Subscription] | None = None,
) -> Event | None:
    """Record an event and queue one outbox row per matching subscription target.

    With a dedup_key, an event that was already recorded is not recorded again (returns None):
    conditions such as "overdue for 2024" or "failing since X" are said once. A caller raising many events
    passes ``subscriptions`` (:func:`active_subscriptions`) once instead of a query per event.
    """
    if dedup_key and session.scalar(select(Event.id).where(Event.dedup_key == dedup_key)):
        return None
    event = Event(
        kind=kind,
        site_id=site.id if site else None,
        report_id=report_id,
        payload=payload,
        dedup_key=dedup_key,
    )
    if not deliver:
        event.payload = {**payload, "baseline": True}
    session.add(event)
    session.flush()
    if deliver:
        fan_out(session, event, report_text=report_text, subscriptions=subscriptions)
    return event


def emit_many(
    session: Session,
    kind: str,
    items: list[tuple[Site, dict[str, Any], str]],
    subscriptions: list[Subscription],
) -> list[Event]:
    """:func:`emit_event` for many ``(site, payload, dedup_key)`` at once: one query for the keys already said,
    one flush for the events, one for their outbox rows (the overdue check raises thousands at a time)."""
    said = set(
        session.scalars(select(Event.dedup_key).where(Event.dedup_key.in_([key for _, _, key in items])))
    )
    fresh: dict[str, Event] = {}
    for site, payload, key in items:
        if key not in said and key not in fresh:
            fresh[key] = Event(kind=kind, site_id=site.id, payload=payload, dedup_key=key)
    events = list(fresh.values())
    session.add_all(events)
    session.flush()
    for event in events:
        fan_out(session, event, subscriptions=subscriptions)
    session.flush()
    return events


def active_subscriptions(session: Session) -> list[Subscription]:
    """Active subscriptions without their (encrypted) URLs: fan-out needs only how many there are, so a crawl
    worker, which has no secret key, can queue announcements. Reading ``.urls`` still loads and decrypts them."""
    stmt = select(Subscription).where(Subscription.active.is_(True)).options(defer(Subscription.urls))
    return list(session.scalars(stmt))


def target_count(sub: Subscription) -> int:
    """How many delivery targets the subscription has; rows written before migration tc1 have no count yet
    (the daemon fills it at start, see :func:`storage.subscriptions.count_targets`)."""
    return sub.target_count if sub.target_count is not None else len(sub.urls)


def fan_out(
    session: Session,
    event: Event,
    report_text: str | None = None,
    subscriptions: list[Subscription] | None = None,
) -> int:
    queued = 0
    now = utcnow()
    for sub in subscriptions if subscriptions is not None else active_subscriptions(session):
        if not matches(SubscriptionFilter.from_dict(sub.filters), event.kind, event.payload, report_text):
            continue
        due: datetime = next_delivery_time(sub.mode, sub.digest, now)
        for index in range(target_count(sub)):
            session.add(
                OutboxItem(event_id=event.id, subscription_id=sub.id, target=index, next_attempt_at=due)
            )
            queued += 1
    return queued


def recent_events(session: Session, limit: int = 30) -> list[dict[str, Any]]:
    rows = session.scalars(select(Event).order_by(Event.id.desc()).limit(limit))
    return [
        {
            "id": e.id,
            "kind": e.kind,
            "site_id": e.site_id,
            "report_id": e.report_id,
            "created_at": e.created_at.isoformat(),
            "payload": e.payload,
        }
        for e in rows
    ]
