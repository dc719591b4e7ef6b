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

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parsers.clock import beijing_date
from parsers.indicators import change_rule, label_of
from parsers.numbers import json_number
from storage.events import (
    active_subscriptions,
    baseline_quiet,
    emit_event,
    emit_many,
    latest_due_year,
    report_payload,
)
from storage.models import Event, IndicatorValue, Report, Site, Version, utcnow
from storage.publishers import (
    ReportIndex,
    expected_publishers,
    match_reports,
    names_publisher,
    publisher_deadline,
    reports_for_year,
)

logger = logging.getLogger(__name__)

Group = tuple[str, str, str, str]  # key, unit, scope, period


# ---------------------------------------------------------------- comparable values

# An annual report's unstated scope is the whole jurisdiction and its unstated period the year.
_WHOLE_SCOPE_RE = re.compile(r"全[省市县区镇乡]|全街道|本部门|本单位|全系统")
_FULL_PERIODS = ("", "全年", "今年以来")


def comparable_group(row: IndicatorValue) -> Group:
    """(key, unit, scope, period) with "全县"/unstated scope and "全年"/"今年以来"/unstated period as one."""
    scope = "" if _WHOLE_SCOPE_RE.fullmatch(row.scope or "") else row.scope
    period = "" if row.period in _FULL_PERIODS else row.period
    return row.key, row.unit, scope, period


def comparable_values(session: Session, version_id: int | None) -> dict[Group, IndicatorValue]:
    """The version's headline values by comparable group; ambiguous headlines are left out."""
    if version_id is None:
        return {}
    rows = session.scalars(
        select(IndicatorValue)
        .where(IndicatorValue.version_id == version_id, IndicatorValue.headline.is_(True))
        .order_by(IndicatorValue.id)
    )
    return {comparable_group(row): row for row in rows if not row.ambiguous}


def _digest(*parts: Any) -> str:
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:20]


def _same_publisher_report(session: Session, report: Report, year: int) -> Report | None:
    """The same publisher's (site + agency) report for ``year``, latest first."""
    return session.scalar(
        select(Report)
        .where(
            Report.site_id == report.site_id,
            Report.agency == report.agency,
            Report.year == year,
            Report.id != report.id,
            Report.latest_version_id.is_not(None),
        )
        .order_by(Report.id.desc())
        .limit(1)
    )


def previous_year_report(session: Session, report: Report) -> Report | None:
    """The same publisher's (site + agency) report for the year before, latest first."""
    return None if report.year is None else _same_publisher_report(session, report, report.year - 1)


def next_year_report(session: Session, report: Report) -> Report | None:
    """The same publisher's report for the year after (when an earlier report is revised)."""
    return None if report.year is None else _same_publisher_report(session, report, report.year + 1)


def _change_payload(
    site: Site,
    report: Report,
    group: Group,
    old: IndicatorValue,
    new: IndicatorValue,
    old_side: dict[str, Any],
    new_side: dict[str, Any],
    reason: str,
) -> dict[str, Any]:
    key = group[0]
    return {
        **report_payload(site, report),
        "key": key,
        "label": label_of(key),
        "unit": new.unit,
        "scope": new.scope,
        "period": new.period,
        "old": {"value": json_number(old.value), **old_side},
        "new": {"value": json_number(new.value), **new_side},
        "approx": bool(old.approx or new.approx),
        "text": new.text,
        "reason": reason,
    }


def _side(report: Report, version: Version | None) -> dict[str, Any]:
    return {"year": report.year, "version_no": version.version_no if version else None}


