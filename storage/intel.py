"""Report intelligence in SQL: indicator tables, year-over-year and revision changes, coverage, overdue.

Everything here runs inside the caller's transaction (ingest, the conditions job, the CLI).

- **Comparable values.** A report version may state one indicator several times. For a
  comparison, an indicator is identified by ``(key, unit, scope, period)``; a group whose
  mentions disagree (two different values for "全市 新收复议案件") is ambiguous and never compared.
- **Year over year.** For one publisher (site + agency), the report for year Y is compared with
  the report for Y − 1 group by group; a change that passes the key's
  :class:`parsers.indicators.ChangeRule` raises ``indicator_changed`` (reason ``yoy``), once per
  (publisher, group, years, values).
- **Revisions.** A new version of a report whose comparable value differs from the previous
  version's raises ``indicator_changed`` (reason ``revision``) without threshold: a number changed
  in a published report is news.
- **Overdue.** A publisher (the site itself, plus ``options.expected_publishers``) with no report
  for the latest year whose deadline has passed raises one ``report_overdue`` (dedup key); a report
  that then appears after its deadline raises ``report_published_late``.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parsers.indicators import change_rule, label_of
from parsers.sections import MANDATED
from parsers.timeliness import deadline_for
from storage.events import emit_event, report_payload, site_deadline
from storage.models import Document, Event, IndicatorValue, Report, Site, Version

logger = logging.getLogger(__name__)

Group = tuple[str, str, str, str]  # key, unit, scope, period


# ---------------------------------------------------------------- comparable values


def comparable_values(session: Session, version_id: int | None) -> dict[Group, IndicatorValue]:
    """One value per (key, unit, scope, period) of a version; ambiguous groups are left out."""
    if version_id is None:
        return {}
    groups: dict[Group, list[IndicatorValue]] = {}
    rows = session.scalars(
        select(IndicatorValue).where(IndicatorValue.version_id == version_id).order_by(IndicatorValue.id)
    )
    for row in rows:
        groups.setdefault((row.key, row.unit, row.scope, row.period), []).append(row)
    return {g: vals[0] for g, vals in groups.items() if len({v.value for v in vals}) == 1}


def _quiet(site: Site) -> bool:
    """The first crawl of a site records a baseline: what it finds is not news."""
    return not site.baseline_done and not site.options.get("notify_existing", False)


def _digest(*parts: Any) -> str:
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:20]


def previous_year_report(session: Session, report: Report) -> Report | None:
    """The same publisher's (site + agency) report for the year before, latest first."""
    if report.year is None:
        return None
    return session.scalar(
        select(Report)
        .where(
            Report.site_id == report.site_id, Report.agency == report.agency, Report.year == report.year - 1,
            Report.id != report.id, Report.latest_version_id.is_not(None),
        )
        .order_by(Report.id.desc())
        .limit(1)
    )


def _change_payload(
    site: Site, report: Report, group: Group, old: IndicatorValue, new: IndicatorValue,
    old_side: dict[str, Any], new_side: dict[str, Any], reason: str,
) -> dict[str, Any]:
    key, unit, scope, period = group
    return {
        **report_payload(site, report),
        "key": key, "label": label_of(key), "unit": unit, "scope": scope, "period": period,
        "old": {"value": old.value, **old_side}, "new": {"value": new.value, **new_side},
        "approx": bool(old.approx or new.approx), "text": new.text, "reason": reason,
    }


def emit_indicator_changes(
    session: Session, site: Site, report: Report, version: Version, previous: Version | None
) -> list[str]:
    """``indicator_changed`` events for a stored report version (revision first, then year over year)."""
    if _quiet(site):
        return []
    now = comparable_values(session, version.id)
    if not now:
        return []
    emitted: list[str] = []
    reported: set[Group] = set()
    if previous is not None:
        before = comparable_values(session, previous.id)
        for group, new in now.items():
            old = before.get(group)
            if old is None or old.value == new.value:
                continue
            payload = _change_payload(
                site, report, group, old, new, {"year": report.year, "version_no": previous.version_no},
                {"year": report.year, "version_no": version.version_no}, "revision",
            )
            key = "indrev:" + _digest(report.id, group, previous.id, version.id)
            if emit_event(session, "indicator_changed", site, payload, report_id=report.id, dedup_key=key):
                emitted.append("indicator_changed")
                reported.add(group)
    prior = previous_year_report(session, report)
    if prior is None:
        return emitted
    prior_version = session.get(Version, prior.latest_version_id)
    overrides = site.options.get("indicator_thresholds") or {}
    for group, old in comparable_values(session, prior.latest_version_id).items():
        new = now.get(group)
        if new is None or group in reported or not change_rule(group[0], overrides).is_notable(
            old.value, new.value, group[1]
        ):
            continue
        payload = _change_payload(
            site, report, group, old, new,
            {"year": prior.year, "version_no": prior_version.version_no if prior_version else None},
            {"year": report.year, "version_no": version.version_no}, "yoy",
        )
        key = "indyoy:" + _digest(site.id, report.agency, group, prior.year, report.year, old.value, new.value)
        if emit_event(session, "indicator_changed", site, payload, report_id=report.id, dedup_key=key):
            emitted.append("indicator_changed")
    return emitted


