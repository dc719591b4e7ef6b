"""Monitoring: turn one parsed page into documents, versions, reports, indicators, events and outbox rows,
all in the caller's transaction — the one write path for both the crawler pipeline and ``fzwatch reparse``.

- :mod:`.ingest` — ``ingest_page``: document, version, report, indicators, report events;
- :mod:`.intel` — change detection over indicators (year over year, revisions), late and overdue reports;
- :mod:`.reparse` — re-run today's parsers over stored versions.

Above storage/ (models, sessions, events/outbox writes) and the pure rules (parsers/, alerting/);
below crawler/ and scheduler/.
"""
