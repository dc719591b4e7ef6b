"""The one generic spider: driven by a site registry entry, it decides only what to fetch.

What a page means (links, pagination, report or not, text) is decided by `parsers/`. What a page
remembered from earlier crawls is worth fetching again, and what the crawl remembers of each page, is
kept by `crawler/visits.py` (its timing is `crawler/revisit.py`'s policy); what bounds one crawl by
`crawler/guards.py`. See docs/crawler.md.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import JsonRequest, Request, Response

from crawler.decisions import Decisions
from crawler.escalation import Escalator
from crawler.guards import TrapGuards, looks_binary
from crawler.items import Attachment, CrawlPageItem, NotAReport, NotModifiedItem, PageItem, StoredPage
from crawler.netpolicy import in_origins, site_origins
from crawler.outcomes import failure_kind
from crawler.parsepool import OVER_BUDGET, shared_pool
from crawler.revisit import LIST_KINDS, RevisitPolicy
from crawler.series import ListSeries
from crawler.shells import ShellPages, endpoint
from crawler.site_state import load_site_state, save_decisions
from crawler.stopping import CrawlStopping
from crawler.visits import NOT_FOUND_STATUSES, Visits, response_headers
from parsers.classify import may_be_report
from parsers.combine import needs_attachment
from parsers.listing import (
    PAGING_KEYS,
    PRIORITY_DETAIL,
    PRIORITY_FZZF_CHANNEL,
    PRIORITY_NEWS_CHANNEL,
    PRIORITY_REPORT,
    PRIORITY_REPORT_CHANNEL,
    ApiRequest,
    Link,
    Listing,
    canonical_url,
    declared_api_requests,
    detect_block,
    find_site_search,
    jpage_as_post,
    jpage_refused,
    link_priority,
    paging_step,
    read_declared_list,
    read_gkmlpt,
    read_jpage_records,
    read_json_list,
    search_url,
)
from parsers.listing.links import ATTACHMENT_EXTENSIONS
from storage.models import utcnow

logger = logging.getLogger(__name__)

API_READERS: dict[str, Callable[[str, bytes], Listing]] = {
    "jpage": read_jpage_records,
    "gkmlpt": read_gkmlpt,
    "json": read_json_list,
    "json_body": read_json_list,
}
BLOCK_STATUSES = [403, 412, 429, 512, 521]
# Anchor text that may name a report even when the list truncates it ("…法治政府建设年度…").
CANDIDATE_HINT = re.compile(r"法治政府|法治建设|依法行政")
# In a report channel (a list showing a report-like or 法治 row) items are followed on weaker titles:
# "2023年度报告", "法治政府建设情况", "关于2024年…情况的报告", a truncated "…法治政府建设年度…".
CHANNEL_ITEM_HINT = re.compile(r"报告|法治|依法行政")
# How much a list is about reports (see PortalSpider._channel_level).
REPORT_CHANNEL, STRONG = 1, 2
# Page kinds read as lists when a candidate (detail) request answers with one.
LIST_PAGE_KINDS = ("list", "shell")


class PortalSpider(ShellPages, scrapy.Spider):
    name = "portal"

    def __init__(self, site: str, db: str | None = None, run_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.site_id = site
        self.db_url = db
        self.run_id = int(run_id) if run_id else None
        self.site: dict[str, Any] = {}
        self.known: dict[str, dict[str, Any]] = {}  # stored documents by URL
        self.search_template: str | None = None
        self.search_done = False
        self.series = ListSeries()  # rows seen per list, lists that said where they end
        self.rendered_apis: dict[str, list[ApiRequest]] = {}  # JSON lists rendered pages fetched, by page
        self.detail_templates: dict[str, str] = {}
        self.untemplated_apis: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):  # type: ignore[no-untyped-def]
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.db_url = spider.db_url or crawler.settings.get("FZWATCH_DB")
        state = load_site_state(spider.db_url, spider.site_id)
        spider.site, spider.known = state.spec, state.known
        spider.configure(crawler.settings, state.pages)
        spider.escalation = Escalator(spider, crawler, state.escalation)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.on_stored, signal=signals.item_scraped)
        crawler.signals.connect(spider.on_dropped, signal=signals.item_dropped)
        return spider

    def configure(self, settings: Any, pages: dict[str, dict[str, Any]] | None = None) -> None:
        """``pages``: the crawl pages remembered from earlier crawls, by key."""
        options = self.site.get("options", {})
        self.max_depth = int(options.get("max_depth", settings.getint("FZWATCH_MAX_DEPTH")))
        self.guards = TrapGuards(
            self.crawler,
            int(options.get("page_budget", settings.getint("FZWATCH_PAGE_BUDGET"))),
            settings.getint("FZWATCH_MAX_PER_PATTERN"),
            settings.getint("FZWATCH_MAX_CALENDAR", 10),
        )
        self.page_maxsize = settings.getint("FZWATCH_PAGE_MAXSIZE", 3 * 1024 * 1024)
        self.attachment_maxsize = settings.getint("FZWATCH_ATTACHMENT_MAXSIZE", 30 * 1024 * 1024)
        self.start_keys = {canonical_url(u) for u in self.site["start_urls"]}
        self.visits = Visits(
            self.site_id,
            pages if pages is not None else {},
            self.known,
            RevisitPolicy.from_settings(settings),
            self.start_keys,
            utcnow(),
        )
        # The site's origins (host and port; crawler/netpolicy.py): links elsewhere are not followed, and
        # crawler/netguard.py refuses any request (redirects too) that leaves them.
        self.origins = site_origins(self.site["start_urls"], options.get("allowed_hosts", []))
        # A registry search URL may be relative to the (first) start URL; `{q}` stays a placeholder.
        declared = options.get("search_url")
        self.search_template = urljoin(self.site["start_urls"][0], declared) if declared else None
        self.parse_pool = shared_pool(settings)  # parse_page off the reactor thread, with a budget per page
        self.can_render = settings.getbool("FZWATCH_JS_RENDER")  # Chromium is at hand (crawler.render)
        self.render_js = options.get("render") == "js" and self.can_render
        self.shell_scripts = settings.getint("FZWATCH_SHELL_SCRIPTS", 4)
        self.script_maxsize = settings.getint("FZWATCH_SCRIPT_MAXSIZE", 2 * 1024 * 1024)
        self.decisions = Decisions(settings.getint("FZWATCH_DECISIONS_CAP", 5000))
        # Pages the plain rules would not fetch (unnamed links and non-candidate articles of report
        # channels): a small per-crawl allowance, so a report one click from them is still reached.
        self.extra_hops = int(options.get("extra_hops", settings.getint("FZWATCH_EXTRA_HOPS", 30)))
        self.rows_seen: dict[str, set[str]] = {}  # per list (its first page): item URLs its pages showed
        if options.get("render") == "js" and not self.render_js:
            logger.warning(
                "site %s wants render: js but no browser is available; crawling without JavaScript",
                self.site_id,
            )

    # -- what to fetch first -------------------------------------------------------------------

    async def start(self) -> Any:  # Scrapy >= 2.13
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[Request]:
        """Start pages; then, from earlier crawls, known reports and the remembered lists now due."""
        self.crawler.stats.set_value("fzwatch/start_pages", len(self.site["start_urls"]))
        for url in self.site["start_urls"]:
            key = canonical_url(url)
            self.visits.claim(key)
            self.decisions.note(key, "fetched", "start", priority=100, depth=0)
            yield self._list_request(key, depth=0, rank=100, is_start=True)
        yield from self._known_report_requests()
        yield from self._declared_api_requests()
        yield from self._remembered_list_requests()

    def _known_report_requests(self) -> Iterator[Request]:
        for url, doc in self.known.items():
            if doc.get("is_report") and self.visits.claim(url):
                self.crawler.stats.inc_value("fzwatch/known_reports")
                self.decisions.note(url, "fetched", "known_report", priority=PRIORITY_REPORT)
                yield self._detail_request(url, anchor="", source=None, validators=doc)

    def _declared_api_requests(self) -> Iterator[Request]:
        """JSON list APIs declared in the registry (`options.list_apis`, or one `options.list_api`)."""
        for index, spec in enumerate(_declared_specs(self.site.get("options", {}))):
            for api in declared_api_requests(spec, self.site["start_urls"][0], kind=f"declared:{index}"):
                if self._admit_list(api.url, is_pagination=False, parent_changed=False, why="api", depth=1):
                    yield self._api_request(api, depth=1, root=None)

    def _remembered_list_requests(self) -> Iterator[Request]:
        for page in self.visits.due_lists():
            if page["key"] in self.visits.seen or not self._budget(page["url"], is_list=True):
                continue
            self.visits.claim(page["key"])
            self.crawler.stats.inc_value("fzwatch/revisits")
            self.decisions.note(
                page["url"],
                "fetched",
                "revisit",
                priority=page["priority"],
                depth=page["depth"],
                source=page["root"],
            )
            if page["kind"] == "api":
                api = ApiRequest(
                    url=page["url"], kind=page["api_kind"] or "json", method=page["method"], data=page["form"]
                )
                yield self._api_request(api, page["depth"], page["root"])
            else:
                yield self._list_request(
                    page["key"], page["depth"], page["priority"] or 50, root=page["root"]
                )

    # -- admission -------------------------------------------------------------------------------

    def _budget(self, url: str, is_list: bool = False) -> bool:
        return self.guards.admit(url, is_list=is_list)

    def _in_site(self, url: str) -> bool:
        if in_origins(url, self.origins):
            return True
        self.crawler.stats.inc_value("fzwatch/offsite_links")  # mirrors and other sites: never followed
        return False

    def _skip(self, url: str, reason: str, **context: Any) -> bool:
        """Note why a URL met in this crawl is not fetched (`fzwatch explain`); always False."""
        self.decisions.note(url, "skipped", reason, **context)
        return False

    def _admit_list(
        self,
        key: str,
        is_pagination: bool,
        parent_changed: bool,
        url: str | None = None,
        why: str = "channel",
        **context: Any,
    ) -> bool:
        """A list-like page: new ones are fetched; remembered ones only when due, or when they are the
        pagination of a list that changed in this crawl (its rows shifted). ``why`` and ``context``
        (priority, depth, source, anchor) are what the crawl decisions record."""
        url = url or key
        if key in self.visits.seen:
            return False
        if not self._in_site(url):
            return self._skip(url, "offsite", **context)
        if not self.visits.list_worth_fetching(key, is_pagination, parent_changed):
            self.crawler.stats.inc_value("fzwatch/skipped_remembered")
            return self._skip(url, "not_due", **context)
        if not self._budget(url, is_list=True):
            return self._skip(url, self.guards.last_cut or "budget", **context)
        if not self.visits.claim(key):
            return False
        self.decisions.note(url, "fetched", why, **context)
        return True

    def _admit_detail(self, url: str, anchor: str, why: str = "candidate", **context: Any) -> bool:
        """A candidate article: new ones are fetched; one judged before only when its anchor text
        changed or its slow revisit is due (known reports were already requested at start)."""
        if url in self.visits.seen:
            return False
        context["anchor"] = anchor
        if not self._in_site(url):
            return self._skip(url, "offsite", **context)
        if not self.visits.detail_worth_fetching(url, anchor):
            self.crawler.stats.inc_value("fzwatch/skipped_remembered")
            return self._skip(url, "not_due", **context)
        if not self._budget(url):
            return self._skip(url, self.guards.last_cut or "budget", **context)
        if not self.visits.claim(url):
            return False
        self.decisions.note(url, "fetched", why, **context)
        return True

    def _extra_hop(self, url: str, **context: Any) -> bool:
        """One page beyond the plain rules (see `extra_hops`); False once the allowance is spent."""
        if self.extra_hops <= 0:
            return self._skip(url, "extra_hop_budget", **context)
        self.extra_hops -= 1
        self.crawler.stats.inc_value("fzwatch/extra_hops")
        return True

    # -- requests --------------------------------------------------------------------------------

    def _meta(self, **meta: Any) -> dict[str, Any]:
        meta.setdefault("handle_httpstatus_list", [304, *BLOCK_STATUSES, *NOT_FOUND_STATUSES])
        meta.setdefault("download_maxsize", self.page_maxsize)
        if self.render_js and meta.get("kind") in ("list", "search"):
            meta["playwright"] = True
        if meta.get("playwright"):  # note the JSON lists the page's scripts fetch
            meta["playwright_page_event_handlers"] = {"response": "on_rendered_response"}
            # A shell fetches its rows after `load`: read the DOM once the network has been quiet (500 ms).
            meta["playwright_page_goto_kwargs"] = {"wait_until": "networkidle"}
        return meta

    def _list_request(
        self,
        key: str,
        depth: int,
        rank: int = 50,
        is_start: bool = False,
        root: str | None = None,
        kind: str = "list",
        report_channel: int = 0,
        anchor: str = "",
        step: int | None = None,
    ) -> Request:
        """``step``: for a page of a list's pagination, which way its older pages run (+1, or -1 for VSB)."""
        meta = self._meta(
            depth=depth,
            is_start=is_start,
            key=key,
            url=key,
            kind=kind,
            root=root,
            priority=rank,
            report_channel=report_channel,
            anchor=anchor,
            page_step=step,
        )
        return Request(
            key,
            callback=self.parse_list,
            errback=self.on_error,
            priority=rank - 10 * depth,
            dont_filter=True,
            headers=self.visits.conditional(key),
            meta=meta,
        )

    def _detail_request(
        self,
        url: str,
        anchor: str,
        source: str | None,
        root: str | None = None,
        validators: dict[str, Any] | None = None,
        depth: int = 0,
        hop: bool = False,
        rank: int = 20,
    ) -> Request:
        """``hop``: fetched by the one-more-hop rule (its own links are not followed further)."""
        meta = self._meta(
            anchor=anchor,
            key=url,
            url=url,
            kind="detail",
            source=source,
            root=root,
            download_maxsize=self.attachment_maxsize,
            depth=depth,
            hop=hop,
        )
        return Request(
            url,
            callback=self.parse_detail,
            errback=self.on_error,
            priority=rank,
            dont_filter=True,
            headers=self.visits.conditional(url, validators),
            meta=meta,
        )

    def _api_request(self, api: ApiRequest, depth: int, root: str | None, report_channel: int = 0) -> Request:
        """A list whose rows come from an XML/JSON endpoint (Hanweb jpage, gkmlpt, declared or guessed JSON)."""
        key = _api_key(api)
        meta = self._meta(
            depth=depth,
            api_kind=api.kind,
            key=key,
            url=api.url,
            kind="api",
            root=root,
            method=api.method,
            form=api.data,
            report_channel=report_channel,
            detail=api.detail,
        )
        if api.kind == "jpage":  # a dataproxy that refuses GET says 405: asked again by POST (parse_api)
            meta["handle_httpstatus_list"] = [*meta["handle_httpstatus_list"], 405]
        if api.kind == "json_body":  # axios-style: the parameters as a JSON object
            return JsonRequest(
                api.url,
                data=_json_object(api.data or {}),
                callback=self.parse_api,
                errback=self.on_error,
                meta=meta,
                priority=9 - depth,
                dont_filter=True,
            )
        if api.method.upper() == "POST" and api.data:
            return scrapy.FormRequest(
                api.url,
                formdata=api.data,
                callback=self.parse_api,
                errback=self.on_error,
                meta=meta,
                priority=9 - depth,
                dont_filter=True,
            )
        return Request(
            api.url,
            callback=self.parse_api,
            errback=self.on_error,
            meta=meta,
            priority=9 - depth,
            dont_filter=True,
            headers=self.visits.conditional(key),
        )

    # -- list pages ------------------------------------------------------------------------------

    async def parse_list(self, response: Response) -> AsyncIterator[Any]:
        """Async: the page is read in the parse pool (crawler/parsepool.py), off the reactor thread."""
        if not self._usable(response):
            for out in self._record_unusable(response):
                yield out
            return
        meta = response.meta
        if meta.get("playwright"):
            self.crawler.stats.inc_value("fzwatch/rendered")
        if meta.get("shell_render"):  # the rendered copy of a shell already recorded: only read it
            for out in self._follow(
                self._read_rendered(response),
                meta["depth"],
                meta["key"],
                meta.get("root"),
                int(meta.get("report_channel") or 0),
            ):
                yield out
            return
        self.crawler.stats.inc_value("fzwatch/list_pages")
        self.decisions.outcome(response.meta["url"], "list")
        for out in self._read_as_list(response, await self._listing(response)):
            yield out

    async def _listing(self, response: Response) -> Listing:
        if response.meta.get("playwright"):
            return self._read_rendered(response)
        return await self.parse_pool.listing(response.url, response.body, response_headers(response))

    def _read_as_list(self, response: Response, listing: Listing) -> Iterator[Any]:
        """The list path: remember the page, read its rows, follow links, pagination, data islands and APIs."""
        meta = response.meta
        yield self.visits.record_list(response)
        if listing.error:  # the page broke a reader: counted as that page's error, the crawl goes on
            self.crawler.stats.inc_value("fzwatch/errors")
            self.crawler.stats.inc_value("fzwatch/parse_errors")
            if listing.error.startswith(OVER_BUDGET):  # cut by the parse pool's time or memory budget
                self.crawler.stats.inc_value("fzwatch/parse_over_budget")
            logger.warning("list page %s could not be read: %s", response.url, listing.error)
        self._find_search(response)
        if self.guards.repeats(listing):
            return
        if meta["kind"] == "search":
            yield from self._follow_candidates(listing, meta["key"], None, False, meta["depth"])
            return
        if listing.is_shell and not meta.get("playwright") and not listing.api_requests:
            yield from self._read_shell(
                response, listing
            )  # (a shell whose inline script names its API is read)
        adds_rows = self._series_goes_on(listing, meta)
        inherited = int(meta.get("report_channel") or 0)
        if not meta.get("is_start") and (meta.get("priority") or 0) >= PRIORITY_FZZF_CHANNEL:
            inherited = STRONG  # reached through a 法治政府/依法行政 or report channel link
        yield from self._follow(listing, meta["depth"], meta["key"], meta.get("root"), inherited)
        if meta.get("page_step") and adds_rows:
            yield from self._page_after(listing, meta)

    def _series_goes_on(self, listing: Listing, meta: dict[str, Any]) -> bool:
        """Whether this page added rows to its list; a page of a list that adds none ends its series (its
        further pages are not followed)."""
        adds_rows = self.series.read(listing, meta.get("root") or meta["key"])
        if meta.get("page_step") and not adds_rows:
            self.crawler.stats.inc_value("fzwatch/series_ended")
            listing.pagination = []
        return adds_rows

    def _page_after(self, listing: Listing, meta: dict[str, Any]) -> Iterator[Request]:
        """A page of a list that added new rows: its next page is tried even when no link names it (a pager
        that shows only a window of page numbers, no 尾页 and no page count), within the budget."""
        root = meta.get("root") or meta["key"]
        target = self.series.page_after(listing, root, meta["page_step"])
        if target and self._admit_list(
            target, is_pagination=True, parent_changed=meta["key"] in self.visits.changed
        ):
            self.crawler.stats.inc_value("fzwatch/pages_extrapolated")
            yield self._list_request(
                target,
                meta["depth"],
                rank=60,
                root=root,
                step=meta["page_step"],
                report_channel=int(meta.get("report_channel") or 0),
            )

    def parse_api(self, response: Response) -> Iterator[Any]:
        if self._jpage_wants_post(response):
            post = jpage_as_post(ApiRequest(url=response.meta["url"], kind="jpage"))
            if self._admit_list(_api_key(post), True, False, post.url):
                self.crawler.stats.inc_value("fzwatch/jpage_post")
                yield self._api_request(post, response.meta["depth"], response.meta.get("root"))
            return
        if not self._usable(response):
            yield from self._record_unusable(response)
            return
        self.crawler.stats.inc_value("fzwatch/api_pages")
        self.decisions.outcome(response.meta["url"], "list")
        yield self.visits.record_list(response)
        try:
            listing = self._read_api(response)
        except ValueError as exc:  # a broken answer is that request's error, not the crawl's
            self.crawler.stats.inc_value("fzwatch/errors")
            logger.warning("unreadable list API answer %s: %s", response.url, exc)
            return
        key, depth = response.meta["key"], response.meta["depth"]
        report_channel = self._channel_level(listing, int(response.meta.get("report_channel") or 0))
        yield from self._follow_candidates(listing, key, response.meta.get("root"), report_channel, depth)
        # Further pages of an API list are its pagination.
        root = response.meta.get("root") or key
        changed = key in self.visits.changed
        if report_channel and not self._adds_rows(listing, key, root):
            return
        for api in listing.api_requests:
            if self._known_reader(api.kind) and self._admit_list(
                _api_key(api), True, changed, api.url, why="pagination", depth=depth, source=key
            ):
                yield self._api_request(api, depth, root, report_channel)

    @staticmethod
    def _jpage_wants_post(response: Response) -> bool:
        """A Hanweb dataproxy asked by GET that refuses it (405, or no record set): ask once more by POST."""
        meta = response.meta
        return (
            meta.get("api_kind") == "jpage"
            and meta.get("method", "GET") == "GET"
            and jpage_refused(response.status, response.body)
        )

    def _read_api(self, response: Response) -> Listing:
        kind = response.meta["api_kind"]
        if kind.startswith("declared:"):
            specs = _declared_specs(self.site.get("options", {}))
            index = int(kind.split(":", 1)[1])
            if index < len(specs):
                return read_declared_list(response.url, response.body, specs[index], kind=kind)
            kind = "json"  # the registry entry changed since this page was remembered: guess the fields
        if kind in ("json", "json_body"):  # a POSTed list pages through its form; id-only rows need `detail`
            detail = response.meta.get("detail") or self.detail_templates.get(endpoint(response.url))
            listing = read_json_list(
                response.url, response.body, form=response.meta.get("form"), kind=kind, detail=detail
            )
            if detail is None and not listing.links and response.meta.get("method", "GET") == "GET":
                self.untemplated_apis.add(response.meta["key"])
            return listing
        return API_READERS[kind](response.url, response.body)

    @staticmethod
    def _known_reader(kind: str) -> bool:
        return kind in API_READERS or kind.startswith("declared:")

    def _follow(
        self, listing: Listing, depth: int, key: str, root: str | None, inherited: int = 0
    ) -> Iterator[Request]:
        """``inherited``: what the list this page belongs to is known to be (its first page showed report-like
        or 法治 rows, or it was reached through a report-titled or 法治 channel link): see `_channel_level`."""
        report_channel = self._channel_level(listing, inherited)
        if report_channel:
            self.crawler.stats.inc_value("fzwatch/report_channel_pages")
        yield from self._follow_candidates(listing, key, root, report_channel, depth)
        yield from self._follow_channels(listing, depth, key, report_channel)
        changed = key in self.visits.changed
        # A report channel is paged to its end, within the budget, as long as its pages add new rows.
        if not report_channel or self._adds_rows(listing, key, root or key):
            for url in listing.pagination:
                if self._admit_list(
                    url, is_pagination=True, parent_changed=changed, why="pagination", depth=depth, source=key
                ):
                    yield self._list_request(
                        url,
                        depth,
                        rank=60,
                        root=root or key,
                        report_channel=report_channel,
                        step=paging_step(key, url),
                    )
        yield from self._follow_apis(listing.api_requests, depth, changed, key, report_channel)

    def _follow_candidates(
        self, listing: Listing, key: str, root: str | None, report_channel: int, depth: int
    ) -> Iterator[Request]:
        for link in listing.links:
            if self._is_candidate(link.text):
                if self._admit_detail(
                    link.url, link.text, "candidate", priority=PRIORITY_REPORT, depth=depth + 1, source=key
                ):
                    yield self._detail_request(link.url, link.text, source=key, root=root, depth=depth + 1)
            elif (
                report_channel
                and self._is_channel_item(link)
                and self._admit_detail(
                    link.url,
                    link.text,
                    "report_channel_item",
                    priority=PRIORITY_DETAIL,
                    depth=depth + 1,
                    source=key,
                )
            ):
                self.crawler.stats.inc_value("fzwatch/report_channel_items")
                yield self._detail_request(link.url, link.text, source=key, root=root, depth=depth + 1)

    def _follow_channels(
        self, listing: Listing, depth: int, key: str, report_channel: int
    ) -> Iterator[Request]:
        pages = set(listing.pagination)  # followed as pagination (same depth, same list), not as channels
        for link in listing.links:
            if (
                link.url in pages
                or self._is_candidate(link.text)
                or (report_channel and self._is_channel_item(link))
            ):
                continue
            priority = link_priority(link)
            context = {"priority": priority, "depth": depth + 1, "source": key, "anchor": link.text}
            if priority is None:
                self._skip(
                    link.url, "offsite" if not self._same_host(link.url) else "not_promising", **context
                )
                continue
            if depth >= self.max_depth:
                self._skip(link.url, "depth", **context)
            elif priority == PRIORITY_DETAIL:
                # An article that is not a candidate leads nowhere, except in a report channel: one more hop.
                hop = {k: v for k, v in context.items() if k != "anchor"}
                if (
                    report_channel >= STRONG
                    and self._hop_worth(link.url, link.text)
                    and self._extra_hop(link.url, **context)
                    and self._admit_detail(link.url, link.text, "extra_hop", **hop)
                ):
                    yield self._detail_request(link.url, link.text, source=key, depth=depth + 1, rank=5)
                else:
                    self._skip(link.url, "not_candidate", **context)
            elif priority >= PRIORITY_NEWS_CHANNEL or depth == 0:
                if self._admit_list(link.url, is_pagination=False, parent_changed=False, **context):
                    yield self._list_request(link.url, depth + 1, priority, anchor=link.text)
            elif (
                report_channel >= STRONG
                and self._hop_worth(link.url)
                and self._extra_hop(link.url, **context)
            ):
                # Unnamed pages ("更多", a column without words) beside report rows: one more hop.
                if self._admit_list(
                    link.url, is_pagination=False, parent_changed=False, why="extra_hop", **context
                ):
                    yield self._list_request(link.url, depth + 1, priority, anchor=link.text)
            else:
                self._skip(link.url, "unnamed", **context)

    def _follow_apis(
        self,
        apis: list[ApiRequest],
        depth: int,
        changed: bool,
        source: str | None = None,
        report_channel: int = 0,
    ) -> Iterator[Request]:
        """API requests declared by an HTML page: per endpoint, the first is a list's first page and the
        others its pagination (e.g. Hanweb record groups 1-45, 46-90)."""
        firsts: dict[str, str] = {}
        for api in apis:
            if not self._known_reader(api.kind):
                continue
            series = _series(api.url)
            root = firsts.setdefault(series, _api_key(api))
            is_first = root == _api_key(api)
            if self._admit_list(
                _api_key(api), not is_first, changed, api.url, why="api", depth=depth, source=source
            ):
                yield self._api_request(api, depth, None if is_first else root, report_channel)

    def _same_host(self, url: str) -> bool:
        """On the site's origins (host and port: crawler/netpolicy.py); counts nothing."""
        return in_origins(url, self.origins)

    def _hop_worth(self, url: str, anchor: str | None = None) -> bool:
        """Worth one of the extra hops: in-site, not asked yet, and new or due (``anchor``: an article)."""
        if url in self.visits.seen or not self._same_host(url):
            return False
        if anchor is None:
            return self.visits.list_worth_fetching(url, is_pagination=False, parent_changed=False)
        return self.visits.detail_worth_fetching(url, anchor)

    def _channel_level(self, listing: Listing, inherited: int) -> int:
        """0: an ordinary list. REPORT_CHANNEL: it shows a report-like or 法治/依法行政 row (a dated row or an
        article link): its items with ambiguous titles are followed, it is paged to its end. STRONG: a 法治
        list (≥ 3 such rows and a third of its rows, or reached through a report-titled or 法治 channel link):
        its other articles and unnamed pages may be fetched too, within the extra-hop allowance."""
        rows = [link for link in listing.links if self._is_row(link)]
        hints = sum(1 for link in rows if self._is_candidate(link.text) or CANDIDATE_HINT.search(link.text))
        # A third of the rows at least: three 法治 items in a news page's sidebar do not make it a 法治 list.
        if inherited >= STRONG or (hints >= 3 and 3 * hints >= len(rows)):
            return STRONG
        return REPORT_CHANNEL if hints or inherited else 0

    @staticmethod
    def _is_row(link: Link) -> bool:
        return bool(link.date) or link_priority(link) in (PRIORITY_DETAIL, PRIORITY_REPORT)

    def _is_channel_item(self, link: Link) -> bool:
        """An item of a report channel whose title may be a report that the title rules cannot confirm (an
        article row, or a document: "2023年度报告.pdf")."""
        if not CHANNEL_ITEM_HINT.search(link.text):
            return False
        if urlsplit(link.url).path.lower().endswith(ATTACHMENT_EXTENSIONS):
            return True
        return self._is_row(link) and link_priority(link) is not None

    def _adds_rows(self, listing: Listing, key: str, series: str) -> bool:
        """False when a report-channel page shows no row that an earlier page of the same list (``series``:
        its first page) showed: the list's end is reached (a page N beyond the last repeating it)."""
        rows = {link.url for link in listing.links if self._is_row(link)}
        seen = self.rows_seen.setdefault(series, set())
        new = rows - seen
        seen |= rows
        if rows and not new:
            self.guards.cut("no_new_rows", key)
            return False
        return True

    @staticmethod
    def _is_candidate(anchor: str) -> bool:
        # may_be_report: also titles only the body decides ("<地区>2024年度法治政府建设情况")
        return may_be_report(anchor) or bool(CANDIDATE_HINT.search(anchor) and "报告" in anchor)

    def _find_search(self, response: Response) -> None:
        if self.search_template is None and response.meta.get("depth", 9) <= 1:
            self.search_template = find_site_search(response.url, response.body, response_headers(response))

    # -- the pipeline's verdicts and the crawl decisions ----------------------------------------------

    def on_stored(self, item: Any) -> None:
        """The pipeline's final verdict (after an attachment body) for the crawl decisions."""
        if isinstance(item, StoredPage):
            self.decisions.outcome(item.url, item.outcome, item.note)

    def on_dropped(self, item: Any, exception: BaseException) -> None:
        if isinstance(exception, NotAReport):
            self.decisions.outcome(exception.url, "not_report", exception.note)

    def closed(self, reason: str) -> None:
        if reason == "finished":
            saved = save_decisions(
                self.db_url, self.site_id, self.decisions.rows(), self.run_id, self.decisions.cap
            )
            self.crawler.stats.set_value("fzwatch/decisions_saved", saved)

    # -- site search fallback ----------------------------------------------------------------------

    def on_idle(self) -> None:
        """When the site has been walked: escalate if the walk may have missed something
        (crawler/escalation.py), else ask its search engine (TRS was5, Hanweb jrobot, or the registry's
        `options.search_url`) for "法治政府建设 报告": reports filed where no channel leads are found too."""
        requests = self.escalation.step()
        for request in requests:
            self.crawler.engine.crawl(request)
        if requests:
            raise DontCloseSpider
        if self.escalation.active or self.search_done or not self.search_template:
            return
        self.search_done = True
        url = search_url(self.search_template)
        if not self.visits.due(url):
            return
        if not self._in_site(url) or not self.visits.claim(url):
            return
        self.crawler.stats.inc_value("fzwatch/search_queries")
        self.decisions.note(url, "fetched", "search", depth=self.max_depth)
        self.crawler.engine.crawl(self._list_request(url, self.max_depth, rank=30, kind="search"))
        raise DontCloseSpider

    # -- detail pages and attachments ---------------------------------------------------------------

    async def parse_detail(self, response: Response) -> AsyncIterator[Any]:
        """Async: the page is parsed in the parse pool (crawler/parsepool.py) while the reactor serves the
        other pages and sites."""
        url = canonical_url(response.url)
        if response.status == 304:
            for out in self._not_modified(response, url):
                yield out
            return
        if not self._usable(response):
            for out in self._record_unusable(response):
                yield out
            return
        self.crawler.stats.inc_value("fzwatch/detail_pages")
        item = await self._page_item(response, url)
        parsed = item.parsed
        if parsed.page_kind in LIST_PAGE_KINDS:
            for out in self._detail_was_list(response, parsed.page_kind, parsed.page_kind_reasons):
                yield out
            if self._reread_as_list(response, parsed.page_kind):
                for out in self._read_as_list(response, await self._listing(response)):
                    yield out
            return
        self.decisions.outcome(
            url, "report" if parsed.is_report else "not_report", "；".join(parsed.reasons[:2])
        )
        if not parsed.is_report and not response.meta.get("hop"):
            for out in self._one_more_hop(response, await self._listing(response)):
                yield out
        for out in self._detail_outputs(response, item):
            yield out

    def _detail_outputs(self, response: Response, item: PageItem) -> Iterator[Any]:
        """The page item, or first its attachment when the page only points to it."""
        url = item.url
        attachment = item.parsed.attachments[0] if needs_attachment(item.parsed) else None
        if (
            attachment
            and self._in_site(attachment)
            and self.visits.claim(attachment)
            and self._budget(attachment)
        ):
            # The page only points to its attachment (详见附件): fetch it (robots.txt applies) for the body.
            self.decisions.note(
                attachment, "fetched", "attachment", depth=response.meta.get("depth"), source=url
            )
            yield Request(
                attachment,
                callback=self.parse_attachment,
                errback=self.on_attachment_error,
                priority=25,
                meta={
                    "item": item,
                    "handle_httpstatus_list": BLOCK_STATUSES,
                    "download_maxsize": self.attachment_maxsize,
                },
            )
            return
        yield item

    def _detail_was_list(self, response: Response, kind: str, reasons: list[str]) -> Iterator[Any]:
        """A candidate (a report-like title) that is a list: the channel named like the report. Its rows
        are the reports: it is read as a report channel (links, pagination, data islands, APIs), unless a
        script-built list is asked again through the browser (then _reread_as_list is False)."""
        self.crawler.stats.inc_value("fzwatch/detail_was_list")
        self.escalation.observer.candidate_was_list(response.meta["key"], response.meta, response)
        logger.info(
            "candidate %s is a %s page (%s): read as a report channel", response.url, kind, "; ".join(reasons)
        )
        self.decisions.outcome(response.meta["key"], kind, "；".join(reasons))
        if kind == "shell" and self.render_js and not response.meta.get("playwright"):
            # A script-built list on a `render: js` site: ask again through the browser, as a list.
            yield self._list_request(
                response.meta["key"],
                response.meta.get("depth", 0),
                PRIORITY_REPORT_CHANNEL,
                report_channel=STRONG,
            )
            return
        # Its own first page (root None): checked on every crawl, like any report channel.
        response.meta.update(kind="list", report_channel=STRONG, priority=PRIORITY_REPORT_CHANNEL, root=None)

    def _reread_as_list(self, response: Response, kind: str) -> bool:
        return not (kind == "shell" and self.render_js and not response.meta.get("playwright"))

    def _one_more_hop(self, response: Response, listing: Listing) -> Iterator[Request]:
        """A fetched article that is not a report may link to one (a news item or 解读 pointing to the
        report): its report-titled links are followed, once (those pages are not expanded further)."""
        key = response.meta["key"]
        depth = response.meta.get("depth", 0)
        for link in listing.links:
            if self._is_candidate(link.text) and self._admit_detail(
                link.url, link.text, "candidate", priority=PRIORITY_REPORT, depth=depth + 1, source=key
            ):
                yield self._detail_request(link.url, link.text, source=key, depth=depth + 1, hop=True)

    def _not_modified(self, response: Response, url: str) -> Iterator[Any]:
        self.decisions.outcome(url, "not_modified")
        if url in self.known:
            self.crawler.stats.inc_value("fzwatch/not_modified")
            yield NotModifiedItem(site_id=self.site_id, url=url)
        else:
            # A remembered list reached through a report-like link stays a list (its rows were read before).
            remembered = (self.visits.pages.get(url) or {}).get("kind")
            yield self.visits.visit_item(response, kind=remembered if remembered in LIST_KINDS else "detail")

    async def _page_item(self, response: Response, url: str) -> PageItem:
        headers = response_headers(response)
        parsed = await self.parse_pool.parse(
            response.url,
            response.body,
            headers,
            site_name=self.site["name"],
            region=self.site["region"],
            status=response.status,
        )
        if OVER_BUDGET in parsed.flags:
            self.crawler.stats.inc_value("fzwatch/parse_over_budget")
        return PageItem(
            site_id=self.site_id,
            site_name=self.site["name"],
            region=self.site["region"],
            url=url,
            body=response.body,
            status=response.status,
            content_type=headers.get("content-type", ""),
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
            source=response.meta.get("source"),
            root=response.meta.get("root"),
            visit=self.visits.visit(response, kind="detail"),
            parsed=parsed,
        )

    async def parse_attachment(self, response: Response) -> AsyncIterator[Any]:
        item: PageItem = response.meta["item"]
        if response.status < 400:
            self.crawler.stats.inc_value("fzwatch/attachments")
            content_type = response_headers(response).get("content-type", "")
            item.attachment = Attachment(
                url=canonical_url(response.url), body=response.body, content_type=content_type
            )
            # The document is read in the parse pool too; the pipeline stores the combined page as is.
            item.parsed = await self.parse_pool.combine(
                item.parsed,
                item.attachment.url,
                response.body,
                {"content-type": content_type},
                site_name=self.site["name"],
                region=self.site["region"],
            )
            item.attachment.combined = True
            if OVER_BUDGET in item.parsed.flags:
                self.crawler.stats.inc_value("fzwatch/parse_over_budget")
        yield item

    def on_attachment_error(self, failure: Any) -> Iterator[Any]:
        self._count_failure(failure)
        yield failure.request.meta["item"]  # the page alone is still stored; nothing is lost

    # -- unusable answers -----------------------------------------------------------------------------

    def _usable(self, response: Response) -> bool:
        """A 200 with a body worth reading: not blocked, not gone, not binary, not 304 (lists: no body)."""
        if response.status == 304:
            return False
        if self._blocked(response):
            return False
        if response.meta.get("kind") in LIST_KINDS and looks_binary(response.body):
            self.guards.cut("binary", response.url)
            return False
        return True

    def _record_unusable(self, response: Response) -> Iterator[CrawlPageItem]:
        """Count an answer not worth reading; remember what it tells (`Visits.record_unusable`)."""
        if response.status == 304:
            self.crawler.stats.inc_value("fzwatch/lists_not_modified")
        url = response.meta.get("url") or canonical_url(response.url)
        if response.status == 304:
            self.decisions.outcome(url, "not_modified")
        elif detect_block(response.status, response_headers(response), response.body, response.url):
            self.decisions.outcome(url, "challenge")
        else:
            self.decisions.outcome(url, f"http_{response.status}" if response.status >= 400 else "binary")
        item = self.visits.record_unusable(response)
        if item is not None:
            yield item

    def _blocked(self, response: Response) -> bool:
        kind = detect_block(response.status, response_headers(response), response.body, response.url)
        if kind is None and response.status < 400:
            return False
        self.crawler.stats.inc_value(f"fzwatch/blocked/{kind}" if kind else f"fzwatch/http_{response.status}")
        if kind:
            logger.warning("blocked (%s) at %s: recorded as blocked, not as a change", kind, response.url)
            if response.meta.get("is_start"):
                self.crawler.stats.inc_value("fzwatch/start_blocked")
        elif response.meta.get("is_start"):
            self.crawler.stats.inc_value("fzwatch/start_failed")
            self.crawler.stats.set_value("fzwatch/start_error", f"http_{response.status}")
        return True

    def on_error(self, failure: Any) -> Iterator[CrawlPageItem]:
        request = failure.request
        if failure.check(CrawlStopping):
            # Not fetched because the crawl is stopping (crawler/stopping.py): says nothing of the page.
            self.crawler.stats.inc_value("fzwatch/dropped_at_stop")
            return
        if request.meta.get("is_start"):
            self.crawler.stats.inc_value("fzwatch/start_failed")
            self.crawler.stats.set_value("fzwatch/start_error", failure_kind(failure.value))
        url = request.meta.get("url") or canonical_url(request.url)
        if "robots.txt" in failure.getErrorMessage():  # Scrapy's RobotsTxtMiddleware refused it
            self.crawler.stats.inc_value("fzwatch/robots_forbidden")
            self.decisions.skip_fetched(url, "robots")
            return
        self.decisions.outcome(url, "error", failure.getErrorMessage()[:200])
        cut = self._count_failure(failure)
        if cut and request.meta.get("key") and request.meta["key"] not in self.known:
            yield self.visits.record_cut(request.meta["key"], request.url)

    def _count_failure(self, failure: Any) -> bool:
        """Count a failed fetch; True when it was cut for its size."""
        message = failure.getErrorMessage()
        if "max size" in message.lower() or "maxsize" in message.lower():
            self.guards.cut("size", failure.request.url, message[:120])
            return True
        if message.startswith("redirect loop"):
            return True  # counted by RedirectLoopMiddleware
        self.crawler.stats.inc_value("fzwatch/errors")
        logger.warning("fetch failed %s: %s", failure.request.url, message)
        return False


def _json_object(data: dict[str, str]) -> dict[str, Any]:
    """Parameters kept as text, sent as JSON: digits become numbers (`{"pageNo": 2}`)."""
    return {k: int(v) if v.isdigit() and len(v) < 10 else v for k, v in data.items()}


def _declared_specs(options: dict[str, Any]) -> list[dict[str, Any]]:
    specs = list(options.get("list_apis") or [])
    if options.get("list_api"):
        specs.append(options["list_api"])
    return [s for s in specs if isinstance(s, dict)]


def _api_key(api: ApiRequest) -> str:
    if api.method.upper() == "POST" and api.data:
        return f"POST {api.url} {urlencode(sorted(api.data.items()))}"
    return api.url


def _series(url: str) -> str:
    """An endpoint with its paging parameters removed: requests of one list share it."""
    parts = urlsplit(url)
    kept = [pair for pair in parts.query.split("&") if pair.split("=", 1)[0].lower() not in PAGING_KEYS]
    return f"{parts.scheme}://{parts.netloc}{parts.path}?{'&'.join(kept)}"