# ---------------------------------------------------------------- publishers, deadlines, overdue


@dataclass(frozen=True)
class Publisher:
    """Someone expected to publish a report: the site's own publisher or a registry entry."""

    name: str
    kind: str  # publisher_kind for the deadline table
    own: bool  # the site itself (any report on the site not attributed to another publisher)


@functools.lru_cache(maxsize=65536)  # coverage compares every publisher with every report of a year
def _squash(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def expected_publishers(site: Site) -> list[Publisher]:
    """The site itself (unless ``options.expect_own_report: false``) and ``options.expected_publishers``
    (names, or ``{name, publisher_kind}`` maps)."""
    kind = site.options.get("publisher_kind", "government")
    out: list[Publisher] = []
    if site.options.get("expect_own_report", True):
        out.append(Publisher(site.name, kind, own=True))
    for entry in site.options.get("expected_publishers") or []:
        name, entry_kind = (entry, kind) if isinstance(entry, str) else (entry.get("name", ""), entry.get("publisher_kind", kind))
        if name and all(_squash(name) != _squash(p.name) for p in out):
            out.append(Publisher(str(name), str(entry_kind), own=False))
    return out


def publisher_deadline(site: Site, publisher: Publisher, year: int) -> date:
    if publisher.own:
        return site_deadline(site, year)
    overrides = {k: tuple(v) for k, v in (site.options.get("deadlines") or {}).items()}
    return deadline_for(year, publisher.kind, overrides)  # type: ignore[arg-type]


def names_publisher(report: Report, name: str) -> bool:
    """The report is by ``name``: same agency, one contains the other, or the title names it."""
    agency, want = _squash(report.agency), _squash(name)
    if not want:
        return False
    return bool(agency) and (agency == want or want in agency or agency in want) or want in _squash(report.title)


def _reports_for_year(session: Session, year: int) -> list[Report]:
    return list(session.scalars(select(Report).where(Report.year == year).order_by(Report.id)))


def match_reports(site: Site, publishers: list[Publisher], reports: list[Report]) -> dict[str, list[Report]]:
    """Reports per publisher name. Registry publishers match by name on any site; the site's own
    publisher takes the site's reports no registry publisher claims."""
    out: dict[str, list[Report]] = {p.name: [] for p in publishers}
    others = [p for p in publishers if not p.own]
    for report in reports:
        claimed = [p for p in others if names_publisher(report, p.name)]
        for p in claimed:
            out[p.name].append(report)
        if not claimed and report.site_id == site.id:
            for p in publishers:
                if p.own:
                    out[p.name].append(report)
    return out


def latest_due_year(site: Site, today: date) -> int:
    """The latest report year whose publication deadline has passed on ``today``."""
    year = today.year - 1
    return year if site_deadline(site, year) < today else year - 1


def check_overdue(
    session: Session, today: date | None = None, year: int | None = None, site_ids: list[str] | None = None
) -> list[Event]:
    """Raise ``report_overdue`` once per (site, publisher, year) with no report after the deadline.

    Only sites whose baseline crawl is done are judged: before it, "no report" means "not crawled".
    """
    today = today or datetime.now(UTC).date()
    stmt = select(Site).where(Site.enabled.is_(True), Site.baseline_done.is_(True)).order_by(Site.id)
    if site_ids:
        stmt = stmt.where(Site.id.in_(site_ids))
    events: list[Event] = []
    cache: dict[int, list[Report]] = {}
    for site in session.scalars(stmt):
        y = year if year is not None else latest_due_year(site, today)
        reports = cache.setdefault(y, _reports_for_year(session, y))
        publishers = expected_publishers(site)
        found = match_reports(site, publishers, reports)
        for pub in publishers:
            deadline = publisher_deadline(site, pub, y)
            if found[pub.name] or deadline >= today:
                continue
            payload = {
                "site_id": site.id, "site_name": site.name, "region": site.region, "agency": pub.name,
                "year": y, "deadline": deadline.isoformat(), "expected": not pub.own,
            }
            event = emit_event(session, "report_overdue", site, payload, dedup_key=overdue_key(site.id, pub.name, y))
            if event is not None:
                logger.info("%s (%s) has no report for %d (deadline %s)", pub.name, site.id, y, deadline)
                events.append(event)
    return events


def overdue_key(site_id: str, publisher: str, year: int) -> str:
    return f"overdue:{site_id}:{year}:{_digest(_squash(publisher))}"


def _overdue_said(session: Session, site: Site, report: Report) -> bool:
    """A ``report_overdue`` was raised for this report's publisher and year."""
    keys = [overdue_key(site.id, p.name, report.year or 0) for p in expected_publishers(site)]
    rows = session.scalars(select(Event).where(Event.kind == "report_overdue", Event.dedup_key.in_(keys)))
    pubs = {p.name: p for p in expected_publishers(site)}
    for event in rows:
        pub = pubs.get(event.payload.get("agency", ""))
        if pub is not None and (pub.own or names_publisher(report, pub.name)):
            return True
    return False


def emit_published_late(session: Session, site: Site, report: Report) -> list[str]:
    """``report_published_late`` for a new report past its deadline: by the page's date, or — when the
    page gives none — by when it was first seen after an overdue alert."""
    if report.year is None:
        return []
    said = _overdue_said(session, site, report)
    # report.on_time / on_time_first_seen were judged against the same deadline (parsers.timeliness).
    late = report.on_time is False or (report.on_time is None and said and report.on_time_first_seen is False)
    if not late:
        return []
    payload = {**report_payload(site, report), "overdue_alerted": said,
               "on_time_first_seen": report.on_time_first_seen}
    event = emit_event(session, "report_published_late", site, payload, report_id=report.id,
                       deliver=not _quiet(site), dedup_key=f"late:{report.id}")
    return ["report_published_late"] if event is not None else []


def on_report_stored(
    session: Session, site: Site, report: Report, version: Version, previous: Version | None, is_new: bool
) -> list[str]:
    """Ingest hook: the intelligence events of one stored report version."""
    kinds = emit_published_late(session, site, report) if is_new else []
    return kinds + emit_indicator_changes(session, site, report, version, previous)


# ---------------------------------------------------------------- read side


def indicator_rows(
    session: Session, site_id: str | None = None, agency: str | None = None, key: str | None = None,
    year: int | None = None,
) -> list[dict[str, Any]]:
    """Indicators of each report's latest version, newest year first."""
    stmt = (
        select(IndicatorValue, Report)
        .join(Report, Report.id == IndicatorValue.report_id)
        .where(IndicatorValue.version_id == Report.latest_version_id)
        .order_by(Report.year.desc(), Report.site_id, Report.id, IndicatorValue.id)
    )
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
            "report_id": r.id, "site": r.site_id, "agency": r.agency, "region": r.region, "year": r.year,
            "key": v.key, "label": label_of(v.key), "value": v.value, "unit": v.unit, "scope": v.scope,
            "period": v.period, "approx": v.approx, "text": v.text,
        }
        for v, r in session.execute(stmt)
    ]


