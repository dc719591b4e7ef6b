"""Named leases: at most one holder at a time, on SQLite and PostgreSQL alike.

Taking or renewing a lease is one conditional UPDATE (or the first INSERT), so two daemons racing for it
cannot both win; a holder that dies simply stops renewing, and the lease is free once it expires.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Lease, utcnow

SCHEDULER = "scheduler"


def acquire(session: Session, name: str, owner: str, ttl: timedelta, now: datetime | None = None) -> bool:
    """Take or renew the lease; True when ``owner`` holds it until now + ttl."""
    now = now or utcnow()
    taken = session.execute(
        update(Lease)
        .where(Lease.name == name, (Lease.owner == owner) | (Lease.expires_at < now))
        .values(owner=owner, expires_at=now + ttl)
    ).rowcount
    if taken:
        return True
    if session.get(Lease, name) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(Lease(name=name, owner=owner, expires_at=now + ttl, acquired_at=now))
    except IntegrityError:  # another process inserted it first
        return False
    return True


def release(session: Session, name: str, owner: str) -> None:
    session.execute(delete(Lease).where(Lease.name == name, Lease.owner == owner))


def holder(session: Session, name: str, now: datetime | None = None) -> Lease | None:
    """The live holder of a lease, or None when nobody holds it (or it expired)."""
    lease = session.get(Lease, name)
    if lease is None or lease.expires_at < (now or utcnow()):
        return None
    return lease


def transfer(session: Session, name: str, owner: str, new_owner: str) -> bool:
    """Hand a held lease to another owner (a worker to the crawl process it started), in one UPDATE."""
    return bool(
        session.execute(
            update(Lease).where(Lease.name == name, Lease.owner == owner).values(owner=new_owner)
        ).rowcount
    )