def _revision_changes(
    session: Session,
    site: Site,
    report: Report,
    version: Version,
    previous: Version,
    now: dict[Group, IndicatorValue],
) -> dict[Group, IndicatorValue]:
    """``indicator_changed`` (reason revision) for each headline the revision changed; returns those said."""
    before = comparable_values(session, previous.id)
    changed = {g: new for g, new in now.items() if g in before and before[g].value != new.value}
    said: dict[Group, IndicatorValue] = {}
    for group, new in changed.items():
        payload = _change_payload(
            site,
            report,
            group,
            before[group],
            new,
            _side(report, previous),
            _side(report, version),
            "revision",
        )
        key = "indrev:" + _digest(report.id, group, previous.id, version.id)
        if emit_event(session, "indicator_changed", site, payload, report_id=report.id, dedup_key=key):
            said[group] = new
    return said


def _yoy_changes(
    session: Session,
    site: Site,
    earlier: Report,
    later: Report,
    groups: dict[Group, IndicatorValue] | None,
) -> int:
    """``indicator_changed`` (reason yoy) on the later report for each notable change between the two
    years' headlines, limited to ``groups`` when given (the groups a revision changed). Said once per
    (publisher, group, years, values)."""
    old_version = session.get(Version, earlier.latest_version_id)
    new_version = session.get(Version, later.latest_version_id)
    old_values = comparable_values(session, earlier.latest_version_id)
    new_values = comparable_values(session, later.latest_version_id)
    overrides = site.options.get("indicator_thresholds") or {}
    said = 0
    for group, old in old_values.items():
        new = new_values.get(group)
        if new is None or (groups is not None and group not in groups):
            continue
        if not change_rule(group[0], overrides).is_notable(old.value, new.value, group[1]):
            continue
        payload = _change_payload(
            site, later, group, old, new, _side(earlier, old_version), _side(later, new_version), "yoy"
        )
        key = "indyoy:" + _digest(
            site.id, later.agency, group, earlier.year, later.year, old.value, new.value
        )
        if emit_event(session, "indicator_changed", site, payload, report_id=later.id, dedup_key=key):
            said += 1
    return said


def emit_indicator_changes(
    session: Session,
    site: Site,
    report: Report,
    version: Version,
    previous: Version | None,
    is_new: bool | None = None,
) -> list[str]:
    """``indicator_changed`` events for a stored report version.

    - A new report: each notable change against the same publisher's previous year (said once, when
      the later year's report first appears).
    - A revision: one ``revision`` event per headline value it changed, and the year-over-year
      comparisons of only those values: against the next year's report when this is the earlier one
      (against the previous year it is already said by the revision event). Values the revision did
      not touch say nothing, even if their year-over-year change was never said (baseline).
    """
    if baseline_quiet(site):
        return []
    first = previous is None if is_new is None else is_new
    said = 0
    if first or previous is None:
        prior = previous_year_report(session, report)
        said += _yoy_changes(session, site, prior, report, None) if prior is not None else 0
        return ["indicator_changed"] * said
    now = comparable_values(session, version.id)
    changed = _revision_changes(session, site, report, version, previous, now)
    said += len(changed)
    later = next_year_report(session, report) if changed else None
    if later is not None:
        said += _yoy_changes(session, site, report, later, changed)
    return ["indicator_changed"] * said


# ---------------------------------------------------------------- publishers, deadlines, overdue


@dataclass(frozen=True)
class Overdue:
    """One publisher's missing report, not yet said: what ``report_overdue`` will carry."""

    site_id: str
    key: str  # the event's dedup key
    payload: dict[str, Any]


