"""Read-side SQL for the web app and its API: filtered/searchable report lists, overview counts,
a coverage matrix over years, indicator pivots, events with their deliveries, site health.

Search: SQLite uses the FTS5 trigram table ``report_fts`` (migration 0007) for terms of three or
more characters and LIKE for shorter ones; PostgreSQL uses ILIKE, which the pg_trgm GIN indexes of
the same migration make fast. Either way every whitespace-separated term must occur in the
report's title, publisher or latest text (AND), so ``行政复议 纠错率`` finds reports stating both.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, exists, func, or_, select, text
from sqlalchemy.orm import Session

from storage.coverage import coverage
from storage.events import latest_due_year, site_deadline
from storage.health import SUSPECT_VERDICTS, display_state
from storage.models import (
    CrawlRun,
    Document,
    Event,
    IndicatorValue,
    OutboxItem,
    RecrawlRequest,
    Report,
    Site,
    Subscription,
    Version,
)
from storage.publishers import expected_publishers
from storage.reports import report_row
from storage.sites import last_runs, report_counts

SORTS = {
    "year": Report.year,
    "published_at": Report.published_at,
    "first_seen": Report.first_seen,
    "agency": Report.agency,
    "title": Report.title,
    "region": Report.region,
    "id": Report.id,
}
MAX_PER_PAGE = 500
BEIJING = ZoneInfo("Asia/Shanghai")
FTS_MIN_CHARS = 3  # the trigram tokenizer cannot match shorter terms


@dataclass
class ReportQuery:
    """Filters that combine (AND); ``q`` is a full-text query of whitespace-separated terms."""

    q: str = ""
    region: str = ""  # prefix: 浙江省温州市
    publisher: str = ""  # contained in the report's agency
    site: str = ""
    year: int | None = None
    on_time: str = ""  # yes|no|unknown
    complete: str = ""  # yes|no
    indicator: str = ""  # has a value for this key in its latest version
    sort: str = "year"
    desc: bool = True
    page: int = 1
    per_page: int = 50
    terms: list[str] = field(init=False)

    def __post_init__(self) -> None:
        # Control characters (a NUL ends an FTS5 string: "unterminated string") never reach a query.
        self.terms = [t for t in _CONTROL.sub(" ", self.q or "").split() if t][:10]
        self.page = max(1, self.page)
        self.per_page = min(max(1, self.per_page), MAX_PER_PAGE)


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _text_filter(session: Session, terms: list[str]) -> Any:
    """A WHERE clause on Report.id for the full-text terms, per backend."""
    if session.get_bind().dialect.name == "sqlite":
        long_terms = [t for t in terms if len(t) >= FTS_MIN_CHARS]
        clauses, params = [], {}
        if long_terms:
            clauses.append("report_fts MATCH :match")
            params["match"] = " AND ".join(_fts_phrase(t) for t in long_terms)
        for i, term in enumerate(t for t in terms if len(t) < FTS_MIN_CHARS):
            clauses.append(
                f"(title LIKE :s{i} ESCAPE '\\' OR agency LIKE :s{i} ESCAPE '\\' "
                f"OR body LIKE :s{i} ESCAPE '\\')"
            )
            params[f"s{i}"] = _like(term)
        ids = text("SELECT rowid FROM report_fts WHERE " + " AND ".join(clauses)).bindparams(**params)
        return Report.id.in_(ids.columns(rowid=Report.id.type))
    return and_(*[_pg_term(t) for t in terms])


def _pg_term(term: str) -> Any:
    """One term on PostgreSQL: in the title, the publisher or the latest text. LIKE for terms without
    letter case (Chinese), which is much cheaper than ILIKE on long texts; both use the pg_trgm indexes."""
    pattern = _like(term)

    def match(column: Any) -> Any:
        return (column.like if term.lower() == term.upper() else column.ilike)(pattern, escape="\\")

    # EXISTS (not IN): the planner then uses the trigram index instead of reading every text.
    in_text = exists().where(Version.id == Report.latest_version_id, match(Version.text))
    return or_(match(Report.title), match(Report.agency), in_text)


def _filtered(session: Session, query: ReportQuery) -> Select[Any]:
    stmt = select(Report.id)
    if query.terms:
        stmt = stmt.where(_text_filter(session, query.terms))
    if query.region:
        stmt = stmt.where(Report.region.startswith(query.region, autoescape=True))
    if query.publisher:
        stmt = stmt.where(Report.agency.contains(query.publisher, autoescape=True))
    if query.site:
        stmt = stmt.where(Report.site_id == query.site)
    if query.year is not None:
        stmt = stmt.where(Report.year == query.year)
    if query.on_time in ("yes", "no"):
        stmt = stmt.where(Report.on_time.is_(query.on_time == "yes"))
    elif query.on_time == "unknown":
        stmt = stmt.where(Report.on_time.is_(None))
    if query.complete in ("yes", "no"):
        stmt = stmt.where(Report.complete.is_(query.complete == "yes"))
    if query.indicator:
        stmt = stmt.where(
            exists().where(
                IndicatorValue.report_id == Report.id,
                IndicatorValue.version_id == Report.latest_version_id,
                IndicatorValue.key == query.indicator,
            )
        )
    return stmt


def search_reports(
    session: Session, query: ReportQuery, paginate: bool = True
) -> tuple[list[dict[str, Any]], int]:
    """One page of reports matching ``query`` (rows as ``storage.reports.report_row``) and the total."""
    # A CTE used twice (page and total) is computed once: the text filter is the expensive part.
    ids = _filtered(session, query).cte("matched")
    total_q = select(func.count()).select_from(ids).scalar_subquery()
    column = SORTS.get(query.sort, Report.year)
    order = column.desc().nulls_last() if query.desc else column.asc().nulls_last()
    versions = (
        select(func.count(Version.id))
        .where(Version.document_id == Report.document_id)
        .correlate(Report)
        .scalar_subquery()
    )
    stmt = (
        select(Report, Document.url, versions, total_q)
        .join(Document, Document.id == Report.document_id)
        .where(Report.id.in_(select(ids.c.id)))
        .order_by(order, Report.id.desc())
    )
    if paginate:
        stmt = stmt.offset((query.page - 1) * query.per_page).limit(query.per_page)
    result = session.execute(stmt).all()
    rows = [report_row(r, url, n) for r, url, n, _ in result]
    total = result[0][3] if result else session.scalar(select(func.count()).select_from(ids)) or 0
    if query.terms and paginate:
        snippets = report_snippets(session, [r["id"] for r in rows], query.terms)
        for row in rows:
            row["snippet"] = snippets.get(row["id"], "")
    return rows, total


def report_snippets(
    session: Session, report_ids: list[int], terms: list[str], width: int = 40
) -> dict[int, str]:
    """Around the first occurrence of the first term found in each report's latest text."""
    if not report_ids:
        return {}
    stmt = (
        select(Report.id, Version.text)
        .join(Version, Version.id == Report.latest_version_id)
        .where(Report.id.in_(report_ids))
    )
    out: dict[int, str] = {}
    for report_id, body in session.execute(stmt):
        lowered = (body or "").lower()
        hits = [lowered.find(t.lower()) for t in terms if t.lower() in lowered]
        if hits:
            start = max(0, min(hits) - width)
            out[report_id] = (
                ("…" if start else "") + body[start : min(hits) + width * 2].replace("\n", " ") + "…"
            )
    return out


