"""Sites: registry upserts, health after each crawl, crawl runs, manual recrawl requests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from storage.errors import UnknownSite
from storage.events import emit_event
from storage.health import judge_site
from storage.models import CrawlRun, Document, Event, RecrawlRequest, Report, Site, utcnow
from storage.owners import owner_dead, owner_token

# Site health has hysteresis so a flapping site alerts once per episode, not once per crawl:
# the alarm (site_failing/site_blocked) is raised when FAILURES_BEFORE_ALERT of the last ALERT_WINDOW
# crawls failed, and ended (site_recovered) only after SUCCESSES_BEFORE_RECOVERED ok crawls in a row.
FAILURES_BEFORE_ALERT = 3
ALERT_WINDOW = 5
SUCCESSES_BEFORE_RECOVERED = 2
_ALARM_STATES = ("failing", "blocked")


def upsert_site(session: Session, spec: dict[str, Any]) -> tuple[Site, bool]:
    """Create or update a site by id from a registry entry. Returns (site, created)."""
    site = session.get(Site, spec["id"])
    created = site is None
    if site is None:
        site = Site(id=spec["id"])
        session.add(site)
    site.name = spec["name"]
    site.region = spec.get("region", "") or ""
    site.start_urls = list(spec["start_urls"])
    site.interval_seconds = int(spec.get("interval_seconds") or 86400)
    site.cron = spec.get("cron")
    site.options = dict(spec.get("options") or {})
    site.enabled = bool(spec.get("enabled", True))
    session.flush()
    return site, created


def get_site(session: Session, site_id: str) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise UnknownSite(f"unknown site '{site_id}' (see `fzwatch sites list`)")
    return site


def list_sites(session: Session, enabled_only: bool = False) -> list[Site]:
    stmt = select(Site).order_by(Site.id)
    if enabled_only:
        stmt = stmt.where(Site.enabled.is_(True))
    return list(session.scalars(stmt))


def remove_site(session: Session, site_id: str) -> None:
    session.delete(get_site(session, site_id))


def report_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(Report.site_id, func.count(Report.id)).group_by(Report.site_id))
    return {site_id: n for site_id, n in rows}


def last_runs(session: Session) -> dict[str, CrawlRun]:
    latest = select(func.max(CrawlRun.id)).group_by(CrawlRun.site_id)
    return {run.site_id: run for run in session.scalars(select(CrawlRun).where(CrawlRun.id.in_(latest)))}


def start_run(session: Session, site_id: str, trigger: str) -> CrawlRun:
    run = CrawlRun(site_id=site_id, trigger=trigger, owner=owner_token())
    session.add(run)
    session.flush()
    return run


def running_elsewhere(session: Session, site_id: str, within: timedelta) -> bool:
    """A live process is crawling this site (a run started less than `within` ago whose owner lives).

    Runs whose owner died are closed as abandoned on the way."""
    cutoff = utcnow() - within
    busy = False
    for run in session.scalars(
        select(CrawlRun).where(CrawlRun.site_id == site_id, CrawlRun.status == "running")
    ):
        if owner_dead(run.owner) or run.started_at < cutoff:
            run.status, run.finished_at, run.error = (
                "abandoned",
                utcnow(),
                "crawl process ended without closing",
            )
        else:
            busy = True
    return busy


def set_run_owner(session: Session, run_id: int, pid: int) -> None:
    session.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(owner=owner_token(pid)))


def abandon_stale_runs(session: Session, older_than: timedelta) -> int:
    """Runs left 'running' by a killed process are closed as abandoned."""
    cutoff = utcnow() - older_than
    result = session.execute(
        update(CrawlRun)
        .where(CrawlRun.status == "running", CrawlRun.started_at < cutoff)
        .values(status="abandoned", finished_at=utcnow(), error="process ended before the crawl finished")
    )
    return result.rowcount or 0


def unfinished_sites(session: Session) -> set[str]:
    """Sites whose latest run was interrupted or abandoned: crawl them again at once."""
    return {
        site_id for site_id, run in last_runs(session).items() if run.status in ("interrupted", "abandoned")
    }


def finish_run(
    session: Session, run_id: int, status: str, stats: dict[str, Any], error: str | None = None
) -> None:
    """Close a run and update the site's health; failing/blocked/recovered are said once per episode."""
    run = session.get(CrawlRun, run_id)
    assert run is not None
    stats = compact_stats(stats)
    run.status, run.stats, run.error, run.finished_at = status, stats, error, utcnow()
    site = get_site(session, run.site_id)
    if status in ("interrupted", "abandoned"):
        return  # neither success nor failure; the scheduler runs the site again soon
    site.last_crawl_at = run.finished_at
    if status == "ok":
        _mark_healthy(session, site)
        if "escalation" in stats:  # the spider's record: may a working crawl have missed reports?
            verdict = judge_site(session, site, stats)
            run.stats = {**stats, "verdict": verdict.verdict, "verdict_reason": verdict.reason}
    else:
        _mark_unhealthy(session, site, status, error)


