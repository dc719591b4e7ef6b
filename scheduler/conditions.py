"""Condition jobs: facts that come from *absence* or time passing, not from a fetched page.

``check_conditions`` is an idempotent module-level job (the daemon runs it hourly, ``fzwatch
coverage --check`` on demand): it raises ``report_overdue`` for every publisher without a report
for the latest year whose deadline has passed. Each condition is said once (event dedup keys), so
running it again is harmless.
"""

from __future__ import annotations

import logging
from datetime import date

from monitor.intel import check_overdue
from storage.database import Database

logger = logging.getLogger(__name__)

JOB_ID = "conditions"
INTERVAL_HOURS = 1


def check_conditions(db: Database, today: date | None = None, year: int | None = None) -> int:
    """Run every condition check in one transaction; returns the number of events raised."""
    try:
        with db.transaction() as session:
            raised = len(check_overdue(session, today=today, year=year))
    except Exception:  # a failing check is logged and retried next hour; it never stops the daemon
        logger.exception("condition checks failed")
        return 0
    if raised:
        logger.info("condition checks raised %d events", raised)
    return raised
