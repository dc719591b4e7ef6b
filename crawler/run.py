"""Run crawls of registered sites with Scrapy's CrawlerProcess, and record each run in storage.

Twisted's reactor runs once per process, so the daemon runs every crawl in a child process
(`python -m crawler.run SITE --run-id N`), which also lets it kill a crawl that hangs.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.utils.ossignal import install_shutdown_handlers
from scrapy.utils.project import get_project_settings

from crawler.logformatter import install_one_line_filter
from crawler.outcomes import describe
from crawler.parsepool import close_shared_pool
from crawler.render import js_render_settings
from crawler.stopping import STOPPED_STAT, stop_crawl
from storage.database import Database
from storage.models import Site
from storage.sites import finish_run, running_elsewhere, start_run

logger = logging.getLogger(__name__)


@dataclass
class CrawlSummary:
    site_id: str
    run_id: int
    status: str = "running"  # ok | failed | blocked | interrupted | skipped (another process crawls it)
    pages: int = 0
    bytes: int = 0
    reports_seen: int = 0
    new_reports: int = 0
    revisions: int = 0
    not_modified: int = 0
    errors: int = 0
    cut: int = 0
    # What escalation saw and did (crawler/escalation.py); verdict and reason set by storage/health.py.
    escalation: dict[str, Any] = field(default_factory=dict)
    verdict: str | None = None
    verdict_reason: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)


# The close reason of a crawl cut at its timeout by crawler/worker.py.
TIMEOUT_REASON = "fzwatch_timeout"

ProgressFn = Callable[[str, int, int], None]  # (site id, pages fetched, reports seen)


def crawl_status(stats: dict[str, Any]) -> str:
    """A crawl whose start pages were all blocked or unreachable is not 'ok': it proves nothing."""
    if stats.get("finish_reason") == "shutdown" or (
        stats.get(STOPPED_STAT) and stats.get("finish_reason") in ("finished", None)
    ):
        # Stopped by a signal: proves nothing either way, crawled again soon. A crawl whose downloads were
        # dropped by a stop and that then ran dry reads "finished", but it saw only part of the site; one
        # stopped before its engine ran has no finish reason at all.
        return "interrupted"
    if stats.get("finish_reason") == TIMEOUT_REASON:
        return "failed"  # cut by crawler/worker.py after the crawl timeout: the site hangs or is too big
    starts = stats.get("fzwatch/start_pages", 1)
    if stats.get("fzwatch/start_blocked", 0) >= starts:
        return "blocked"
    if stats.get("fzwatch/start_failed", 0) >= starts or not stats.get("downloader/response_count"):
        return "failed"
    return "ok"


def summarize(
    site_id: str, run_id: int, stats: dict[str, Any], escalation: dict[str, Any] | None = None
) -> CrawlSummary:
    clean = {k: v for k, v in stats.items() if isinstance(v, (int, float, str))}
    return CrawlSummary(
        site_id=site_id,
        run_id=run_id,
        status=crawl_status(stats),
        escalation=escalation or {},
        pages=stats.get("downloader/response_count", 0),
        bytes=stats.get("downloader/response_bytes", 0),
        reports_seen=stats.get("fzwatch/reports_seen", 0),
        new_reports=stats.get("fzwatch/events/new_report", 0),
        revisions=stats.get("fzwatch/events/report_revised", 0),
        not_modified=stats.get("fzwatch/not_modified", 0),
        errors=stats.get("fzwatch/errors", 0),
        cut=sum(v for k, v in stats.items() if k.startswith("fzwatch/cut_")),
        stats=clean,
    )


def crawl_sites(
    site_ids: list[str],
    db_url: str | None,
    trigger: str = "manual",
    run_ids: dict[str, int] | None = None,
    progress: ProgressFn | None = None,
    settings_overrides: dict[str, Any] | None = None,
) -> list[CrawlSummary]:
    """Crawl the sites concurrently in this process (once per process) and close their runs."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    if db_url:
        settings.set("FZWATCH_DB", db_url)
    for key, value in (settings_overrides or {}).items():
        settings.set(key, value)
    db = Database(settings.get("FZWATCH_DB"))
    run_ids = dict(run_ids or {})
    stale_after = timedelta(seconds=settings.getfloat("FZWATCH_CRAWL_TIMEOUT"))
    skipped = []
    with db.transaction() as session:
        for site_id in site_ids:
            if site_id in run_ids:
                continue
            if running_elsewhere(session, site_id, stale_after):
                skipped.append(CrawlSummary(site_id=site_id, run_id=0, status="skipped"))
                continue
            run_ids[site_id] = start_run(session, site_id, trigger).id
        wants_js = _wants_js(session, [s for s in site_ids if s in run_ids])
    site_ids = [s for s in site_ids if s in run_ids]
    if not site_ids:
        return skipped
    # Chromium, when present, is always at hand: shells are rendered without `render: js` (issue 9).
    settings.setdict(js_render_settings(warn=wants_js) or {}, priority="cmdline")
    process = CrawlerProcess(settings)
    install_one_line_filter()
    # The spider logs one line per failed fetch with its reason; Scrapy's own retry/robots lines repeat it.
    for noisy in ("scrapy.downloadermiddlewares.retry", "scrapy.downloadermiddlewares.robotstxt"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    crawlers = {}
    for site_id in site_ids:
        crawler = process.create_crawler("portal")
        _watch_progress(crawler, site_id, progress)
        crawlers[site_id] = crawler
        process.crawl(crawler, site=site_id, db=settings.get("FZWATCH_DB"), run_id=str(run_ids[site_id]))
    install_shutdown_handlers(_stop_on_signal(list(crawlers.values())))
    process.start(install_signal_handlers=False)
    close_shared_pool()
    summaries = []
    with db.transaction() as session:
        for site_id, crawler in crawlers.items():
            summaries.append(finish_crawl(session, site_id, run_ids[site_id], crawler))
    db.dispose()
    return skipped + summaries


def _stop_on_signal(crawlers: list[Any]) -> Callable[[int, Any], None]:
    """SIGTERM/SIGINT: stop every crawl as the crawl worker does (crawler.stopping.stop_crawl: queued
    downloads dropped, a crawl still starting stopped once its engine starts, runs `interrupted`); Scrapy's
    own handler would download every queued request first, and a crawl it stopped while starting ran on.
    A second signal stops the reactor at once."""

    def handler(signum: int, _frame: Any) -> None:
        # Imported here, not at the top: importing the reactor before CrawlerProcess installs Scrapy's
        # asyncio reactor would install Twisted's default one instead.
        from twisted.internet import reactor

        def stop_reactor() -> None:
            if reactor.running:
                reactor.stop()

        logger.info("signal %d: stopping %d crawls", signum, len(crawlers))
        install_shutdown_handlers(lambda *_: reactor.callFromThread(stop_reactor))
        for crawler in crawlers:
            reactor.callFromThread(stop_crawl, crawler)

    return handler


def finish_crawl(session: Any, site_id: str, run_id: int, crawler: Any) -> CrawlSummary:
    """Close the run of one finished Scrapy crawler (crawl_sites, crawler/worker.py)."""
    summary = summarize(site_id, run_id, crawler.stats.get_stats() or {}, _escalation(crawler))
    error = _error_text(summary)
    finish_run(session, run_id, summary.status, asdict(summary) | {"stats": summary.stats}, error)
    site = session.get(Site, site_id)
    if site is not None and summary.status == "ok":
        summary.verdict, summary.verdict_reason = site.verdict, site.verdict_reason
    return summary


def _escalation(crawler: Any) -> dict[str, Any]:
    escalator = getattr(crawler.spider, "escalation", None)
    return escalator.record() if escalator is not None else {}


def _wants_js(session: Any, site_ids: list[str]) -> bool:
    """Any site marked `options.render: js` (its pages then go through Chromium when available)."""
    sites = [session.get(Site, site_id) for site_id in site_ids]
    return any(site is not None and (site.options or {}).get("render") == "js" for site in sites)


def _watch_progress(crawler: Any, site_id: str, progress: ProgressFn | None) -> None:
    if progress is None:
        return

    def on_response(response: Any, request: Any, spider: Any) -> None:
        stats = crawler.stats
        progress(
            site_id,
            stats.get_value("downloader/response_count", 0),
            stats.get_value("fzwatch/reports_seen", 0),
        )

    crawler.signals.connect(on_response, signal=signals.response_received, weak=False)


def _error_text(summary: CrawlSummary) -> str | None:
    if summary.stats.get("finish_reason") == TIMEOUT_REASON:
        return (
            f"crawl cut after its {summary.stats.get('fzwatch/timeout_seconds', 0):.0f}s timeout "
            f"({summary.pages} pages fetched)"
        )
    if summary.status == "blocked":
        kinds = [k.rsplit("/", 1)[-1] for k in summary.stats if k.startswith("fzwatch/blocked/")]
        return "blocked by an anti-bot challenge (" + ", ".join(kinds or ["unknown"]) + ")"
    if summary.status == "failed":
        refused = summary.stats.get("fzwatch/start_refused")
        if refused:
            return f"start pages refused by the network policy: {refused}"
        return f"start pages unreachable: {describe(summary.stats.get('fzwatch/start_error'))}"
    return None


def die_with_parent() -> None:
    """Linux: a crawl started by the daemon gets SIGTERM (a clean Scrapy stop) when the daemon dies, so no
    orphan crawl races the restarted daemon. Set here, in the child, not via preexec_fn (unsafe with threads)."""
    parent = os.environ.get("FZWATCH_PARENT_PID")
    if not parent:
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != int(parent):  # the daemon died before we got here
        os.kill(os.getpid(), signal.SIGTERM)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Crawl one registered site (used by the daemon's runner).")
    parser.add_argument("site")
    parser.add_argument("--db")
    parser.add_argument("--run-id", type=int)
    parser.add_argument("--trigger", default="schedule")
    args = parser.parse_args(argv)
    die_with_parent()
    run_ids = {args.site: args.run_id} if args.run_id else None
    [summary] = crawl_sites([args.site], args.db, args.trigger, run_ids)
    print(json.dumps(asdict(summary) | {"stats": {}}, ensure_ascii=False), flush=True)
    return 0 if summary.status == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
