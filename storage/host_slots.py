"""Per-host politeness across processes: every request to a host reserves the next free moment for it.

One conditional UPDATE … RETURNING per request (an INSERT the first time a host is seen): the row moves
on by the delay, so however many sites, crawl processes and workers ask the same host, their requests go
out at least `delay` apart. The arithmetic is in SQL, so concurrent reservers never read a stale value.
"""

from __future__ import annotations

import time

from sqlalchemy import case, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import HostSlot


def reserve(session: Session, host: str, delay: float, now: float | None = None) -> float:
    """The moment (seconds since the epoch) this request may go to `host`; the next one goes `delay` later."""
    now = time.time() if now is None else now
    slot = _advance(session, host, delay, now)
    if slot is None:  # first request to this host ever
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(HostSlot).values(host=host, next_at=0.0).on_conflict_do_nothing())
        slot = _advance(session, host, delay, now)
    return float(slot if slot is not None else now)


def _advance(session: Session, host: str, delay: float, now: float) -> float | None:
    start = case((HostSlot.next_at > now, HostSlot.next_at), else_=now)
    ends = session.execute(
        update(HostSlot)
        .where(HostSlot.host == host)
        .values(next_at=start + delay)
        .returning(HostSlot.next_at)
    ).scalar()
    return None if ends is None else float(ends) - delay
