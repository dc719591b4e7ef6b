"""Per-origin politeness across processes: every request to an origin reserves its moment in the database.

One conditional UPDATE … RETURNING per request (an INSERT the first time an origin is seen). The row holds
the moment of the origin's latest request and its delay as last known by any process. A request goes at
that moment plus its delay, or now if that is already past. The delay is the asking request's, because
only it knows the current one, except for a request that cannot know it yet (robots.txt, asked before its
Crawl-delay is read: `delay=None`), which is spaced by the delay another process learned. The arithmetic
is in SQL, so concurrent reservers never read a stale value.
"""

from __future__ import annotations

import time

from sqlalchemy import case, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import HostSlot


def reserve(session: Session, origin: str, delay: float | None, now: float | None = None) -> float:
    """The moment (seconds since the epoch) this request may go to `origin`, at least `delay` after the
    previous one (`None`: the origin's delay as last known)."""
    now = time.time() if now is None else now
    moment = _advance(session, origin, delay, now)
    if moment is None:  # first request to this origin ever
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(HostSlot).values(host=origin, last_at=0.0, delay=0.0).on_conflict_do_nothing())
        moment = _advance(session, origin, delay, now)
    return float(moment if moment is not None else now)


def _advance(session: Session, origin: str, delay: float | None, now: float) -> float | None:
    spacing = HostSlot.delay if delay is None else delay
    earliest = HostSlot.last_at + spacing
    moment = case((earliest > now, earliest), else_=now)
    values = {"last_at": moment} if delay is None else {"last_at": moment, "delay": delay}
    return session.execute(
        update(HostSlot).where(HostSlot.host == origin).values(**values).returning(HostSlot.last_at)
    ).scalar()