# ---------------------------------------------------------------- overview


def region_counts(session: Session, depth: int = 6) -> list[dict[str, Any]]:
    """Sites and reports per region, grouped by the region's first ``depth`` characters (省+市)."""
    sites = session.execute(select(Site.region, func.count(Site.id)).group_by(Site.region)).all()
    reports = session.execute(select(Report.region, func.count(Report.id)).group_by(Report.region)).all()
    out: dict[str, dict[str, Any]] = {}
    for region, n in sites:
        out.setdefault((region or "")[:depth] or "未填地区", {"sites": 0, "reports": 0})["sites"] += n
    for region, n in reports:
        out.setdefault((region or "")[:depth] or "未填地区", {"sites": 0, "reports": 0})["reports"] += n
    return [{"region": k, **v} for k, v in sorted(out.items())]


def season_year(today: date) -> int:
    """The report year the current publication season is about (last year's report)."""
    return today.year - 1


def attention_sites(session: Session) -> list[dict[str, Any]]:
    """Sites failing or blocked, never crawled successfully, or whose crawl may have missed reports
    (未发现报告 / 可能遗漏, storage/health.py), with why."""
    rows = session.scalars(
        select(Site)
        .where(
            Site.enabled.is_(True),
            or_(
                Site.state.in_(("failing", "blocked")),
                Site.baseline_done.is_(False),
                Site.verdict.in_(SUSPECT_VERDICTS),
            ),
        )
        .order_by(Site.id)
    )
    return [site_health_row(s, None, 0) for s in rows]


def newest_reports(session: Session, limit: int = 10) -> list[dict[str, Any]]:
    rows, _ = search_reports(session, ReportQuery(sort="first_seen", per_page=limit))
    return rows


