"""Who publishes what: expected publishers of a site and the attribution of reports to publishers.

A report belongs to exactly one publisher: the body that made it, under its canonical name
(:mod:`parsers.publisher`, stored in ``Report.agency``). A department's report never satisfies its
government's duty, so attribution is by name equality only — no containment ("泰顺县" is in
"泰顺县司法局"), no "the site's owner takes whatever else the site carries". Reports by other bodies
found on a portal stay theirs (coverage lists them as such).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parsers.publisher import canonical_name, site_publisher
from parsers.timeliness import deadline_for
from storage.events import site_deadline
from storage.models import Document, Report, Site


@dataclass(frozen=True)
class Publisher:
    """Someone expected to publish a report: the site's own body or a registry entry."""

    name: str  # canonical
    kind: str  # publisher_kind for the deadline table
    own: bool  # the body the site belongs to


# Name canonicalisation is pure but costs ~0.1 ms a name; coverage and the overdue check ask it for every
# publisher of every site, again each hour and each year shown: memoised for the process.
_canonical = lru_cache(maxsize=65536)(canonical_name)
_site_publisher = lru_cache(maxsize=65536)(site_publisher)


def own_publisher(site: Site) -> str:
    """The canonical name of the body the site belongs to (中国泰顺 → 泰顺县人民政府)."""
    return _site_publisher(site.name, site.region) or site.name


def report_publisher(site: Site, agency: str | None) -> str:
    """The canonical publisher of a report found on ``site`` (its own body when the page names none)."""
    return canonical_name(agency, site.region) or own_publisher(site)


def expected_publishers(site: Site) -> list[Publisher]:
    """The site's own body (unless ``options.expect_own_report: false``) and ``options.expected_publishers``
    (names, or ``{name, publisher_kind}`` maps), all under canonical names."""
    kind = site.options.get("publisher_kind", "government")
    out: list[Publisher] = []
    if site.options.get("expect_own_report", True):
        out.append(Publisher(own_publisher(site), kind, own=True))
    for entry in site.options.get("expected_publishers") or []:
        raw, entry_kind = (
            (entry, kind)
            if isinstance(entry, str)
            else (entry.get("name", ""), entry.get("publisher_kind", kind))
        )
        name = _canonical(str(raw), site.region) if raw else None
        if name and all(name != p.name for p in out):
            out.append(Publisher(name, str(entry_kind), own=False))
    return out


def publisher_deadline(site: Site, publisher: Publisher, year: int) -> date:
    if publisher.own:
        return site_deadline(site, year)
    overrides = {k: tuple(v) for k, v in (site.options.get("deadlines") or {}).items()}
    return deadline_for(year, publisher.kind, overrides)  # type: ignore[arg-type]


def names_publisher(report: Report, name: str) -> bool:
    """The report was made by ``name`` (both canonical)."""
    return bool(name) and report.agency == name


# The columns coverage and the overdue check read: plain rows load ~5x faster than Report objects at 10,000s.
_REPORT_FACTS = (
    Report.id,
    Report.document_id,
    Report.site_id,
    Report.agency,
    Report.year,
    Report.title,
    Report.published_at,
    Report.first_seen,
    Report.on_time,
    Report.on_time_first_seen,
    Report.complete,
    Report.sections,
)


def reports_for_year(session: Session, year: int, columns: tuple[Any, ...] = _REPORT_FACTS) -> list[Any]:
    """Reports covering ``year`` whose page is (still) classified as a report, as rows with the attributes of
    :class:`Report` that coverage reads; list pages, near-misses and pages that stopped being reports never
    count."""
    return list(
        session.execute(
            select(*columns)
            .join(Document, Document.id == Report.document_id)
            .where(Report.year == year, Document.is_report.is_(True))
            .order_by(Report.id)
        )
    )


class ReportIndex:
    """A year's reports indexed once by publisher and by site, so that coverage and the overdue check look up
    every site's publishers in a dict instead of scanning all reports per site (sites × reports at scale)."""

    def __init__(self, reports: list[Any]) -> None:
        self.by_publisher: dict[str, list[Any]] = {}
        self.by_site: dict[str, list[Any]] = {}
        for report in reports:  # in id order: every list below keeps it
            if report.agency:
                self.by_publisher.setdefault(report.agency, []).append(report)
            self.by_site.setdefault(report.site_id, []).append(report)


def match_reports(site: Site, publishers: list[Publisher], index: ReportIndex) -> dict[str, list[Report]]:
    """Reports per expected publisher, by canonical name, wherever they were found (a 司法局 site may carry
    the government's report; it is still the government's)."""
    return {p.name: list(index.by_publisher.get(p.name, [])) if p.name else [] for p in publishers}


def other_publishers(site: Site, publishers: list[Publisher], index: ReportIndex) -> dict[str, list[Report]]:
    """Reports found on ``site`` by bodies it does not expect, per publisher: listed, never credited."""
    expected = {p.name for p in publishers}
    out: dict[str, list[Report]] = {}
    for report in index.by_site.get(site.id, []):
        if report.agency not in expected:
            out.setdefault(report.agency or own_publisher(site), []).append(report)
    return out