def overdue_due(
    session: Session, today: date | None = None, year: int | None = None, site_ids: list[str] | None = None
) -> list[Overdue]:
    """Every (site, publisher, year) with no report after its deadline and no ``report_overdue`` yet.

    Read-only and set-based: the sites, each due year's reports (indexed once) and the already-said keys
    are a few queries whatever the number of sites. Only sites whose baseline crawl is done are judged:
    before it, "no report" means "not crawled".
    """
    today = today or beijing_date(utcnow())  # deadlines are Beijing calendar days
    assert today is not None
    stmt = select(Site).where(Site.enabled.is_(True), Site.baseline_done.is_(True)).order_by(Site.id)
    if site_ids:
        stmt = stmt.where(Site.id.in_(site_ids))
    indexes: dict[int, ReportIndex] = {}
    due: list[Overdue] = []
    for site in session.scalars(stmt):
        y = year if year is not None else latest_due_year(site, today)
        if y not in indexes:
            indexes[y] = ReportIndex(reports_for_year(session, y, (Report.id, Report.site_id, Report.agency)))
        publishers = expected_publishers(site)
        found = match_reports(site, publishers, indexes[y])
        for pub in publishers:
            deadline = publisher_deadline(site, pub, y)
            if found[pub.name] or deadline >= today:
                continue
            payload = {
                "site_id": site.id,
                "site_name": site.name,
                "region": site.region,
                "agency": pub.name,
                "year": y,
                "deadline": deadline.isoformat(),
                "expected": not pub.own,
            }
            due.append(Overdue(site.id, overdue_key(site.id, pub.name, y), payload))
    said = _said_keys(session, [item.key for item in due])
    return [item for item in due if item.key not in said]


def _said_keys(session: Session, keys: list[str], chunk: int = 500) -> set[str]:
    """The keys among ``keys`` that an event already carries (in chunks: SQLite limits bound parameters)."""
    said: set[str] = set()
    for start in range(0, len(keys), chunk):
        part = keys[start : start + chunk]
        said.update(session.scalars(select(Event.dedup_key).where(Event.dedup_key.in_(part))))
    return said


def raise_overdue(session: Session, items: list[Overdue]) -> list[Event]:
    """``report_overdue`` for each item, said once (the keys are checked again inside this transaction)."""
    if not items:
        return []
    sites = {s.id: s for s in session.scalars(select(Site).where(Site.id.in_({i.site_id for i in items})))}
    batch = [
        (sites[i.site_id], i.payload, i.key) for i in items if i.site_id in sites
    ]  # a site removed meanwhile
    events = emit_many(session, "report_overdue", batch, active_subscriptions(session))
    for event in events:
        logger.debug(
            "%s (%s) has no report for %s (deadline %s)",
            event.payload["agency"],
            event.site_id,
            event.payload["year"],
            event.payload["deadline"],
        )
    return events


def check_overdue(
    session: Session, today: date | None = None, year: int | None = None, site_ids: list[str] | None = None
) -> list[Event]:
    """Raise ``report_overdue`` once per (site, publisher, year) with no report after the deadline, in the
    caller's transaction (the daemon's hourly job writes in short batches: scheduler/conditions.py)."""
    return raise_overdue(session, overdue_due(session, today=today, year=year, site_ids=site_ids))


def overdue_key(site_id: str, publisher: str, year: int) -> str:
    return f"overdue:{site_id}:{year}:{_digest(''.join(publisher.split()))}"


def _overdue_said(session: Session, site: Site, report: Report) -> bool:
    """A ``report_overdue`` was raised for this report's publisher and year."""
    keys = [overdue_key(site.id, p.name, report.year or 0) for p in expected_publishers(site)]
    rows = session.scalars(select(Event).where(Event.kind == "report_overdue", Event.dedup_key.in_(keys)))
    pubs = {p.name: p for p in expected_publishers(site)}
    for event in rows:
        pub = pubs.get(event.payload.get("agency", ""))
        if pub is not None and names_publisher(report, pub.name):
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
    payload = {
        **report_payload(site, report),
        "overdue_alerted": said,
        "on_time_first_seen": report.on_time_first_seen,
    }
    event = emit_event(
        session,
        "report_published_late",
        site,
        payload,
        report_id=report.id,
        deliver=not baseline_quiet(site),
        dedup_key=f"late:{report.id}",
    )
    return ["report_published_late"] if event is not None else []


def on_report_stored(
    session: Session, site: Site, report: Report, version: Version, previous: Version | None, is_new: bool
) -> list[str]:
    """Ingest hook: the intelligence events of one stored report version."""
    kinds = emit_published_late(session, site, report) if is_new else []
    return kinds + emit_indicator_changes(session, site, report, version, previous, is_new)