# ---------------------------------------------------------------- sites


STATE_REASONS = {
    "new": "尚未成功抓取，报告缺失无法判断",
    "ok": "最近一次抓取正常",
    "failing": "连续抓取失败",
    "blocked": "被网站拦截（验证码、403 或限流）",
}


def next_crawl(site: Site) -> datetime | None:
    """When the scheduler runs the site next by its interval (cron sites: None, shown as the cron)."""
    if site.cron or not site.enabled:
        return None
    if site.last_crawl_at is None:
        return datetime.now(UTC)
    return site.last_crawl_at + timedelta(seconds=site.interval_seconds)


def site_health_row(site: Site, run: CrawlRun | None, reports: int, pending: bool = False) -> dict[str, Any]:
    return {
        "id": site.id,
        "name": site.name,
        "region": site.region,
        "enabled": site.enabled,
        "state": display_state(site.state, site.verdict),
        "reason": site.last_error
        or (site.verdict_reason if site.verdict in SUSPECT_VERDICTS else None)
        or STATE_REASONS.get(site.state, ""),
        "consecutive_failures": site.consecutive_failures,
        "start_urls": list(site.start_urls or []),
        "last_crawl_at": site.last_crawl_at.isoformat() if site.last_crawl_at else None,
        "next_crawl_at": (n.isoformat() if (n := next_crawl(site)) else None),
        "cron": site.cron,
        "last_pages": (run.stats or {}).get("pages") if run else None,
        "last_status": run.status if run else None,
        "reports": reports,
        "recrawl_pending": pending,
    }


def site_health(session: Session, site_id: str | None = None) -> list[dict[str, Any]]:
    counts, runs = report_counts(session), last_runs(session)
    pending = set(session.scalars(select(RecrawlRequest.site_id).where(RecrawlRequest.picked_at.is_(None))))
    stmt = select(Site).order_by(Site.region, Site.id)
    if site_id:
        stmt = stmt.where(Site.id == site_id)
    return [
        site_health_row(s, runs.get(s.id), counts.get(s.id, 0), s.id in pending)
        for s in session.scalars(stmt)
    ]


# ---------------------------------------------------------------- coverage


def _publisher_kinds(session: Session) -> dict[tuple[str, str], str]:
    return {
        (site.id, p.name): p.kind for site in session.scalars(select(Site)) for p in expected_publishers(site)
    }


def default_years(session: Session, today: date, span: int = 4) -> list[int]:
    """The last ``span`` report years up to the one whose season runs now."""
    last = season_year(today)
    return list(range(last - span + 1, last + 1))