def _recent_outcomes(session: Session, site_id: str, n: int) -> list[str]:
    """Statuses of the site's last ``n`` finished crawls (ok/failed/blocked), newest first."""
    return list(
        session.scalars(
            select(CrawlRun.status)
            .where(CrawlRun.site_id == site_id, CrawlRun.status.in_(("ok", "failed", "blocked")))
            .order_by(CrawlRun.id.desc())
            .limit(n)
        )
    )


def _last_alarm(session: Session, site_id: str) -> Event | None:
    return session.scalars(
        select(Event)
        .where(Event.site_id == site_id, Event.kind.in_(("site_failing", "site_blocked")))
        .order_by(Event.id.desc())
        .limit(1)
    ).first()


def _mark_healthy(session: Session, site: Site) -> None:
    site.consecutive_failures = 0
    site.baseline_done = True
    if site.state not in _ALARM_STATES:
        site.state, site.last_error = "ok", None
        return
    recent = _recent_outcomes(session, site.id, SUCCESSES_BEFORE_RECOVERED)
    if len(recent) < SUCCESSES_BEFORE_RECOVERED or any(x != "ok" for x in recent):
        return  # one good crawl of a flapping site is not a recovery yet
    alarm = _last_alarm(session, site.id)
    failures = None
    if alarm is not None:
        later = session.scalar(
            select(func.count(CrawlRun.id)).where(
                CrawlRun.site_id == site.id,
                CrawlRun.status.in_(("failed", "blocked")),
                CrawlRun.finished_at > alarm.created_at,
            )
        )
        failures = int(alarm.payload.get("failures") or 0) + int(later or 0)
    payload = {
        "site_id": site.id,
        "site_name": site.name,
        "region": site.region,
        "since": alarm.payload.get("since") if alarm else None,
        "failures": failures,
    }
    emit_event(
        session, "site_recovered", site, payload, dedup_key=f"recovered:{site.id}:{utcnow().isoformat()}"
    )
    site.state, site.last_error = "ok", None


def _mark_unhealthy(session: Session, site: Site, status: str, error: str | None) -> None:
    site.consecutive_failures += 1
    site.last_error = error
    if site.state in _ALARM_STATES:
        return  # already said; a blocked/failing switch inside an episode is not news
    recent = _recent_outcomes(session, site.id, ALERT_WINDOW)
    failures = sum(1 for x in recent if x != "ok")
    if failures < FAILURES_BEFORE_ALERT:
        return
    kind = "site_blocked" if status == "blocked" else "site_failing"
    site.state = "blocked" if status == "blocked" else "failing"
    since = utcnow().isoformat()
    payload = {
        "site_id": site.id,
        "site_name": site.name,
        "region": site.region,
        "error": error,
        "since": since,
        "failures": max(failures, site.consecutive_failures),
    }
    emit_event(session, kind, site, payload, dedup_key=f"{kind}:{site.id}:{since}")


