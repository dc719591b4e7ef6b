"""The one generic spider: driven by a site registry entry, it decides only what to fetch.

What a page means (links, pagination, report or not, text) is decided by `parsers/`.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from typing import Any, Iterator
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Request, Response

from parsers import parse_page
from parsers.classify import classify_title
from parsers.combine import needs_attachment
from parsers.listing import (
    PRIORITY_DETAIL,
    PRIORITY_NEWS_CHANNEL,
    canonical_url,
    detect_block,
    link_priority,
    read_gkmlpt,
    read_jpage_records,
    read_listing,
)

API_READERS = {"jpage": read_jpage_records, "gkmlpt": read_gkmlpt}

logger = logging.getLogger(__name__)

BLOCK_STATUSES = [403, 412, 512, 521]
# Anchor text that may name a report even when the list truncates it ("…法治政府建设年度…").
CANDIDATE_HINT = re.compile(r"法治政府|法治建设|依法行政")


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, site: str, db: str | None = None, run_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.site_id = site
        self.db_url = db
        self.run_id = int(run_id) if run_id else None
        self.site: dict[str, Any] = {}
        self.known: dict[str, dict[str, Any]] = {}
        self.pattern_counts: Counter[str] = Counter()
        self.requested = 0
        self.seen: set[str] = set()  # bounded by the page budget

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):  # type: ignore[no-untyped-def]
        spider = super().from_crawler(crawler, *args, **kwargs)
        from crawler.site_state import load_site_state

        spider.db_url = spider.db_url or crawler.settings.get("FZWATCH_DB")
        spider.site, spider.known = load_site_state(spider.db_url, spider.site_id)
        options = spider.site.get("options", {})
        spider.page_budget = int(options.get("page_budget", crawler.settings.getint("FZWATCH_PAGE_BUDGET")))
        spider.max_depth = int(options.get("max_depth", crawler.settings.getint("FZWATCH_MAX_DEPTH")))
        spider.max_per_pattern = crawler.settings.getint("FZWATCH_MAX_PER_PATTERN")
        spider.allowed_hosts = {urlsplit(u).hostname for u in spider.site["start_urls"]} | set(
            options.get("allowed_hosts", [])
        )
        return spider

    # -- what to fetch -------------------------------------------------------------------------

    async def start(self) -> Any:  # Scrapy >= 2.13
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[Request]:
        self.crawler.stats.set_value("fzwatch/start_pages", len(self.site["start_urls"]))
        for url in self.site["start_urls"]:
            yield self._list_request(canonical_url(url), depth=0, link_rank=100, is_start=True)

    def _worth_listing(self, priority: int, depth: int) -> bool:
        """Channels and lists lead to reports; other articles do not. Unnamed same-site pages ("更多",
        column links without words) are tried only from the start pages."""
        if depth >= self.max_depth or priority == PRIORITY_DETAIL:
            return False
        return priority >= PRIORITY_NEWS_CHANNEL or depth == 0

    def _list_request(self, url: str, depth: int, link_rank: int = 50, is_start: bool = False) -> Request:
        return Request(
            url, callback=self.parse_list, errback=self.on_error, priority=link_rank - 10 * depth,
            dont_filter=is_start,
            meta={"depth": depth, "is_start": is_start, "handle_httpstatus_list": BLOCK_STATUSES},
        )

    def _detail_request(self, url: str, anchor: str) -> Request:
        headers = {}
        known = self.known.get(url)
        if known and known.get("is_report"):
            # A known report is re-fetched conditionally: a revision of even an old report is seen.
            if known.get("etag"):
                headers["If-None-Match"] = known["etag"]
            if known.get("last_modified"):
                headers["If-Modified-Since"] = known["last_modified"]
        return Request(
            url, callback=self.parse_detail, errback=self.on_error, headers=headers, priority=20,
            meta={"anchor": anchor, "handle_httpstatus_list": [304, *BLOCK_STATUSES]},
        )

    def _allowed(self, url: str) -> bool:
        """In-site only, within the page budget and the per-URL-shape cap (traps: calendars, session ids)."""
        if url in self.seen or urlsplit(url).hostname not in self.allowed_hosts:
            return False
        if self.requested >= self.page_budget:
            self.crawler.stats.inc_value("fzwatch/cut_budget")
            return False
        pattern = re.sub(r"\d+", "N", url)
        self.pattern_counts[pattern] += 1
        if self.pattern_counts[pattern] > self.max_per_pattern:
            self.crawler.stats.inc_value("fzwatch/cut_pattern")
            return False
        self.requested += 1
        self.seen.add(url)
        return True

    # -- callbacks -------------------------------------------------------------------------------

    def parse_list(self, response: Response) -> Iterator[Any]:
        if self._blocked(response):
            return
        self.crawler.stats.inc_value("fzwatch/list_pages")
        depth = response.meta["depth"]
        listing = read_listing(response.url, response.body, _headers(response))
        yield from self._follow(listing, depth)

    def _follow(self, listing: Any, depth: int) -> Iterator[Request]:
        for link in listing.links:
            if self._is_candidate(link.text):
                if self._allowed(link.url):
                    yield self._detail_request(link.url, link.text)
                continue
            priority = link_priority(link)
            if priority is not None and self._worth_listing(priority, depth) and self._allowed(link.url):
                yield self._list_request(link.url, depth + 1, priority)
        for url in listing.pagination:
            if self._allowed(url):
                yield self._list_request(url, depth, link_rank=60)
        for api in listing.api_requests:
            if api.kind in API_READERS and self._allowed(api.url):
                yield self._api_request(api, depth)

    def _api_request(self, api: Any, depth: int) -> Request:
        """A list whose rows come from an XML/JSON endpoint (Hanweb jpage, gkmlpt)."""
        meta = {"depth": depth, "api_kind": api.kind, "handle_httpstatus_list": BLOCK_STATUSES}
        if api.method.upper() == "POST" and api.data:
            return scrapy.FormRequest(api.url, formdata=api.data, callback=self.parse_api, errback=self.on_error,
                                      meta=meta, priority=9 - depth)
        return Request(api.url, callback=self.parse_api, errback=self.on_error, meta=meta, priority=9 - depth)

    def parse_api(self, response: Response) -> Iterator[Any]:
        if self._blocked(response):
            return
        self.crawler.stats.inc_value("fzwatch/api_pages")
        try:
            listing = API_READERS[response.meta["api_kind"]](response.url, response.body)
        except ValueError as exc:  # a broken answer is that request's error, not the crawl's
            self.crawler.stats.inc_value("fzwatch/errors")
            logger.warning("unreadable list API answer %s: %s", response.url, exc)
            return
        yield from self._follow(listing, response.meta["depth"])

    @staticmethod
    def _is_candidate(anchor: str) -> bool:
        return classify_title(anchor).is_report or bool(CANDIDATE_HINT.search(anchor) and "报告" in anchor)

    def parse_detail(self, response: Response) -> Iterator[Any]:
        if response.status == 304:
            self.crawler.stats.inc_value("fzwatch/not_modified")
            yield {"kind": "not_modified", "site_id": self.site_id, "url": canonical_url(response.url)}
            return
        if self._blocked(response):
            return
        self.crawler.stats.inc_value("fzwatch/detail_pages")
        headers = _headers(response)
        item = {
            "kind": "page", "site_id": self.site_id, "url": canonical_url(response.url), "body": response.body,
            "status": response.status, "content_type": headers.get("content-type", ""),
            "etag": headers.get("etag"), "last_modified": headers.get("last-modified"), "attachment": None,
            "parsed": parse_page(response.url, response.body, headers, site_name=self.site["name"],
                                 region=self.site["region"]),
        }
        attachment = item["parsed"].attachments[0] if needs_attachment(item["parsed"]) else None
        if attachment and self._allowed(attachment):
            # The page only points to its attachment (详见附件): fetch it (robots.txt applies) for the body.
            yield Request(attachment, callback=self.parse_attachment, errback=self.on_attachment_error,
                          priority=25, meta={"item": item, "handle_httpstatus_list": BLOCK_STATUSES})
            return
        yield item

    def parse_attachment(self, response: Response) -> Iterator[Any]:
        item = response.meta["item"]
        if response.status < 400:
            self.crawler.stats.inc_value("fzwatch/attachments")
            item["attachment"] = {"url": canonical_url(response.url), "body": response.body,
                                  "content_type": _headers(response).get("content-type", "")}
        yield item

    def on_attachment_error(self, failure: Any) -> Iterator[Any]:
        self.crawler.stats.inc_value("fzwatch/errors")
        yield failure.request.meta["item"]  # the page alone is still stored; nothing is lost

    def _blocked(self, response: Response) -> bool:
        kind = detect_block(response.status, _headers(response), response.body)
        if kind is None and response.status < 400:
            return False
        self.crawler.stats.inc_value(f"fzwatch/blocked/{kind}" if kind else f"fzwatch/http_{response.status}")
        if kind and response.meta.get("is_start"):
            self.crawler.stats.inc_value("fzwatch/start_blocked")
        return True

    def on_error(self, failure: Any) -> None:
        request = failure.request
        self.crawler.stats.inc_value("fzwatch/errors")
        if request.meta.get("is_start"):
            self.crawler.stats.inc_value("fzwatch/start_failed")
        logger.warning("fetch failed %s: %s", request.url, failure.getErrorMessage())


def _headers(response: Response) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v[0].decode("latin-1") for k, v in response.headers.items() if v}
