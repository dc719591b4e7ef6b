"""Read-side queries over reports, versions and indicators."""

from __future__ import annotations

import zlib
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parsers.indicators import label_of
from storage.errors import UnknownReport
from storage.models import Document, IndicatorValue, Report, Version


def list_reports(
    session: Session, year: int | None = None, site_id: str | None = None, agency: str | None = None
) -> list[dict[str, Any]]:
    versions = (
        select(Version.document_id, func.count(Version.id).label("n"))
        .group_by(Version.document_id)
        .subquery()
    )
    stmt = (
        select(Report, Document.url, versions.c.n)
        .join(Document, Document.id == Report.document_id)
        .join(versions, versions.c.document_id == Report.document_id)
        .order_by(Report.year.desc(), Report.site_id, Report.id)
    )
    if year is not None:
        stmt = stmt.where(Report.year == year)
    if site_id:
        stmt = stmt.where(Report.site_id == site_id)
    if agency:
        stmt = stmt.where(Report.agency.contains(agency))
    return [report_row(r, url, n) for r, url, n in session.execute(stmt)]


def report_row(r: Report, url: str, versions: int) -> dict[str, Any]:
    return {
        "id": r.id,
        "site": r.site_id,
        "url": url,
        "title": r.title,
        "agency": r.agency,
        "region": r.region,
        "year": r.year,
        "published_at": r.published_at,
        "first_seen": r.first_seen.isoformat(),
        "versions": versions,
        "on_time": r.on_time,
        "complete": r.complete,
        "sections": r.sections,
    }


def get_report(session: Session, report_id: int) -> Report:
    report = session.get(Report, report_id)
    if report is None:
        raise UnknownReport(f"unknown report {report_id} (see `fzwatch reports`)")
    return report


def report_versions(session: Session, report: Report) -> list[Version]:
    return list(
        session.scalars(select(Version).where(Version.document_id == report.document_id).order_by(Version.id))
    )


def raw_bytes(version: Version) -> bytes:
    return zlib.decompress(version.raw_zlib)


def report_indicators(
    session: Session, report_id: int, version_id: int | None = None
) -> list[IndicatorValue]:
    stmt = select(IndicatorValue).where(IndicatorValue.report_id == report_id)
    if version_id:
        stmt = stmt.where(IndicatorValue.version_id == version_id)
    return list(session.scalars(stmt.order_by(IndicatorValue.id)))


def indicator_series(session: Session, key: str) -> list[dict[str, Any]]:
    """One indicator across publishers and years: each report's headline value in its latest version
    (for trends; ``value`` an exact Decimal, ``ambiguous`` when the headline was a pick among disagreeing
    mentions)."""
    stmt = (
        select(Report.site_id, Report.agency, Report.year, IndicatorValue)
        .join(
            IndicatorValue,
            (IndicatorValue.report_id == Report.id) & (IndicatorValue.version_id == Report.latest_version_id),
        )
        .where(IndicatorValue.key == key, IndicatorValue.headline.is_(True))
        .order_by(Report.agency, Report.year)
    )
    return [
        {
            "site": site,
            "agency": agency,
            "year": year,
            "value": iv.value,
            "unit": iv.unit,
            "scope": iv.scope,
            "period": iv.period,
            "approx": iv.approx,
            "ambiguous": iv.ambiguous,
            "text": iv.text,
        }
        for site, agency, year, iv in session.execute(stmt)
    ]


def indicator_rows(
    session: Session,
    site_id: str | None = None,
    agency: str | None = None,
    key: str | None = None,
    year: int | None = None,
    mentions: bool = False,
) -> list[dict[str, Any]]:
    """Headline indicators of each report's latest version (every mention with ``mentions``), newest
    year first. ``value`` is an exact :class:`~decimal.Decimal`."""
    stmt = (
        select(IndicatorValue, Report)
        .join(Report, Report.id == IndicatorValue.report_id)
        .where(IndicatorValue.version_id == Report.latest_version_id)
        .order_by(Report.year.desc(), Report.site_id, Report.id, IndicatorValue.id)
    )
    if not mentions:
        stmt = stmt.where(IndicatorValue.headline.is_(True))
    if site_id:
        stmt = stmt.where(Report.site_id == site_id)
    if agency:
        stmt = stmt.where(Report.agency.contains(agency))
    if key:
        stmt = stmt.where(IndicatorValue.key == key)
    if year is not None:
        stmt = stmt.where(Report.year == year)
    return [
        {
            "report_id": r.id,
            "site": r.site_id,
            "agency": r.agency,
            "region": r.region,
            "year": r.year,
            "key": v.key,
            "label": label_of(v.key),
            "value": v.value,
            "unit": v.unit,
            "scope": v.scope,
            "period": v.period,
            "approx": v.approx,
            "headline": v.headline,
            "ambiguous": v.ambiguous,
            "role": v.role,
            "text": v.text,
        }
        for v, r in session.execute(stmt)
    ]
