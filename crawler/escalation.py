"""A safety net for the normal walk: notice when a crawl may have missed something, and escalate.

The normal walk (crawler/spiders/portal.py) follows promising channels only. When it is done (Scrapy's
`spider_idle`), `Escalator` looks at what it saw (`WalkObserver`):

- **no_report**: no report found in this crawl and none known for the site;
- **silent_channel**: a report-like channel (法治政府建设…/年度报告/依法行政) that never led to a report;
- **shells**: the site's pages are JavaScript shells (little text, scripts, no usable links).

Any of these escalates, tier by tier, stopping at the first tier that finds a report:

1. **render** — the start pages and report-like channels through Chromium (scrapy-playwright; skipped with
   a recorded reason when no browser is available);
2. **bfs** — a breadth-first pass over every in-site link to FZWATCH_ESCALATION_BFS_DEPTH, with its own
   budget (FZWATCH_ESCALATION_BFS_BUDGET), keeping pages whose link text or classification says report;
3. **search** — the site search (TRS was5, Hanweb jrobot, 开普 igs, `options.search_url`).

Each tier's pages and reports are counted (`fzwatch/escalation/<tier>/pages|reports`) and the whole record
goes on the crawl run (`CrawlSummary.escalation`), where storage/health.py turns it into the site's verdict.
An escalation that found nothing is not repeated for FZWATCH_ESCALATION_DAYS unless the triggers change,
so an unchanged recrawl stays cheap.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.http import Request, Response

from crawler.guards import TrapGuards
from crawler.items import StoredPage
from crawler.visits import NOT_FOUND_STATUSES, response_headers
from parsers.listing import (
    PRIORITY_DETAIL,
    PRIORITY_FZZF_CHANNEL,
    PRIORITY_NEWS_CHANNEL,
    PRIORITY_REPORT,
    Listing,
    canonical_url,
    link_priority,
    read_listing,
    search_url,
)
from parsers.shell import SHELL_MAX_TEXT, has_scripts, looks_like_shell, visible_text_length
from storage.models import utcnow

logger = logging.getLogger(__name__)

TIERS = ("render", "bfs", "search")


@dataclass
class WalkObserver:
    """What the normal walk met, gathered from Scrapy signals (the spider's callbacks stay as they are)."""

    known_reports: set[str]  # URLs of reports stored before this crawl
    start_keys: set[str]
    parents: dict[str, str] = field(default_factory=dict)  # page key -> the page that linked to it
    channels: set[str] = field(default_factory=set)  # report-like channels fetched in this crawl
    productive: set[str] = field(default_factory=set)  # pages that led to a report in this crawl
    report_urls: set[str] = field(default_factory=set)  # reports seen in this crawl (stored or 304)
    details: set[str] = field(default_factory=set)  # candidate pages fetched in this crawl
    known_confirmed: set[str] = field(default_factory=set)
    known_gone: set[str] = field(default_factory=set)
    list_pages: int = 0  # list pages answered with a body
    shell_pages: int = 0
    start_bodies: int = 0
    start_shells: int = 0

    def on_response(self, response: Response, request: Request) -> None:
        meta, key = request.meta, request.meta.get("key")
        if key is None:
            return  # robots.txt, attachments
        referer = request.headers.get(b"Referer")
        if referer and key not in self.parents:
            self.parents[key] = canonical_url(referer.decode("latin-1"))
        if meta.get("kind") == "detail":
            self._on_detail(key, response.status)
        elif meta.get("kind") == "list" and not meta.get("tier"):
            self._on_list(key, meta, response)

    def candidate_was_list(self, key: str, meta: dict[str, Any], response: Response) -> None:
        """A report-like link that led to a list (a channel named like the report): a report channel."""
        self.details.discard(key)
        self._on_list(
            key,
            {**meta, "root": None, "priority": max(meta.get("priority") or 0, PRIORITY_FZZF_CHANNEL)},
            response,
        )

    def _on_detail(self, key: str, status: int) -> None:
        self.details.add(key)
        if key not in self.known_reports:
            return
        if status in (200, 304):
            self.known_confirmed.add(key)
            self.report_urls.add(key)
        elif status in NOT_FOUND_STATUSES:
            self.known_gone.add(key)

    def _on_list(self, key: str, meta: dict[str, Any], response: Response) -> None:
        if not meta.get("is_start") and response.status in (200, 304) and is_report_channel(meta, key):
            self.channels.add(key)
        if response.status != 200:
            return
        shell = _is_shell(response)
        self.list_pages += 1
        self.shell_pages += shell
        if meta.get("is_start"):
            self.start_bodies += 1
            self.start_shells += shell

    def on_report(self, url: str) -> None:
        """A report was stored (or confirmed) at `url`: every page on the way to it was productive."""
        self.report_urls.add(url)
        seen = {url}
        page = self.parents.get(url)
        while page and page not in seen:
            self.productive.add(page)
            seen.add(page)
            page = self.parents.get(page)

    def silent_channels(self, remembered: dict[str, dict[str, Any]], led_before: set[str]) -> list[str]:
        """Report-like channels (this crawl's and remembered ones) that never led to a report
        (`led_before`: the channels that did in earlier crawls)."""
        old = {
            key
            for key, page in remembered.items()
            if page.get("kind") == "list" and key not in self.start_keys and is_report_channel(page, key)
        }
        productive = (
            self.productive | led_before | {k for k, page in remembered.items() if page.get("productive")}
        )
        return sorted(key for key in (old | self.channels) - productive if not self._holds_a_report(key))

    def productive_channels(self) -> list[str]:
        return sorted(key for key in self.channels if key in self.productive or self._holds_a_report(key))

    def _holds_a_report(self, channel: str) -> bool:
        """A report lives under the channel's folder (/zwgk/fzzf/202403/t….html under /zwgk/fzzf/): the
        channel led to it even when no Referer says so (a list API declared in the registry)."""
        folder = channel.rsplit("/", 1)[0] + "/"
        if urlsplit(folder).path.strip("/") == "":
            return False
        return any(url.startswith(folder) for url in self.report_urls | self.known_reports)

    def shells(self) -> bool:
        """The start pages (or most list pages) read without JavaScript are shells."""
        if self.start_bodies and self.start_shells == self.start_bodies:
            return True
        return self.list_pages > 0 and self.shell_pages * 2 > self.list_pages


def is_report_channel(page: dict[str, Any], key: str) -> bool:
    """The first page of a 法治政府建设 / 年度报告 / 依法行政 channel — not of a near-miss one such as
    政府信息公开工作年度报告 (`xxgknb`), which every portal has and which never holds our reports."""
    if page.get("root") is not None or (page.get("priority") or 0) < PRIORITY_FZZF_CHANNEL:
        return False
    segments = [s for s in urlsplit(key).path.lower().split("/") if s and "." not in s]
    last = segments[-1] if segments else ""
    return not (_NEAR_MISS_ANCHOR.search(page.get("anchor") or "") or _NEAR_MISS_SEGMENT.search(last))


# Channels named like a report that are not ours: 政府信息公开(工作)年度报告, 政府网站工作年度报表.
_NEAR_MISS_ANCHOR = re.compile(r"信息公开|网站")
_NEAR_MISS_SEGMENT = re.compile(r"xxgk|gknb|wzgz|wznb|ndbb")


class _BfsGuards(TrapGuards):
    """The trap guards with the breadth-first pass's own budget, whose end is counted apart
    (`fzwatch/cut_bfs_budget`), not as the walk's page budget."""

    def cut(self, reason: str, url: str, why: str = "") -> bool:
        return super().cut("bfs_budget" if reason == "budget" else reason, url, why)


@dataclass
class TierRecord:
    tier: str
    pages: int = 0
    reports: int = 0
    skipped: str | None = None  # why the tier did not run (no_browser, no_search_engine, …)


class Escalator:
    """Decides at the end of the normal walk whether to escalate, then runs the tiers one by one."""

    def __init__(self, spider: Any, crawler: Any, previous: dict[str, Any]) -> None:
        self.spider, self.crawler = spider, crawler
        settings = crawler.settings
        self.days = settings.getfloat("FZWATCH_ESCALATION_DAYS", 7.0)
        self.render_budget = settings.getint("FZWATCH_ESCALATION_RENDER_BUDGET", 30)
        self.bfs_depth = settings.getint("FZWATCH_ESCALATION_BFS_DEPTH", 3)
        self.bfs_guards = _BfsGuards(
            crawler,
            settings.getint("FZWATCH_ESCALATION_BFS_BUDGET", 150),
            settings.getint("FZWATCH_MAX_PER_PATTERN"),
            settings.getint("FZWATCH_MAX_CALENDAR", 10),
        )
        self.render_available = settings.getbool("FZWATCH_JS_RENDER")
        self.previous = previous  # {"escalated_at", "key", "report_channels"} from the site
        self.led_before = set(previous.get("report_channels") or [])
        known = {url for url, doc in spider.known.items() if doc.get("is_report")}
        self.observer = WalkObserver(known_reports=known, start_keys=set(spider.start_keys))
        self.decided = False
        self.triggers: list[dict[str, Any]] = []
        self.key = ""
        self.bounded_since: str | None = None
        self.queue: list[str] = []
        self.current: TierRecord | None = None
        self.records: list[TierRecord] = []
        self.rendered: set[str] = set()
        self.bfs_seen: set[str] = set()
        self.report_ids: set[int] = set()  # reports stored or updated in this crawl
        crawler.signals.connect(self._on_response, signal=signals.response_received)
        crawler.signals.connect(self._on_item, signal=signals.item_scraped)

    @property
    def active(self) -> bool:
        return bool(self.records)

    # -- observation -------------------------------------------------------------------------------------

    def _on_response(self, response: Response, request: Request, spider: Any) -> None:
        self.observer.on_response(response, request)
        tier = request.meta.get("tier")
        if tier:
            self.crawler.stats.inc_value(f"fzwatch/escalation/{tier}/pages")
            if self.current is not None and self.current.tier == tier:
                self.current.pages += 1

    def _on_item(self, item: Any, response: Any, spider: Any) -> None:
        """A stored page: a report (a republication of a known one has no report id) counts for the
        running tier once."""
        report_id = item.report_id if isinstance(item, StoredPage) else None
        if report_id is None:
            return
        self.observer.on_report(item.url)
        if self.current is not None and report_id not in self.report_ids:
            self.current.reports += 1
        self.report_ids.add(report_id)

    # -- the decision ----------------------------------------------------------------------------------

    def step(self) -> list[Request]:
        """Called when the crawl is idle: the requests of the next tier to run, or [] when done."""
        if not self.decided:
            self.decided = True
            if not self._should_escalate():
                return []
            self.queue = list(TIERS)
        elif self.current is not None:
            self._finish_tier()
            if self.records[-1].reports:
                self.queue.clear()  # a tier found what the walk missed: stop escalating
        while self.queue:
            tier = self.queue.pop(0)
            self.current = TierRecord(tier)
            self.records.append(self.current)
            requests, skipped = self._start(tier)
            if requests:
                logger.info(
                    "escalation tier %s: %d request(s) for %s", tier, len(requests), self.spider.site_id
                )
                return requests
            self.current.skipped = skipped
            self.crawler.stats.set_value(f"fzwatch/escalation/{tier}/skipped", skipped)
            self.current = None
        return []

    def _should_escalate(self) -> bool:
        stats = self.crawler.stats
        starts = stats.get_value("fzwatch/start_pages", 1)
        if stats.get_value("fzwatch/start_blocked", 0) + stats.get_value("fzwatch/start_failed", 0) >= starts:
            return False  # a blocked or unreachable site proves nothing; its health says so already
        self.triggers = self._triggers()
        self.key = "|".join(sorted(_trigger_id(t) for t in self.triggers))
        for trigger in self.triggers:
            stats.inc_value(f"fzwatch/suspect/{trigger['kind']}")
        if not self.triggers or self.spider.site.get("options", {}).get("escalate") is False:
            return False  # `options.escalate: false`: judged (storage/health.py) but never escalated
        last = self.previous.get("escalated_at")
        if (
            last is not None
            and self.previous.get("key") == self.key
            and utcnow() - last < timedelta(days=self.days)
        ):
            self.bounded_since = last.isoformat()
            stats.set_value("fzwatch/escalation/bounded_since", self.bounded_since)
            logger.info(
                "escalation for %s ran at %s with the same triggers; not again yet",
                self.spider.site_id,
                self.bounded_since,
            )
            return False
        return True

    def _triggers(self) -> list[dict[str, Any]]:
        triggers: list[dict[str, Any]] = []
        if not self.observer.report_urls and not self.observer.known_reports and not self._reports_seen():
            triggers.append({"kind": "no_report"})
        silent = self.observer.silent_channels(self.spider.visits.pages, self.led_before)
        triggers += [{"kind": "silent_channel", "url": key} for key in silent]
        if self.observer.shells():
            triggers.append(
                {"kind": "shells", "pages": self.observer.shell_pages, "of": self.observer.list_pages}
            )
        return triggers

    def _finish_tier(self) -> None:
        assert self.current is not None
        self.crawler.stats.set_value(f"fzwatch/escalation/{self.current.tier}/reports", self.current.reports)
        self.crawler.stats.set_value(f"fzwatch/escalation/{self.current.tier}/pages", self.current.pages)
        self.current = None

    def _reports_seen(self) -> int:
        return int(self.crawler.stats.get_value("fzwatch/reports_seen", 0))

    def _start(self, tier: str) -> tuple[list[Request], str | None]:
        if tier == "render":
            if not self.render_available:
                return [], "no_browser"
            if self.spider.render_js:
                return [], "already_rendered"  # `render: js`: the walk itself went through Chromium
            if not (self.observer.shells() or self.observer.shell_pages):
                # A browser per crawl is the most expensive thing a crawl does (a batch of many sites in one
                # process would start one each): rendering helps only where pages are built by scripts.
                return [], "no_shells"
            return self._render_starts(), "nothing_to_render"
        if tier == "bfs":
            return self._bfs_starts(), "nothing_to_walk"
        return self._search_requests()

    # -- tier 1: render ---------------------------------------------------------------------------------

    def _render_starts(self) -> list[Request]:
        keys = list(self.spider.start_keys) + self.observer.silent_channels(
            self.spider.visits.pages, self.led_before
        )
        keys += sorted(self.observer.channels)
        return [
            r
            for r in (
                self._render_request(key, depth=0 if key in self.spider.start_keys else 1)
                for key in dict.fromkeys(keys)
            )
            if r is not None
        ]

    def _render_request(self, key: str, depth: int) -> Request | None:
        if key in self.rendered or len(self.rendered) >= self.render_budget:
            return None
        self.rendered.add(key)
        meta = self.spider._meta(
            depth=depth, key=key, url=key, kind="list", tier="render", priority=50, playwright=True
        )
        return Request(
            key,
            callback=self.parse_rendered,
            errback=self.spider.on_error,
            dont_filter=True,
            priority=-10 * depth,
            meta=meta,
        )

    def parse_rendered(self, response: Response) -> Iterator[Request]:
        """A page as Chromium shows it: follow its candidates (plain fetch), its channels and pagination
        (rendered too: a site built by scripts builds its channels by scripts)."""
        if not self.spider._usable(response):
            return
        key, depth = response.meta["key"], response.meta["depth"]
        listing = read_listing(response.url, response.body, response_headers(response))
        for link in listing.links:
            if self.spider._is_candidate(link.text):
                if self.spider._admit_detail(link.url, link.text):
                    yield _tagged(self.spider._detail_request(link.url, link.text, source=key), "render")
                continue
            priority = link_priority(link)
            if (
                priority is not None
                and _worth_rendering(priority, depth, self.spider.max_depth)
                and self.spider._in_site(link.url)
            ):
                request = self._render_request(link.url, depth + 1)
                if request is not None:
                    yield request
        for url in listing.pagination:
            request = self._render_request(url, depth)
            if request is not None:
                yield request

    # -- tier 2: breadth-first ------------------------------------------------------------------------------

    def _bfs_starts(self) -> list[Request]:
        return [r for r in (self._bfs_request(key, 0, "", None) for key in self.spider.start_keys) if r]

    def _bfs_request(self, url: str, depth: int, anchor: str, source: str | None) -> Request | None:
        if url in self.bfs_seen or url in self.observer.details or not self.bfs_guards.admit(url):
            return None
        self.bfs_seen.add(url)
        meta = self.spider._meta(
            depth=depth,
            key=url,
            url=url,
            kind="bfs",
            tier="bfs",
            anchor=anchor,
            source=source,
            download_maxsize=self.spider.attachment_maxsize,
        )
        return Request(
            url,
            callback=self.parse_bfs,
            errback=self.spider.on_error,
            dont_filter=True,
            priority=-10 * depth,
            meta=meta,
        )

    async def parse_bfs(self, response: Response) -> AsyncIterator[Any]:
        """Any in-site page: a report (by its link text or its classification) goes to the pipeline; its
        links are followed breadth-first to FZWATCH_ESCALATION_BFS_DEPTH."""
        if not self.spider._usable(response):
            return
        meta, url = response.meta, canonical_url(response.url)
        if meta["depth"] > 0 and url not in self.spider.visits.seen:
            item = await self.spider._page_item(response, url)  # parsed in the parse pool
            if item.parsed.is_report or self.spider._is_candidate(meta.get("anchor") or ""):
                self.spider.visits.claim(url)
                for out in self.spider._detail_outputs(response, item):
                    yield out
                return
        if meta["depth"] >= self.bfs_depth or "html" not in response_headers(response).get(
            "content-type", "html"
        ):
            return
        listing = await self.spider.parse_pool.listing(
            response.url, response.body, response_headers(response)
        )
        for out in self._bfs_links(listing, meta):
            yield out

    def _bfs_links(self, listing: Listing, meta: Any) -> Iterator[Any]:
        for link in listing.links:
            priority = link_priority(link)
            if priority is None or not self.spider._in_site(link.url):
                continue
            if priority == PRIORITY_REPORT and self.spider._admit_detail(link.url, link.text):
                yield _tagged(self.spider._detail_request(link.url, link.text, source=meta["key"]), "bfs")
                continue
            request = self._bfs_request(link.url, meta["depth"] + 1, link.text, meta["key"])
            if request is not None:
                yield request

    # -- tier 3: site search -----------------------------------------------------------------------------

    def _search_requests(self) -> tuple[list[Request], str | None]:
        template = self.spider.search_template
        if not template:
            return [], "no_search_engine"
        url = search_url(template)
        if not self.spider._same_host(url):
            return [], "search_off_site"
        self.spider.search_done = True  # the normal fallback is this tier now
        self.spider.visits.claim(url)
        self.crawler.stats.inc_value("fzwatch/search_queries")
        request = self.spider._list_request(url, self.spider.max_depth, rank=30, kind="search")
        request.meta["tier"] = "search"
        request.headers.pop("If-None-Match", None)  # forced: a 304 would tell nothing new
        request.headers.pop("If-Modified-Since", None)
        return [request], None

    # -- the record ---------------------------------------------------------------------------------------

    def record(self) -> dict[str, Any]:
        """What the crawl run keeps (and storage/health.py judges)."""
        if self.current is not None:
            self._finish_tier()
        obs = self.observer
        return {
            "triggers": self.triggers,
            "key": self.key,
            "ran": self.active,
            "bounded_since": self.bounded_since,
            "tiers": [vars(r).copy() for r in self.records],
            "found": sum(r.reports for r in self.records),
            "report_channels": obs.productive_channels(),
            "known_reports": len(obs.known_reports),
            "known_confirmed": len(obs.known_confirmed),
            "known_gone": len(obs.known_gone),
            "list_pages": obs.list_pages,
            "shell_pages": obs.shell_pages,
        }


def _is_shell(response: Response) -> bool:
    """Cheap tests first: most pages have scripts but plenty of text, and are not read again for links."""
    body, headers = response.body, response_headers(response)
    if not has_scripts(body) or visible_text_length(body, headers) >= SHELL_MAX_TEXT:
        return False
    links = read_listing(response.url, body, headers).links
    return looks_like_shell(body, headers, sum(1 for link in links if link_priority(link) is not None))


def _trigger_id(trigger: dict[str, Any]) -> str:
    return f"{trigger['kind']}:{trigger['url']}" if trigger["kind"] == "silent_channel" else trigger["kind"]


def _tagged(request: Request, tier: str) -> Request:
    request.meta["tier"] = tier
    return request


def _worth_rendering(priority: int, depth: int, max_depth: int) -> bool:
    """Rendered pages lead on to channels and lists (and, from the start pages, to unnamed pages), never to
    plain articles: rendering is the expensive tier."""
    if depth >= max_depth or priority == PRIORITY_DETAIL:
        return False
    return priority >= PRIORITY_NEWS_CHANNEL or depth == 0