def coverage_matrix(
    session: Session,
    years: list[int],
    region: str | None = None,
    kind: str | None = None,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """One row per (site, publisher), grouped by region: ``cells[year]`` is the coverage row of that year
    (status on_time/late/published/missing/not_due/unchecked, report, deadline) with an ``explain`` text."""
    today = today or datetime.now(UTC).date()
    kinds = _publisher_kinds(session)
    sites = {s.id: s for s in session.scalars(select(Site))}
    matrix: dict[tuple[str, str], dict[str, Any]] = {}
    for year in years:
        for row in coverage(session, year, region, today):
            # Reports by bodies the site does not expect are listed as such, never credited (storage/coverage.py).
            pub_kind = kinds.get((row["site"], row["publisher"]), "") if row["expected"] else "other"
            if kind and pub_kind != kind:
                continue
            entry = matrix.setdefault(
                (row["site"], row["publisher"]),
                {
                    "site": row["site"],
                    "site_name": row["site_name"],
                    "region": row["region"],
                    "publisher": row["publisher"],
                    "kind": pub_kind,
                    "expected": row["expected"],
                    "cells": {},
                },
            )
            entry["expected"] = entry["expected"] or row["expected"]
            row["explain"] = explain_cell(row, sites.get(row["site"]), year, today)
            entry["cells"][str(year)] = row
    return sorted(matrix.values(), key=lambda e: (e["region"], e["site"], not e["expected"], e["publisher"]))


def explain_cell(row: dict[str, Any], site: Site | None, year: int, today: date) -> str:
    """Why a cell has its status, in Chinese, for the coverage page."""
    crawled = (
        site.last_crawl_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
        if site and site.last_crawl_at
        else None
    )
    status, deadline = row["status"], row["deadline"]
    if status == "missing":
        seen = f"最近一次抓取 {crawled}（北京时间）" if crawled else "尚无成功抓取"
        return (
            f"{row['publisher']} 的 {year} 年度报告应于 {deadline} 前公开，"
            f"截至 {today.isoformat()} 未在 {row['site_name']} 找到；{seen}。"
        )
    if status == "not_due":
        return f"{year} 年度报告的公开截止日期 {deadline} 尚未到。"
    if status == "unchecked":
        reason = STATE_REASONS.get(site.state, "") if site else ""
        return f"站点 {row['site_name']} 尚未成功抓取过（{reason}），无法判断是否缺失。"
    if status == "late":
        return f"发布日期 {row['published_at'] or '-'} 晚于截止日期 {deadline}。"
    if status == "on_time":
        return f"发布日期 {row['published_at'] or '-'}，在截止日期 {deadline} 之前。"
    return f"已找到报告，但页面未标明发布日期（截止日期 {deadline}）。"


# ---------------------------------------------------------------- indicators


def indicator_pivot(session: Session, key: str, region: str | None = None) -> dict[str, Any]:
    """Publisher × year values of one indicator (each report's latest version). A publisher that states
    the key several times (different scopes) shows the first statement; all are in ``values``."""
    iv = IndicatorValue
    stmt = (
        select(
            Report.id,
            Report.site_id,
            Report.agency,
            Report.region,
            Report.year,
            iv.value,
            iv.unit,
            iv.scope,
            iv.period,
            iv.approx,
            iv.text,
        )
        .join(iv, and_(iv.report_id == Report.id, iv.version_id == Report.latest_version_id))
        .where(iv.key == key)
        .order_by(Report.region, Report.site_id, Report.agency, Report.year, iv.id)
    )
    if region:
        stmt = stmt.where(Report.region.startswith(region, autoescape=True))
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    values: list[dict[str, Any]] = []
    years: set[int] = set()
    names = (
        "report_id",
        "site",
        "agency",
        "region",
        "year",
        "value",
        "unit",
        "scope",
        "period",
        "approx",
        "text",
    )
    for row in session.execute(stmt):
        value = dict(zip(names, row, strict=True))
        values.append(value)
        if value["year"] is None:
            continue
        years.add(value["year"])
        entry = rows.setdefault(
            (value["site"], value["agency"] or ""),
            {"site": value["site"], "agency": value["agency"] or "", "region": value["region"], "years": {}},
        )
        entry["years"].setdefault(str(value["year"]), value)
    return {"key": key, "years": sorted(years), "rows": list(rows.values()), "values": values}


# ---------------------------------------------------------------- publishers


def publisher_reports(session: Session, site_id: str, agency: str) -> list[dict[str, Any]]:
    rows, _ = search_reports(session, ReportQuery(site=site_id, sort="year", per_page=MAX_PER_PAGE))
    return [r for r in rows if (r["agency"] or "") == agency]


def publisher_indicators(session: Session, site_id: str, agency: str) -> dict[str, list[dict[str, Any]]]:
    """Per indicator key: the publisher's values by year (latest versions; first statement per year)."""
    stmt = (
        select(Report.id, Report.year, IndicatorValue)
        .join(
            IndicatorValue,
            and_(
                IndicatorValue.report_id == Report.id, IndicatorValue.version_id == Report.latest_version_id
            ),
        )
        .where(
            Report.site_id == site_id, func.coalesce(Report.agency, "") == agency, Report.year.is_not(None)
        )
        .order_by(IndicatorValue.key, Report.year, IndicatorValue.id)
    )
    out: dict[str, dict[int | None, dict[str, Any]]] = {}
    for report_id, year, iv in session.execute(stmt):
        out.setdefault(iv.key, {}).setdefault(
            year, {"year": year, "value": iv.value, "unit": iv.unit, "report_id": report_id, "text": iv.text}
        )
    return {key: list(by_year.values()) for key, by_year in out.items()}


def list_publishers(session: Session) -> list[dict[str, Any]]:
    agency = func.coalesce(Report.agency, "").label("agency")
    stmt = (
        select(Report.site_id, agency, Report.region, func.count(Report.id), func.max(Report.year))
        .group_by(Report.site_id, agency, Report.region)
        .order_by(Report.region, Report.site_id, agency)
    )
    return [
        {"site": s, "agency": a, "region": r, "reports": n, "latest_year": y}
        for s, a, r, n, y in session.execute(stmt)
    ]


# ---------------------------------------------------------------- events


def list_events(
    session: Session,
    kind: str | None = None,
    site: str | None = None,
    report_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Newest first, filtered; each with its deliveries (subscription, target index, status)."""
    stmt = select(Event)
    if kind:
        stmt = stmt.where(Event.kind == kind)
    if site:
        stmt = stmt.where(Event.site_id == site)
    if report_id is not None:
        stmt = stmt.where(Event.report_id == report_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    events = list(session.scalars(stmt.order_by(Event.id.desc()).offset(offset).limit(limit)))
    deliveries = _deliveries(session, [e.id for e in events])
    return [
        {
            "id": e.id,
            "kind": e.kind,
            "site_id": e.site_id,
            "report_id": e.report_id,
            "created_at": e.created_at.isoformat(),
            "payload": e.payload,
            "deliveries": deliveries.get(e.id, []),
        }
        for e in events
    ], total


def _deliveries(session: Session, event_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Raw target URLs are returned: callers must mask them (they are secrets)."""
    if not event_ids:
        return {}
    stmt = (
        select(OutboxItem, Subscription)
        .join(Subscription, Subscription.id == OutboxItem.subscription_id)
        .where(OutboxItem.event_id.in_(event_ids))
        .order_by(OutboxItem.id)
    )
    out: dict[int, list[dict[str, Any]]] = {}
    for item, sub in session.execute(stmt):
        out.setdefault(item.event_id, []).append(
            {
                "subscription_id": sub.id,
                "subscription": sub.name,
                "url": sub.urls[item.target] if item.target < len(sub.urls) else "",
                "status": item.status,
                "attempts": item.attempts,
                "last_error": item.last_error,
                "sent_at": item.sent_at.isoformat() if item.sent_at else None,
            }
        )
    return out


def event_kinds_present(session: Session) -> list[str]:
    return list(session.scalars(select(Event.kind).distinct().order_by(Event.kind)))


def pending_recrawls(session: Session, site_id: str) -> int:
    return (
        session.scalar(
            select(func.count(RecrawlRequest.id)).where(
                RecrawlRequest.site_id == site_id, RecrawlRequest.picked_at.is_(None)
            )
        )
        or 0
    )


def overdue_publishers(session: Session, today: date) -> list[dict[str, Any]]:
    """This season's publishers without a report past the deadline, and reports published late.

    Missing: the ``report_overdue`` events of the daemon's hourly check (``fzwatch coverage --check``
    without a daemon) for each site's latest due year, unless a report by that publisher has appeared
    on the site since. Late: that year's reports with ``on_time`` false. Both are cheap, unlike
    recomputing coverage for every site on the front page."""
    sites = {s.id: s for s in session.scalars(select(Site).where(Site.enabled.is_(True)))}
    due = {site_id: latest_due_year(site, today) for site_id, site in sites.items()}
    has_report = _report_holders(session, set(due.values()))
    out: list[dict[str, Any]] = []
    for event in session.scalars(select(Event).where(Event.kind == "report_overdue").order_by(Event.id)):
        p = event.payload
        site = sites.get(event.site_id or "")
        if (
            site is None
            or p.get("year") != due[site.id]
            or has_report(site, p.get("agency", ""), p["year"], not p.get("expected"))
        ):
            continue
        out.append(
            {
                "site": site.id,
                "site_name": site.name,
                "region": site.region,
                "publisher": p.get("agency"),
                "year": p["year"],
                "deadline": p.get("deadline"),
                "status": "missing",
                "report_id": None,
            }
        )
    late = select(Report).where(Report.on_time.is_(False), Report.year.in_(set(due.values()) or {0}))
    for report in session.scalars(late.order_by(Report.region, Report.id)):
        site = sites.get(report.site_id)
        if site is None or report.year != due[site.id]:
            continue
        out.append(
            {
                "site": site.id,
                "site_name": site.name,
                "region": report.region,
                "publisher": report.agency or site.name,
                "year": report.year,
                "deadline": site_deadline(site, report.year).isoformat(),
                "status": "late",
                "report_id": report.id,
            }
        )
    return out


def _report_holders(session: Session, years: set[int]) -> Callable[[Site, str, int, bool], bool]:
    """Whether a report by a publisher for a year is stored: for the site's own publisher any report of the
    site (approximately what coverage does), for a registry publisher one naming it on any site. One query
    for all overdue events (one per event loaded the year's reports again and again at 3,000 sites)."""
    rows = session.execute(
        select(Report.site_id, Report.agency, Report.year).where(Report.year.in_(years or {0}))
    )
    by_site: set[tuple[str, int]] = set()
    by_publisher: set[tuple[str, int]] = set()
    for site_id, agency, year in rows:
        by_site.add((site_id, year))
        if agency:
            by_publisher.add((agency, year))

    def has_report(site: Site, publisher: str, year: int, own: bool) -> bool:
        return (site.id, year) in by_site if own else bool(publisher) and (publisher, year) in by_publisher

    return has_report
