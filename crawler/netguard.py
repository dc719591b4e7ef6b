"""Downloader middleware that applies crawler/netpolicy.py to every request a crawl makes.

It runs first on the request path, so start pages, links, list APIs, attachments, site search, browser
renders and robots.txt are all checked; Scrapy sends a redirect's target back through the scheduler, so
each hop is checked as a new request (a 302 from an allowed page to another host is refused here).
DNS is resolved off the reactor thread and cached per crawl.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request

from crawler.netpolicy import (
    DEFAULT_PORTS,
    IPAddress,
    PolicyError,
    address_problem,
    allow_private,
    check_url,
    in_origins,
    resolve_host,
    site_origins,
)

logger = logging.getLogger(__name__)


class RefusedByPolicy(IgnoreRequest):
    """A request the network policy refused; ``reason_zh`` is shown to users."""

    def __init__(self, message: str, reason_zh: str) -> None:
        super().__init__(message)
        self.reason_zh = reason_zh


class NetworkPolicyMiddleware:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.private_ok = allow_private()
        self.addresses: dict[tuple[str, int], list[IPAddress]] = {}
        self.warned: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any) -> NetworkPolicyMiddleware:
        return cls(crawler)

    def _origins(self) -> Any:
        site = getattr(self.crawler.spider, "site", None) or {}
        return site_origins(site.get("start_urls", []), (site.get("options") or {}).get("allowed_hosts", []))

    async def process_request(self, request: Request) -> None:
        try:
            check_url(request.url, self.private_ok)
        except PolicyError as exc:
            self._refuse(request, str(exc), exc.reason_zh, "policy")
        origins = self._origins()
        if origins and not in_origins(request.url, origins):
            self._refuse(
                request, f"outside the site's origins: {request.url}", "站外地址（不同主机或端口）", "offsite"
            )
        parts = urlsplit(request.url)
        key = (parts.hostname or "", parts.port or DEFAULT_PORTS.get(parts.scheme, 80))
        if key not in self.addresses:
            loop = asyncio.get_running_loop()
            self.addresses[key] = await loop.run_in_executor(None, resolve_host, *key)
        for address in self.addresses[key]:
            problem = address_problem(address, self.private_ok)
            if problem is not None:
                self._refuse(request, str(problem), problem.reason_zh, "address")

    def _refuse(self, request: Request, message: str, reason_zh: str, kind: str) -> None:
        self.crawler.stats.inc_value(f"fzwatch/refused/{kind}")
        if request.meta.get("is_start"):
            self.crawler.stats.set_value("fzwatch/start_refused", reason_zh)
        host = urlsplit(request.url).netloc
        if host not in self.warned:
            self.warned.add(host)
            logger.warning("refused by network policy: %s", message)
        raise RefusedByPolicy(message, reason_zh)
