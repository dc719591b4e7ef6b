"""The set-based overdue check and coverage give exactly what a simple per-site, per-publisher reference
gives (one query per publisher, the way a reader would check it) on a generated dataset with the awkward
cases: departments, reports found on another site, unexpected bodies, pages no longer reports, sites
not yet crawled or disabled, deadline overrides. SQLite always, PostgreSQL when one answers."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.intel import overdue_due, overdue_key
from scheduler import conditions
from scheduler.conditions import check_conditions
from storage.coverage import _coverage_row, coverage
from storage.database import Database
from storage.events import latest_due_year, site_deadline
from storage.models import Document, Event, Report, Site
from storage.publishers import expected_publishers, own_publisher, publisher_deadline
from storage.web_queries import overdue_publishers
from tests.scale_data import generate

TODAY = date(2025, 6, 1)


def _reports(session: Session, year: int, **where: Any) -> list[Report]:
    stmt = (
        select(Report)
        .join(Document, Document.id == Report.document_id)
        .where(Report.year == year, Document.is_report.is_(True))
        .order_by(Report.id)
    )
    for column, value in where.items():
        stmt = stmt.where(getattr(Report, column) == value)
    return list(session.scalars(stmt))


def reference_coverage(session: Session, year: int, region: str | None) -> list[dict[str, Any]]:
    rows = []
    urls = {d.id: d.url for d in session.scalars(select(Document))}
    for site in session.scalars(select(Site).where(Site.enabled.is_(True)).order_by(Site.region, Site.id)):
        if region and not site.region.startswith(region):
            continue
        pubs = expected_publishers(site)
        for pub in pubs:
            found = _reports(session, year, agency=pub.name)
            rows.append(
                _coverage_row(site, pub.name, True, publisher_deadline(site, pub, year), found, TODAY, urls)
            )
        others: dict[str, list[Report]] = {}
        for report in _reports(session, year, site_id=site.id):
            if report.agency not in {p.name for p in pubs}:
                others.setdefault(report.agency or own_publisher(site), []).append(report)
        for name, theirs in others.items():
            rows.append(_coverage_row(site, name, False, site_deadline(site, year), theirs, TODAY, urls))
    return rows


def reference_overdue(session: Session) -> set[str]:
    keys = set()
    for site in session.scalars(select(Site).where(Site.enabled.is_(True), Site.baseline_done.is_(True))):
        year = latest_due_year(site, TODAY)
        for pub in expected_publishers(site):
            if publisher_deadline(site, pub, year) < TODAY and not _reports(session, year, agency=pub.name):
                keys.add(overdue_key(site.id, pub.name, year))
    return keys


def test_set_based_equals_per_site_reference(db: Database, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    counts = generate(db, n_sites=90, n_reports=900)
    rows: list[dict[str, Any]] = []
    with db.transaction() as s:
        for year, region in ((2023, None), (2024, None), (2024, "浙江省第001市")):
            got = coverage(s, year, region, TODAY)
            assert got == reference_coverage(s, year, region)
            rows += got
        assert {"missing", "on_time", "late", "published", "unchecked"} <= {r["status"] for r in rows}
        assert any(not r["expected"] for r in rows)  # unexpected bodies listed, never credited
        expected_keys = reference_overdue(s)
        assert {item.key for item in overdue_due(s, today=TODAY)} == expected_keys
    assert 0 < len(expected_keys) < counts["sites"] * 4
    monkeypatch.setattr(conditions, "BATCH", 7)  # several short write transactions
    assert check_conditions(db, today=TODAY) == len(expected_keys)
    assert check_conditions(db, today=TODAY) == 0  # said once
    with db.transaction() as s:
        said = set(s.scalars(select(Event.dedup_key).where(Event.kind == "report_overdue")))
        assert said == expected_keys
        assert s.scalar(select(func.count(Event.id))) == len(expected_keys)
        assert overdue_due(s, today=TODAY) == []


def test_dashboard_overdue_list_drops_publishers_whose_report_appeared(db: Database) -> None:
    """The front page's overdue list (one query for all events) equals the per-event reference, after some
    overdue publishers' reports appeared (own: any report of the site; a department: its name anywhere)."""
    generate(db, n_sites=60, n_reports=600)
    check_conditions(db, today=TODAY)
    with db.transaction() as s:
        said = list(s.scalars(select(Event).where(Event.kind == "report_overdue").order_by(Event.id)))
        movable = list(s.scalars(select(Report).where(Report.year == 2022).order_by(Report.id)))
        for event, report in zip(said[::3], movable, strict=False):  # a third of them publish at last
            report.year, report.site_id = event.payload["year"], event.site_id
            report.agency = event.payload["agency"] if event.payload["expected"] else "某某局"
    with db.transaction() as s:
        sites = {site.id: site for site in s.scalars(select(Site))}

        def has(site_id: str, agency: str, year: int, own: bool) -> bool:
            stmt = select(Report).where(Report.year == year)
            if own:
                stmt = stmt.where(Report.site_id == site_id)
            return any(own or (agency and r.agency == agency) for r in s.scalars(stmt))

        want = [
            (e.site_id, e.payload["agency"])
            for e in said
            if e.payload["year"] == latest_due_year(sites[e.site_id], TODAY)
            and sites[e.site_id].enabled
            and not has(e.site_id, e.payload["agency"], e.payload["year"], not e.payload["expected"])
        ]
        got = [(r["site"], r["publisher"]) for r in overdue_publishers(s, TODAY) if r["status"] == "missing"]
    assert got == want
    assert len(said) // 4 < len(said) - len(want) and want
