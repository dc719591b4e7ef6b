"""Subscriptions: who wants which events, through which apprise URLs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import UnknownSubscription
from storage.models import Subscription


def add_subscription(
    session: Session,
    urls: list[str],
    filters: dict[str, Any],
    *,
    name: str = "",
    mode: str = "immediate",
    digest: dict[str, Any] | None = None,
    source: str = "cli",
) -> Subscription:
    sub = Subscription(name=name, urls=urls, filters=filters, mode=mode, digest=digest or {}, source=source)
    session.add(sub)
    session.flush()
    return sub


def list_subscriptions(session: Session, active_only: bool = True) -> list[Subscription]:
    stmt = select(Subscription).order_by(Subscription.id)
    if active_only:
        stmt = stmt.where(Subscription.active.is_(True))
    return list(session.scalars(stmt))


def get_subscription(session: Session, sub_id: int) -> Subscription:
    sub = session.get(Subscription, sub_id)
    if sub is None or not sub.active:
        raise UnknownSubscription(f"unknown subscription {sub_id} (see `fzwatch subscriptions`)")
    return sub


def deactivate_subscription(session: Session, sub_id: int) -> None:
    # Kept (inactive) so the outbox log still names who a past delivery went to.
    get_subscription(session, sub_id).active = False


def sync_declared_subscriptions(session: Session, declared: list[dict[str, Any]]) -> tuple[int, int]:
    """Make the YAML-declared subscriptions (source='yaml', keyed by name) match the file."""
    existing = {s.name: s for s in session.scalars(select(Subscription).where(Subscription.source == "yaml"))}
    created = 0
    for spec in declared:
        sub = existing.pop(spec["name"], None)
        if sub is None:
            sub = Subscription(name=spec["name"], source="yaml")
            session.add(sub)
            created += 1
        sub.urls, sub.filters = spec["urls"], spec["filters"]
        sub.mode, sub.digest, sub.active = spec.get("mode", "immediate"), spec.get("digest") or {}, True
    for stale in existing.values():
        stale.active = False
    session.flush()
    return created, len(existing)