def coverage(
    session: Session, year: int, region: str | None = None, today: date | None = None
) -> list[dict[str, Any]]:
    """Per site and expected publisher: published on time / late / date unknown, missing or not yet
    due, completeness. Reports on a site that no expected publisher claims are listed as extras."""
    today = today or datetime.now(UTC).date()
    reports = _reports_for_year(session, year)
    urls = dict(session.execute(select(Document.id, Document.url).where(Document.id.in_([r.document_id for r in reports]))).all()) if reports else {}
    stmt = select(Site).where(Site.enabled.is_(True)).order_by(Site.region, Site.id)
    if region:
        stmt = stmt.where(Site.region.startswith(region))
    rows: list[dict[str, Any]] = []
    for site in session.scalars(stmt):
        publishers = expected_publishers(site)
        found = match_reports(site, publishers, reports)
        claimed = {r.id for rs in found.values() for r in rs}
        for pub in publishers:
            deadline = publisher_deadline(site, pub, year)
            rows.append(_coverage_row(site, pub.name, True, deadline, found[pub.name], today, urls))
        for extra in (r for r in reports if r.site_id == site.id and r.id not in claimed):
            rows.append(_coverage_row(site, extra.agency or site.name, False, site_deadline(site, year), [extra], today, urls))
    return rows


def _coverage_row(
    site: Site, publisher: str, expected: bool, deadline: date, found: list[Report], today: date, urls: dict[int, str]
) -> dict[str, Any]:
    report = min(found, key=lambda r: (r.published_at or "9999", r.id)) if found else None
    row: dict[str, Any] = {
        "site": site.id, "site_name": site.name, "region": site.region, "publisher": publisher,
        "expected": expected, "deadline": deadline.isoformat(),
        "status": _status(report, deadline, today, site.baseline_done),
        "report_id": None, "title": None, "url": None, "published_at": None, "first_seen": None,
        "on_time": None, "on_time_first_seen": None, "complete": None, "missing_sections": [],
    }
    if report is not None:
        row.update(
            report_id=report.id, title=report.title, url=urls.get(report.document_id),
            published_at=report.published_at, first_seen=report.first_seen.isoformat(), on_time=report.on_time,
            on_time_first_seen=report.on_time_first_seen, complete=report.complete,
            missing_sections=[k for k in MANDATED if k not in (report.sections or [])] if report.sections else [],
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
    count = lambda status: sum(1 for r in expected if r["status"] == status)
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
