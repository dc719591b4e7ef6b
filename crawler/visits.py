"""What one crawl remembers of a site's pages: what it has already asked for, which remembered pages are
worth fetching again, and the ``crawl_pages`` rows it hands to the pipeline.

The spider decides what to fetch; this module keeps the bookkeeping behind those decisions. When a
remembered page falls due is `crawler/revisit.py`'s policy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import datetime
from typing import Any

from scrapy.http import Response

from crawler.guards import looks_binary
from crawler.items import CrawlPageItem
from crawler.revisit import LIST_KINDS, RevisitPolicy, is_due
from parsers.listing import canonical_url

NOT_FOUND_STATUSES = [404, 410]


class Visits:
    """The pages of one crawl of one site: remembered from earlier crawls, and claimed in this one."""

    def __init__(
        self,
        site_id: str,
        pages: dict[str, dict[str, Any]],
        known: Collection[str],
        policy: RevisitPolicy,
        start_keys: Collection[str],
        now: datetime,
    ) -> None:
        self.site_id = site_id
        self.pages = pages  # remembered crawl pages by key (crawl_state)
        self.known = known  # URLs of stored documents
        self.policy = policy
        self.start_keys = start_keys
        self.now = now
        self.seen: set[str] = set()  # keys requested in this crawl (bounded by the page budget)
        self.changed: set[str] = set()  # list keys whose body changed in this crawl

    # -- revisit decisions -------------------------------------------------------------------------

    def claim(self, key: str) -> bool:
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def due(self, key: str) -> bool:
        """Never seen before, or remembered and due again."""
        page = self.pages.get(key)
        return page is None or is_due(page, self.now, self.start_keys)

    def due_lists(self) -> list[dict[str, Any]]:
        """Remembered lists and list APIs due in this crawl, shallow and promising first."""
        due = [
            p
            for p in self.pages.values()
            if p["kind"] in ("list", "api") and is_due(p, self.now, self.start_keys)
        ]
        return sorted(due, key=lambda p: (p["depth"], -(p["priority"] or 0)))

    def list_worth_fetching(self, key: str, is_pagination: bool, parent_changed: bool) -> bool:
        """New lists are; remembered ones when due, or when they are the pagination of a list that changed
        in this crawl (its rows shifted)."""
        page = self.pages.get(key)
        return self.due(key) or (
            is_pagination and parent_changed and page is not None and page["kind"] in LIST_KINDS
        )

    def detail_worth_fetching(self, url: str, anchor: str) -> bool:
        """New articles are; one judged before when its anchor text changed or its slow revisit is due."""
        page = self.pages.get(url)
        return page is None or page.get("anchor") != anchor or self.due(url)

    def conditional(self, key: str, validators: dict[str, Any] | None = None) -> dict[str, str]:
        """If-None-Match / If-Modified-Since from what the last fetch of this page answered."""
        stored = validators if validators is not None else self.pages.get(key) or {}
        headers = {}
        if stored.get("etag"):
            headers["If-None-Match"] = stored["etag"]
        if stored.get("last_modified"):
            headers["If-Modified-Since"] = stored["last_modified"]
        return headers

    # -- what the crawl remembers (written by the pipeline) -------------------------------------------

    def visit(self, response: Response, kind: str, changed: bool = False) -> dict[str, Any]:
        """A crawl_pages row update for the page of this response."""
        meta, headers = response.meta, response_headers(response)
        page = {
            "key": meta["key"],
            "url": meta.get("url") or canonical_url(response.url),
            "kind": kind,
            "depth": meta.get("depth", 0),
            "priority": meta.get("priority", 0),
            "root": meta.get("root"),
            "anchor": meta.get("anchor", ""),
            "last_fetched": self.now,
        }
        if kind == "api":
            page.update(api_kind=meta["api_kind"], method=meta.get("method", "GET"), form=meta.get("form"))
        if response.status != 304 and kind != "dead":
            page.update(etag=headers.get("etag"), last_modified=headers.get("last-modified"))
        if changed:
            page.update(last_changed=self.now, body_sha256=hashlib.sha256(response.body).hexdigest())
        old = self.pages.get(page["key"], {})
        page["next_visit_at"] = self.policy.next_visit(
            {**old, **page, "productive": old.get("productive")}, self.now, self.start_keys
        )
        return page

    def visit_item(self, response: Response, kind: str, changed: bool = False) -> CrawlPageItem:
        return CrawlPageItem(site_id=self.site_id, page=self.visit(response, kind, changed))

    def record_list(self, response: Response) -> CrawlPageItem:
        """Remember a list page; note whether its body changed since the last crawl (then its pagination
        is fetched again: the rows shifted)."""
        key = response.meta["key"]
        digest = hashlib.sha256(response.body).hexdigest()
        changed = digest != (self.pages.get(key) or {}).get("body_sha256")
        if changed:
            self.changed.add(key)
        return self.visit_item(response, response.meta["kind"], changed=changed)

    def record_unusable(self, response: Response) -> CrawlPageItem | None:
        """304: the list is as it was (its links are remembered separately). Gone or binary: a dead page,
        revisited slowly. Blocked: nothing is recorded (a challenge proves nothing about the page)."""
        if response.status == 304:
            return self.visit_item(response, response.meta["kind"])
        if is_dead(response) and response.meta["key"] not in self.known:
            return self.visit_item(response, "dead")
        return None

    def record_cut(self, key: str, url: str) -> CrawlPageItem:
        """A page cut for its size (a 5 MB trap): dead, so the next crawls do not ask again."""
        due = self.policy.next_visit({"key": key, "kind": "dead"}, self.now, self.start_keys)
        page = {"key": key, "url": url, "kind": "dead", "last_fetched": self.now, "next_visit_at": due}
        return CrawlPageItem(site_id=self.site_id, page=page)


def is_dead(response: Response) -> bool:
    return response.status in NOT_FOUND_STATUSES or (response.status < 300 and looks_binary(response.body))


def response_headers(response: Response) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v[0].decode("latin-1") for k, v in response.headers.items() if v}