def request_recrawl(session: Session, site_id: str) -> RecrawlRequest:
    get_site(session, site_id)
    req = RecrawlRequest(site_id=site_id)
    session.add(req)
    session.flush()
    return req


def take_recrawl_requests(session: Session) -> list[str]:
    """Mark pending recrawl requests as picked; return their site ids (deduplicated, in order)."""
    pending = list(session.scalars(select(RecrawlRequest).where(RecrawlRequest.picked_at.is_(None))))
    now = utcnow()
    for req in pending:
        req.picked_at = now
    return list(dict.fromkeys(req.site_id for req in pending))


def requeue_unserved_recrawls(session: Session, within: timedelta = timedelta(days=1)) -> int:
    """Requests a killed daemon had taken but never started a crawl for become pending again."""
    requeued = 0
    recent = select(RecrawlRequest).where(RecrawlRequest.picked_at >= utcnow() - within)
    for req in session.scalars(recent):
        served = session.scalar(
            select(func.count(CrawlRun.id)).where(
                CrawlRun.site_id == req.site_id, CrawlRun.started_at >= req.picked_at
            )
        )
        if not served:
            req.picked_at = None
            requeued += 1
    return requeued


def known_documents(session: Session, site_id: str) -> dict[str, dict[str, Any]]:
    """Per known URL: validators and whether it is a report, for conditional GET and revisit decisions."""
    rows = session.execute(
        select(
            Document.url, Document.etag, Document.last_modified, Document.is_report, Document.last_fetched
        ).where(Document.site_id == site_id)
    )
    return {
        url: {"etag": etag, "last_modified": lm, "is_report": is_report, "last_fetched": last_fetched}
        for url, etag, lm, is_report, last_fetched in rows
    }


def touch_document(session: Session, url: str, fetched_at: datetime) -> None:
    """A 304 (or identical body): the page is still there."""
    session.execute(
        update(Document).where(Document.url == url).values(last_seen=fetched_at, last_fetched=fetched_at)
    )


def prune_runs(session: Session, keep_days: int = 90, chunk: int = 5000) -> int:
    """Crawl-run history is bounded (one chunk of at most ``chunk`` rows per call: the caller commits between
    chunks so that crawls writing meanwhile wait only for one); versions (the product) are kept forever.
    Each site's latest run is kept, however old: `sites list` and the dashboard show it."""
    cutoff = utcnow() - timedelta(days=keep_days)
    latest = select(func.max(CrawlRun.id)).group_by(CrawlRun.site_id)
    old = (
        select(CrawlRun.id)
        .where(CrawlRun.finished_at < cutoff, CrawlRun.id.not_in(latest))
        .order_by(CrawlRun.id)
        .limit(chunk)
    )
    ids = list(session.scalars(old))
    if not ids:
        return 0
    return session.execute(delete(CrawlRun).where(CrawlRun.id.in_(ids))).rowcount or 0


# What a crawl run keeps of Scrapy's stats (~1.4 KB a run, 60 % of a 90-day database, issue 14): our own
# counters and the few Scrapy figures that say how a crawl went. `sites list`, the dashboard and health read
# the summary fields (pages, escalation, verdict), which are kept whole.
_KEPT_SCRAPY_STATS = frozenset(
    {
        "finish_reason",
        "elapsed_time_seconds",
        "downloader/request_count",
        "downloader/response_count",
        "downloader/response_bytes",
        "downloader/exception_count",
        "retry/count",
        "retry/max_reached",
        "robotstxt/forbidden",
        "playwright/browser_count",
        "memusage/max",
    }
)


def compact_stats(stats: dict[str, Any]) -> dict[str, Any]:
    """The crawl record without Scrapy's verbose counters (per-status, per-exception, scheduler, log counts)."""
    scrapy = stats.get("stats")
    if not isinstance(scrapy, dict):
        return stats
    kept = {k: v for k, v in scrapy.items() if k.startswith("fzwatch/") or k in _KEPT_SCRAPY_STATS}
    return {**stats, "stats": kept}
