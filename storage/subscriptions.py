"""Subscriptions: who wants which events, through which apprise URLs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from alerting.filters import load_subscriptions_yaml
from storage.errors import UnknownSubscription
from storage.models import Subscription
from storage.outbox import reschedule_pending
from storage.secrets import is_sealed


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


def update_subscription(session: Session, sub: Subscription, **changes: Any) -> bool:
    """Set the given fields (urls, filters, mode, digest, name); pending rows follow a new schedule.

    Returns whether anything changed."""

    changed = {k: v for k, v in changes.items() if getattr(sub, k) != v}
    for key, value in changed.items():
        setattr(sub, key, value)
    if "mode" in changed or "digest" in changed:
        session.flush()
        reschedule_pending(session, sub)
    return bool(changed)


def sync_declared_subscriptions(session: Session, declared: list[dict[str, Any]]) -> tuple[int, int]:
    """Make the YAML-declared subscriptions (source='yaml', keyed by name) match the file.

    Returns (created, deactivated)."""
    existing = {s.name: s for s in session.scalars(select(Subscription).where(Subscription.source == "yaml"))}
    created = 0
    for spec in declared:
        sub = existing.pop(spec["name"], None)
        if sub is None:
            sub = Subscription(name=spec["name"], source="yaml", urls=[], filters={}, digest={})
            session.add(sub)
            created += 1
        update_subscription(
            session,
            sub,
            urls=spec["urls"],
            filters=spec["filters"],
            mode=spec.get("mode", "immediate"),
            digest=spec.get("digest") or {},
            active=True,
        )
    removed = [stale for stale in existing.values() if stale.active]
    for stale in removed:
        stale.active = False
    session.flush()
    return created, len(removed)


def file_stamp(path: str) -> tuple[float, int] | None:
    """(mtime, size) of a file, or None when it cannot be read: tells the daemon when to reload."""
    import os

    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime, st.st_size


def sync_subscriptions_file(session: Session, path: str) -> tuple[int, int]:
    """Validate the YAML file (every problem raised at once) and make the stored copy match it."""

    return sync_declared_subscriptions(session, load_subscriptions_yaml(path))


def count_subscription_targets(session: Session) -> int:
    """Fill ``target_count`` of rows written before migration tc1 (reads, so decrypts, their URLs)."""
    subs = list(session.scalars(select(Subscription).where(Subscription.target_count.is_(None))))
    for sub in subs:
        sub.target_count = len(sub.urls or [])
    session.flush()
    return len(subs)


def seal_plaintext_subscriptions(session: Session) -> int:
    """Re-write subscriptions stored before URLs were encrypted (their raw column is a plain list)."""
    raw = session.execute(select(Subscription.id, type_coerce(Subscription.urls, JSON)))
    plain = [sub_id for sub_id, stored in raw if stored is not None and not is_sealed(stored)]
    for sub_id in plain:
        sub = session.get(Subscription, sub_id)
        if sub is not None:
            flag_modified(sub, "urls")
    session.flush()
    return len(plain)
