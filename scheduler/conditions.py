"""Condition jobs: facts that come from *absence* or time passing, not from a fetched page.

``check_conditions`` is an idempotent module-level job (the daemon runs it hourly, ``fzwatch
coverage --check`` on demand): it raises ``report_overdue`` for every publisher without a report
for the latest year whose deadline has passed. Each condition is said once (event dedup keys), so
running it again is harmless.

Transactions are short: one read finds what is due for all publishers at once, then the events are
written BATCH at a time, each batch its own transaction, so crawl processes writing to the same SQLite
file wait milliseconds, not minutes (a single transaction held the write lock for 171–205 s at 3,000 sites).
"""

from __future__ import annotations

import logging
from datetime import date

from monitor.intel import overdue_due, raise_overdue
from storage.database import Database

logger = logging.getLogger(__name__)

JOB_ID = "conditions"
INTERVAL_HOURS = 1
BATCH = 200  # events per write transaction


def raise_overdue_events(db: Database, today: date | None = None, year: int | None = None) -> int:
    """The overdue check in short transactions; returns the number of events raised. Errors propagate."""
    with db.transaction() as session:
        due = overdue_due(session, today=today, year=year)
    raised = 0
    for start in range(0, len(due), BATCH):
        with db.transaction() as session:
            raised += len(raise_overdue(session, due[start : start + BATCH]))
    return raised


def check_conditions(db: Database, today: date | None = None, year: int | None = None) -> int:
    """Run every condition check; returns the number of events raised."""
    try:
        raised = raise_overdue_events(db, today=today, year=year)
    except Exception:  # a failing check is logged and retried next hour; it never stops the daemon
        logger.exception("condition checks failed")
        return 0
    if raised:
        logger.info("condition checks raised %d events", raised)
    return raised
