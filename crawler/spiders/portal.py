"""The one generic spider: driven by a site registry entry, it decides only what to fetch.

What a page means (links, pagination, report or not, text) is decided by `parsers/`. What a page
remembered from earlier crawls is worth fetching again, and what the crawl remembers of each page, is
kept by `crawler/visits.py` (its timing is `crawler/revisit.py`'s policy); what bounds one crawl by
`crawler/guards.py`. See docs/crawler.md.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import JsonRequest, Request, Response

from crawler.guards import TrapGuards, looks_binary
from crawler.revisit import LIST_KINDS, RevisitPolicy
from crawler.series import ListSeries
from crawler.shells import ShellPages
from crawler.visits import NOT_FOUND_STATUSES, Visits, response_headers
from parsers import parse_page
from parsers.classify import classify_title
from parsers.combine import needs_attachment
from parsers.listing import (
    PAGING_KEYS,
    PRIORITY_DETAIL,
    PRIORITY_NEWS_CHANNEL,
    ApiRequest,
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
    read_listing,
    search_url,
)
from storage.models import utcnow

logger = logging.getLogger(__name__)

API_READERS: dict[str, Callable[[str, bytes], Listing]] = {
    "jpage": read_jpage_records, "gkmlpt": read_gkmlpt, "json": read_json_list, "json_body": read_json_list,
}
BLOCK_STATUSES = [403, 412, 429, 512, 521]
# Anchor text that may name a report even when the list truncates it ("…法治政府建设年度…").
CANDIDATE_HINT = re.compile(r"法治政府|法治建设|依法行政")


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

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):  # type: ignore[no-untyped-def]
        spider = super().from_crawler(crawler, *args, **kwargs)
        from crawler.site_state import load_site_state

        spider.db_url = spider.db_url or crawler.settings.get("FZWATCH_DB")
        state = load_site_state(spider.db_url, spider.site_id)
        spider.site, spider.known = state.spec, state.known
        spider.configure(crawler.settings, state.pages)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        return spider

    def configure(self, settings: Any, pages: dict[str, dict[str, Any]] | None = None) -> None:
        """``pages``: the crawl pages remembered from earlier crawls, by key."""
        options = self.site.get("options", {})
        self.max_depth = int(options.get("max_depth", settings.getint("FZWATCH_MAX_DEPTH")))
        self.guards = TrapGuards(
            self.crawler, int(options.get("page_budget", settings.getint("FZWATCH_PAGE_BUDGET"))),
            settings.getint("FZWATCH_MAX_PER_PATTERN"), settings.getint("FZWATCH_MAX_CALENDAR", 10),
        )
        self.page_maxsize = settings.getint("FZWATCH_PAGE_MAXSIZE", 3 * 1024 * 1024)
        self.attachment_maxsize = settings.getint("FZWATCH_ATTACHMENT_MAXSIZE", 30 * 1024 * 1024)
        self.start_keys = {canonical_url(u) for u in self.site["start_urls"]}
        self.visits = Visits(self.site_id, pages if pages is not None else {}, self.known,
                             RevisitPolicy.from_settings(settings), self.start_keys, utcnow())
        self.allowed_hosts = {urlsplit(u).hostname for u in self.site["start_urls"]} | set(
            options.get("allowed_hosts", [])
        )
        # A registry search URL may be relative to the (first) start URL; `{q}` stays a placeholder.
        declared = options.get("search_url")
        self.search_template = urljoin(self.site["start_urls"][0], declared) if declared else None
        self.can_render = settings.getbool("FZWATCH_JS_RENDER")  # Chromium is at hand (crawler.render)
        self.render_js = options.get("render") == "js" and self.can_render
        self.shell_scripts = settings.getint("FZWATCH_SHELL_SCRIPTS", 4)
        self.script_maxsize = settings.getint("FZWATCH_SCRIPT_MAXSIZE", 2 * 1024 * 1024)
        if options.get("render") == "js" and not self.render_js:
            logger.warning("site %s wants render: js but no browser is available; crawling without JavaScript",
                           self.site_id)

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
            yield self._list_request(key, depth=0, rank=100, is_start=True)
        yield from self._known_report_requests()
        yield from self._declared_api_requests()
        yield from self._remembered_list_requests()

    def _known_report_requests(self) -> Iterator[Request]:
        for url, doc in self.known.items():
            if doc.get("is_report") and self.visits.claim(url):
                self.crawler.stats.inc_value("fzwatch/known_reports")
                yield self._detail_request(url, anchor="", source=None, validators=doc)

    def _declared_api_requests(self) -> Iterator[Request]:
        """JSON list APIs declared in the registry (`options.list_apis`, or one `options.list_api`)."""
        for index, spec in enumerate(_declared_specs(self.site.get("options", {}))):
            for api in declared_api_requests(spec, self.site["start_urls"][0], kind=f"declared:{index}"):
                if self._admit_list(api.url, is_pagination=False, parent_changed=False):
                    yield self._api_request(api, depth=1, root=None)

    def _remembered_list_requests(self) -> Iterator[Request]:
        for page in self.visits.due_lists():
            if page["key"] in self.visits.seen or not self._budget(page["url"], is_list=True):
                continue
            self.visits.claim(page["key"])
            self.crawler.stats.inc_value("fzwatch/revisits")
            if page["kind"] == "api":
                api = ApiRequest(url=page["url"], kind=page["api_kind"] or "json", method=page["method"],
                                 data=page["form"])
                yield self._api_request(api, page["depth"], page["root"])
            else:
                yield self._list_request(page["key"], page["depth"], page["priority"] or 50, root=page["root"])

    # -- admission -------------------------------------------------------------------------------

    def _budget(self, url: str, is_list: bool = False) -> bool:
        return self.guards.admit(url, is_list=is_list)

    def _in_site(self, url: str) -> bool:
        if urlsplit(url).hostname in self.allowed_hosts:
            return True
        self.crawler.stats.inc_value("fzwatch/offsite_links")  # mirrors and other sites: never followed
        return False

    def _admit_list(self, key: str, is_pagination: bool, parent_changed: bool, url: str | None = None) -> bool:
        """A list-like page: new ones are fetched; remembered ones only when due, or when they are the
        pagination of a list that changed in this crawl (its rows shifted)."""
        url = url or key
        if key in self.visits.seen or not self._in_site(url):
            return False
        if not self.visits.list_worth_fetching(key, is_pagination, parent_changed):
            self.crawler.stats.inc_value("fzwatch/skipped_remembered")
            return False
        if not self._budget(url, is_list=True):
            return False
        return self.visits.claim(key)

    def _admit_detail(self, url: str, anchor: str) -> bool:
        """A candidate article: new ones are fetched; one judged before only when its anchor text
        changed or its slow revisit is due (known reports were already requested at start)."""
        if url in self.visits.seen or not self._in_site(url):
            return False
        if not self.visits.detail_worth_fetching(url, anchor):
            self.crawler.stats.inc_value("fzwatch/skipped_remembered")
            return False
        if not self._budget(url):
            return False
        return self.visits.claim(url)

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

    def _list_request(self, key: str, depth: int, rank: int = 50, is_start: bool = False,
                      root: str | None = None, kind: str = "list", step: int | None = None) -> Request:
        """``step``: for a page of a list's pagination, which way its older pages run (+1, or -1 for VSB)."""
        meta = self._meta(depth=depth, is_start=is_start, key=key, url=key, kind=kind, root=root, priority=rank,
                          page_step=step)
        return Request(key, callback=self.parse_list, errback=self.on_error, priority=rank - 10 * depth,
                       dont_filter=True, headers=self.visits.conditional(key), meta=meta)

    def _detail_request(self, url: str, anchor: str, source: str | None, root: str | None = None,
                        validators: dict[str, Any] | None = None) -> Request:
        meta = self._meta(anchor=anchor, key=url, url=url, kind="detail", source=source, root=root,
                          download_maxsize=self.attachment_maxsize)
        return Request(url, callback=self.parse_detail, errback=self.on_error, priority=20, dont_filter=True,
                       headers=self.visits.conditional(url, validators), meta=meta)

    def _api_request(self, api: ApiRequest, depth: int, root: str | None) -> Request:
        """A list whose rows come from an XML/JSON endpoint (Hanweb jpage, gkmlpt, declared or guessed JSON)."""
        key = _api_key(api)
        meta = self._meta(depth=depth, api_kind=api.kind, key=key, url=api.url, kind="api", root=root, method=api.method,
                          form=api.data)
        if api.kind == "jpage":  # a dataproxy that refuses GET says 405: asked again by POST (parse_api)
            meta["handle_httpstatus_list"] = [*meta["handle_httpstatus_list"], 405]
        if api.kind == "json_body":  # axios-style: the parameters as a JSON object
            return JsonRequest(api.url, data=_json_object(api.data or {}), callback=self.parse_api,
                               errback=self.on_error, meta=meta, priority=9 - depth, dont_filter=True)
        if api.method.upper() == "POST" and api.data:
            return scrapy.FormRequest(api.url, formdata=api.data, callback=self.parse_api, errback=self.on_error,
                                      meta=meta, priority=9 - depth, dont_filter=True)
        return Request(api.url, callback=self.parse_api, errback=self.on_error, meta=meta, priority=9 - depth,
                       dont_filter=True, headers=self.visits.conditional(key))

    # -- list pages ------------------------------------------------------------------------------

    def parse_list(self, response: Response) -> Iterator[Any]:
        if not self._usable(response):
            yield from self._record_unusable(response)
            return
        meta = response.meta
        if meta.get("playwright"):
            self.crawler.stats.inc_value("fzwatch/rendered")
        if meta.get("shell_render"):  # the rendered copy of a shell already recorded: only read it
            yield from self._follow(self._read_rendered(response), meta["depth"], meta["key"], meta.get("root"))
            return
        self.crawler.stats.inc_value("fzwatch/list_pages")
        yield self.visits.record_list(response)
        listing = self._read_rendered(response) if meta.get("playwright") else \
            read_listing(response.url, response.body, response_headers(response))
        self._find_search(response)
        if self.guards.repeats(listing):
            return
        if meta["kind"] == "search":
            yield from self._follow_candidates(listing, meta["key"], None)
            return
        if listing.is_shell and not meta.get("playwright") and not listing.api_requests:
            yield from self._read_shell(response, listing)  # (a shell whose inline script names its API is read)
        adds_rows = self._series_goes_on(listing, meta)
        yield from self._follow(listing, meta["depth"], meta["key"], meta.get("root"))
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
        if target and self._admit_list(target, is_pagination=True, parent_changed=meta["key"] in self.visits.changed):
            self.crawler.stats.inc_value("fzwatch/pages_extrapolated")
            yield self._list_request(target, meta["depth"], rank=60, root=root, step=meta["page_step"])

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
        yield self.visits.record_list(response)
        try:
            listing = self._read_api(response)
        except ValueError as exc:  # a broken answer is that request's error, not the crawl's
            self.crawler.stats.inc_value("fzwatch/errors")
            logger.warning("unreadable list API answer %s: %s", response.url, exc)
            return
        key, depth = response.meta["key"], response.meta["depth"]
        yield from self._follow_candidates(listing, key, response.meta.get("root"))
        # Further pages of an API list are its pagination.
        root = response.meta.get("root") or key
        changed = key in self.visits.changed
        for api in listing.api_requests:
            if self._known_reader(api.kind) and self._admit_list(_api_key(api), True, changed, api.url):
                yield self._api_request(api, depth, root)

    @staticmethod
    def _jpage_wants_post(response: Response) -> bool:
        """A Hanweb dataproxy asked by GET that refuses it (405, or no record set): ask once more by POST."""
        meta = response.meta
        return meta.get("api_kind") == "jpage" and meta.get("method", "GET") == "GET" and \
            jpage_refused(response.status, response.body)

    def _read_api(self, response: Response) -> Listing:
        kind = response.meta["api_kind"]
        if kind.startswith("declared:"):
            specs = _declared_specs(self.site.get("options", {}))
            index = int(kind.split(":", 1)[1])
            if index < len(specs):
                return read_declared_list(response.url, response.body, specs[index], kind=kind)
            kind = "json"  # the registry entry changed since this page was remembered: guess the fields
        if kind in ("json", "json_body") and response.meta.get("form"):  # a POSTed list pages through its form
            return read_json_list(response.url, response.body, form=response.meta["form"], kind=kind)
        return API_READERS[kind](response.url, response.body)

    @staticmethod
    def _known_reader(kind: str) -> bool:
        return kind in API_READERS or kind.startswith("declared:")

    def _follow(self, listing: Listing, depth: int, key: str, root: str | None) -> Iterator[Request]:
        yield from self._follow_candidates(listing, key, root)
        yield from self._follow_channels(listing, depth)
        changed = key in self.visits.changed
        for url in listing.pagination:
            if self._admit_list(url, is_pagination=True, parent_changed=changed):
                yield self._list_request(url, depth, rank=60, root=root or key, step=paging_step(key, url))
        yield from self._follow_apis(listing.api_requests, depth, changed)

    def _follow_candidates(self, listing: Listing, key: str, root: str | None) -> Iterator[Request]:
        for link in listing.links:
            if self._is_candidate(link.text) and self._admit_detail(link.url, link.text):
                yield self._detail_request(link.url, link.text, source=key, root=root)

    def _follow_channels(self, listing: Listing, depth: int) -> Iterator[Request]:
        pages = set(listing.pagination)  # this list's own pages are its pagination, not channels
        for link in listing.links:
            if self._is_candidate(link.text) or link.url in pages:
                continue
            priority = link_priority(link)
            if priority is not None and self._worth_listing(priority, depth) and \
                    self._admit_list(link.url, is_pagination=False, parent_changed=False):
                yield self._list_request(link.url, depth + 1, priority)

    def _follow_apis(self, apis: list[ApiRequest], depth: int, changed: bool) -> Iterator[Request]:
        """API requests declared by an HTML page: per endpoint, the first is a list's first page and the
        others its pagination (e.g. Hanweb record groups 1-45, 46-90)."""
        firsts: dict[str, str] = {}
        for api in apis:
            if not self._known_reader(api.kind):
                continue
            series = _series(api.url)
            root = firsts.setdefault(series, _api_key(api))
            is_first = root == _api_key(api)
            if self._admit_list(_api_key(api), not is_first, changed, api.url):
                yield self._api_request(api, depth, None if is_first else root)

    def _worth_listing(self, priority: int, depth: int) -> bool:
        """Channels and lists lead to reports; other articles do not. Unnamed same-site pages ("更多",
        column links without words) are tried only from the start pages."""
        if depth >= self.max_depth or priority == PRIORITY_DETAIL:
            return False
        return priority >= PRIORITY_NEWS_CHANNEL or depth == 0

    @staticmethod
    def _is_candidate(anchor: str) -> bool:
        return classify_title(anchor).is_report or bool(CANDIDATE_HINT.search(anchor) and "报告" in anchor)

    def _find_search(self, response: Response) -> None:
        if self.search_template is None and response.meta.get("depth", 9) <= 1:
            self.search_template = find_site_search(response.url, response.body, response_headers(response))

    # -- site search fallback ----------------------------------------------------------------------

    def on_idle(self) -> None:
        """When the site has been walked, ask its search engine (TRS was5, Hanweb jrobot, or the registry's
        `options.search_url`) for "法治政府建设 报告": reports filed where no channel leads are found too."""
        if self.search_done or not self.search_template:
            return
        self.search_done = True
        url = search_url(self.search_template)
        if not self.visits.due(url):
            return
        if not self._in_site(url) or not self.visits.claim(url):
            return
        self.crawler.stats.inc_value("fzwatch/search_queries")
        self.crawler.engine.crawl(self._list_request(url, self.max_depth, rank=30, kind="search"))
        raise DontCloseSpider

    # -- detail pages and attachments ---------------------------------------------------------------

    def parse_detail(self, response: Response) -> Iterator[Any]:
        url = canonical_url(response.url)
        if response.status == 304:
            yield from self._not_modified(response, url)
            return
        if not self._usable(response):
            yield from self._record_unusable(response)
            return
        self.crawler.stats.inc_value("fzwatch/detail_pages")
        item = self._page_item(response, url)
        attachment = item["parsed"].attachments[0] if needs_attachment(item["parsed"]) else None
        if attachment and self._in_site(attachment) and self.visits.claim(attachment) and self._budget(attachment):
            # The page only points to its attachment (详见附件): fetch it (robots.txt applies) for the body.
            yield Request(attachment, callback=self.parse_attachment, errback=self.on_attachment_error,
                          priority=25, meta={"item": item, "handle_httpstatus_list": BLOCK_STATUSES,
                                             "download_maxsize": self.attachment_maxsize})
            return
        yield item

    def _not_modified(self, response: Response, url: str) -> Iterator[dict[str, Any]]:
        if url in self.known:
            self.crawler.stats.inc_value("fzwatch/not_modified")
            yield {"kind": "not_modified", "site_id": self.site_id, "url": url}
        else:
            yield self.visits.visit_item(response, kind="detail")

    def _page_item(self, response: Response, url: str) -> dict[str, Any]:
        headers = response_headers(response)
        return {
            "kind": "page", "site_id": self.site_id, "url": url, "body": response.body,
            "status": response.status, "content_type": headers.get("content-type", ""),
            "etag": headers.get("etag"), "last_modified": headers.get("last-modified"), "attachment": None,
            "source": response.meta.get("source"), "root": response.meta.get("root"),
            "visit": self.visits.visit(response, kind="detail"),
            "parsed": parse_page(response.url, response.body, headers, site_name=self.site["name"],
                                 region=self.site["region"]),
        }

    def parse_attachment(self, response: Response) -> Iterator[Any]:
        item = response.meta["item"]
        if response.status < 400:
            self.crawler.stats.inc_value("fzwatch/attachments")
            item["attachment"] = {"url": canonical_url(response.url), "body": response.body,
                                  "content_type": response_headers(response).get("content-type", "")}
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

    def _record_unusable(self, response: Response) -> Iterator[dict[str, Any]]:
        """Count an answer not worth reading; remember what it tells (`Visits.record_unusable`)."""
        if response.status == 304:
            self.crawler.stats.inc_value("fzwatch/lists_not_modified")
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
        return True

    def on_error(self, failure: Any) -> Iterator[dict[str, Any]]:
        request = failure.request
        cut = self._count_failure(failure)
        if request.meta.get("is_start"):
            self.crawler.stats.inc_value("fzwatch/start_failed")
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
