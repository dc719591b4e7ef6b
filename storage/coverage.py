"""Coverage: per expected publisher and year, its own report, date and verdict (or its absence).

Rows are publishers (the site's own body and ``options.expected_publishers``, canonical names). Each
row shows the report *that publisher* made — never a department's report for its government — with
that report's publish date and on-time verdict. Reports by other bodies found on a portal follow as
extra rows (``expected: false``) under their own publisher's name.

Set-based: three queries whatever the number of sites (the year's reports, their URLs, the sites); the
per-site work is dict look-ups in :class:`storage.publishers.ReportIndex`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parsers.clock import beijing_date
from parsers.sections import MANDATED
from storage.events import site_deadline
from storage.models import Document, Report, Site, utcnow
from storage.publishers import (
    ReportIndex,
    expected_publishers,
    match_reports,
    other_publishers,
    publisher_deadline,
    reports_for_year,
)


def coverage(
    session: Session, year: int, region: str | None = None, today: date | None = None
) -> list[dict[str, Any]]:
    """One row per (site, expected publisher), then one per other publisher found on the site."""
    today = today or beijing_date(utcnow())
    assert today is not None
    index = ReportIndex(reports_for_year(session, year))
    urls = _urls(session, year)
    stmt = select(Site).where(Site.enabled.is_(True)).order_by(Site.region, Site.id)
    if region:
        stmt = stmt.where(Site.region.startswith(region))
    rows: list[dict[str, Any]] = []
    for site in session.scalars(stmt):
        publishers = expected_publishers(site)
        found = match_reports(site, publishers, index)
        for pub in publishers:
            deadline = publisher_deadline(site, pub, year)
            rows.append(_coverage_row(site, pub.name, True, deadline, found[pub.name], today, urls))
        for name, theirs in other_publishers(site, publishers, index).items():
            rows.append(_coverage_row(site, name, False, site_deadline(site, year), theirs, today, urls))
    return rows


def _urls(session: Session, year: int) -> dict[int, str]:
    """URLs of the year's report documents, joined (a list of 30,000 ids would overflow SQLite's parameters)."""
    stmt = (
        select(Document.id, Document.url)
        .join(Report, Report.document_id == Document.id)
        .where(Report.year == year)
    )
    return {doc_id: url for doc_id, url in session.execute(stmt)}


def _coverage_row(
    site: Site,
    publisher: str,
    expected: bool,
    deadline: date,
    found: list[Report],
    today: date,
    urls: dict[int, str],
) -> dict[str, Any]:
    report = min(found, key=lambda r: (r.published_at or "9999", r.id)) if found else None
    row: dict[str, Any] = {
        "site": site.id,
        "site_name": site.name,
        "region": site.region,
        "publisher": publisher,
        "expected": expected,
        "deadline": deadline.isoformat(),
        "status": _status(report, deadline, today, site.baseline_done),
        "report_id": None,
        "title": None,
        "url": None,
        "published_at": None,
        "first_seen": None,
        "on_time": None,
        "on_time_first_seen": None,
        "complete": None,
        "missing_sections": [],
    }
    if report is not None:
        row.update(
            report_id=report.id,
            title=report.title,
            url=urls.get(report.document_id),
            published_at=report.published_at,
            first_seen=report.first_seen.isoformat(),
            on_time=report.on_time,
            on_time_first_seen=report.on_time_first_seen,
            complete=report.complete,
            missing_sections=[k for k in MANDATED if k not in (report.sections or [])]
            if report.sections
            else [],
        )
    return row


def _status(report: Report | None, deadline: date, today: date, site_crawled: bool = True) -> str:
    if report is None and not site_crawled:
        return "unchecked"  # never crawled successfully: absence proves nothing (blocked ≠ missing)
    if report is None:
        return "missing" if deadline < today else "not_due"
    if report.on_time is None:
        return "published"
    return "on_time" if report.on_time else "late"


def coverage_summary(rows: list[dict[str, Any]]) -> dict[str, int]:
    expected = [r for r in rows if r["expected"]]

    def count(status: str) -> int:
        return sum(1 for r in expected if r["status"] == status)

    return {
        "expected": len(expected),
        "published": sum(1 for r in expected if r["report_id"] is not None),
        "on_time": count("on_time"),
        "late": count("late"),
        "date_unknown": count("published"),
        "missing": count("missing"),
        "not_due": count("not_due"),
        "unchecked": count("unchecked"),
        "complete": sum(1 for r in expected if r["complete"]),
        "extra_reports": len(rows) - len(expected),
    }
