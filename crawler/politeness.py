"""Per-site politeness beyond Scrapy's defaults: robots.txt `Crawl-delay`, honoured per origin.

Politeness is kept per origin (host and port), the scope robots.txt itself has: `OriginSlotMiddleware`
puts each request in the downloader slot of its origin (Scrapy's default key is the host name alone, so
two portals on one address but different ports would share one site's Crawl-delay).

Scrapy's RobotsTxtMiddleware obeys Allow/Disallow but does not apply Crawl-delay. `CrawlDelayThrottle`
replaces Scrapy's AutoThrottle extension: it reads Crawl-delay from the parser the middleware already
fetched (the `robots_parsed` signal; no second robots.txt request), makes it the floor of that host's
downloader slot delay (max(DOWNLOAD_DELAY, Crawl-delay), without jitter: the site's figure is a minimum),
and keeps AutoThrottle's latency-based adaptation above that floor.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Request, Response
from scrapy.utils.httpobj import urlparse_cached

logger = logging.getLogger(__name__)


class CrawlDelayThrottle(AutoThrottle):
    """AutoThrottle that never goes below a host's robots.txt Crawl-delay (capped at FZWATCH_CRAWL_DELAY_MAX)."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self.floors: dict[str, float] = {}  # downloader slot key (origin) -> minimum delay in seconds
        self.cap = crawler.settings.getfloat("FZWATCH_CRAWL_DELAY_MAX", 60.0)
        robots_parsed = getattr(signals, "robots_parsed", None)  # Scrapy >= 2.13
        if robots_parsed is not None:
            crawler.signals.connect(self._robots_parsed, signal=robots_parsed)
        # A slot can be garbage-collected while idle and re-created with the default delay: re-apply.
        crawler.signals.connect(self._request_reached_downloader, signal=signals.request_reached_downloader)

    def _robots_parsed(self, robotparser: Any, request: Request) -> None:
        agent = self.crawler.settings.get("ROBOTSTXT_USER_AGENT") or self.crawler.settings.get("USER_AGENT")
        asked = _crawl_delay(robotparser, agent)
        if asked is None:
            return
        delay = min(max(asked, self.crawler.settings.getfloat("DOWNLOAD_DELAY")), self.cap)
        if asked > self.cap:
            logger.warning(
                "robots.txt of %s asks Crawl-delay %.0fs; using %.0fs (FZWATCH_CRAWL_DELAY_MAX)",
                origin_key(request),
                asked,
                self.cap,
            )
        key = origin_key(request)
        self.floors[key] = delay
        self.crawler.stats.set_value(f"fzwatch/crawl_delay/{key}", delay)
        logger.info("robots.txt of %s: Crawl-delay %.1fs applied", key, delay)
        self._apply(key)

    def _request_reached_downloader(self, request: Request, spider: Any) -> None:
        self._apply(request.meta.get("download_slot") or origin_key(request))

    def _apply(self, key: str) -> None:
        floor = self.floors.get(key)
        slot = self.crawler.engine.downloader.slots.get(key) if self.crawler.engine else None
        if floor is None or slot is None:
            return
        slot.delay = max(slot.delay, floor)
        slot.jitter = 0.0  # a random 0.5x-1.5x factor would go below the asked minimum

    def _response_downloaded(self, response: Response, request: Request, spider: Any) -> None:
        super()._response_downloaded(response, request, spider)
        self._apply(request.meta.get("download_slot") or origin_key(request))


def _crawl_delay(robotparser: Any, agent: str) -> float | None:
    """Crawl-delay for our agent; None when absent or the parser cannot tell (Scrapy < 2.18 parsers)."""
    reader = getattr(robotparser, "crawl_delay", None)
    if reader is None:
        inner = getattr(robotparser, "rp", None)  # Protego's own parser, under older Scrapy wrappers
        reader = getattr(inner, "crawl_delay", None)
    if reader is None:
        return None
    try:
        value = reader(agent)
    except (TypeError, ValueError):
        return None
    return float(value) if value is not None and float(value) > 0 else None


class OriginSlotMiddleware:
    """Downloader middleware, first in the chain: the request's downloader slot is its origin. Set on every
    request, a redirect hop included (it inherits the previous hop's meta, slot and all)."""

    def process_request(self, request: Request) -> None:
        request.meta["download_slot"] = origin_key(request)


def origin_key(request: Request) -> str:
    """`host` or `host:port` (an explicit port only), lower-case; '' for a URL without a host."""
    parts = urlparse_cached(request)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:  # a malformed port: the host alone
        port = None
    return f"{host}:{port}" if host and port else host
