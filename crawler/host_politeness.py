"""Per-origin politeness across crawl processes and workers (storage/host_slots.py).

Scrapy's downloader slots space requests within one process only; two sites on one host (departments on
their government's 集约化 portal) crawled by two processes would hit it twice as often. This middleware
reserves each request's moment in the database and waits for it. The delay of an origin (host:port, see
crawler/politeness.py) is its downloader slot's (DOWNLOAD_DELAY, raised to robots.txt Crawl-delay by
CrawlDelayThrottle). robots.txt goes out before its Crawl-delay is known; it is recorded all the same, so the
first page after it waits the full delay.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import reactor
from twisted.internet.defer import Deferred, DeferredLock
from twisted.internet.task import deferLater
from twisted.internet.threads import deferToThread

from crawler.politeness import CrawlDelayThrottle, _crawl_delay, origin_key
from crawler.stopping import CrawlStopping, is_stopping
from storage.database import Database, shared_database
from storage.host_slots import reserve

logger = logging.getLogger(__name__)


class HostPolitenessMiddleware:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.default_delay = crawler.settings.getfloat("DOWNLOAD_DELAY")
        self.enabled = crawler.settings.getbool("FZWATCH_HOST_POLITENESS", True)
        self.db: Database | None = None
        self.locks: dict[str, DeferredLock] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> HostPolitenessMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        host = origin_key(request)
        delay = self._delay(request, host)
        robots = urlparse_cached(request).path == "/robots.txt"
        if not self.enabled or not host or (delay <= 0 and not robots):
            return  # nothing to share
        # One request per host at a time from this process goes reserve -> wait -> send: a reservation is
        # taken only when this process's slot for the host is idle, so the request leaves at its moment and
        # not late (behind a response still downloading), which would land it in another process's moment.
        lock = self.locks.setdefault(host, DeferredLock())
        await maybe_deferred_to_future(lock.acquire())
        try:
            self._unless_stopping(request)
            await self._slot_idle(request, host)
            # robots.txt is asked before its Crawl-delay is read: it is spaced by the delay another process
            # learned (None), and recorded, so the first page after it waits the full delay.
            await self._wait_for_turn(host, None if robots else self._delay(request, host))
            self._unless_stopping(request)
            self._spacing_done(request, host)
        finally:
            lock.release()

    def _unless_stopping(self, request: Request) -> None:
        """A request that waited its turn while its crawl was told to stop is not sent (crawler/stopping.py)."""
        if is_stopping(self.crawler):
            raise CrawlStopping(f"crawl stopping: {request.url} not fetched")

    async def _slot_idle(self, request: Request, host: str) -> None:
        while (slot := self._slot(request, host)) is not None and slot.active:
            await maybe_deferred_to_future(deferLater(reactor, 0.02, lambda: None))

    async def _wait_for_turn(self, host: str, delay: float | None) -> None:
        try:
            # In a thread: a busy database must not stall the reactor (and every other site's requests).
            when = await maybe_deferred_to_future(deferToThread(self._reserve, host, delay))
        except Exception as exc:  # noqa: BLE001 - politeness never stops a crawl; Scrapy's own delay still holds
            logger.warning(
                "shared host slot for %s unavailable (%s); using this process's delay only", host, exc
            )
            return
        wait = when - time.time()
        if wait > 0:
            await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))

    def _slot(self, request: Request, host: str) -> Any:
        engine = self.crawler.engine
        return engine.downloader.slots.get(request.meta.get("download_slot") or host) if engine else None

    def _spacing_done(self, request: Request, host: str) -> None:
        """The shared reservation already spaced this request from every process's previous one; the
        downloader slot must not hold it back again, or it would go out late, into the next reservation."""
        slot = self._slot(request, host)
        if slot is not None:
            slot.lastseen = 0.0

    def _delay(self, request: Request, host: str) -> float:
        """The host's delay: its downloader slot's, or the robots.txt floor when the slot is not made yet
        (a site's first request after robots.txt)."""
        key = request.meta.get("download_slot") or host
        slot = self._slot(request, host)
        floor = self._floors().get(key) or self._robots_delay(request)
        return max(self.default_delay, floor, slot.delay if slot is not None else 0.0)

    def _robots_delay(self, request: Request) -> float:
        """Crawl-delay straight from the parser RobotsTxtMiddleware holds: the robots_parsed signal (and so
        CrawlDelayThrottle's floor) can come after the site's first requests were released."""
        engine = self.crawler.engine
        for mw in (
            getattr(getattr(engine, "downloader", None), "middleware", None).middlewares if engine else ()
        ):
            if isinstance(mw, RobotsTxtMiddleware):
                parser = getattr(mw, "_parsers", {}).get(urlparse_cached(request).netloc)
                if parser is None or isinstance(parser, Deferred):
                    return 0.0
                agent = self.crawler.settings.get("ROBOTSTXT_USER_AGENT") or self.crawler.settings.get(
                    "USER_AGENT"
                )
                asked = _crawl_delay(parser, agent) or 0.0
                return min(asked, self.crawler.settings.getfloat("FZWATCH_CRAWL_DELAY_MAX", 60.0))
        return 0.0

    def _floors(self) -> dict[str, float]:
        for extension in getattr(self.crawler.extensions, "middlewares", ()):
            if isinstance(extension, CrawlDelayThrottle):
                return extension.floors
        return {}

    def _reserve(self, host: str, delay: float | None) -> float:
        if self.db is None:
            spider_db = getattr(self.crawler.spider, "db_url", None)
            self.db = shared_database(spider_db or self.crawler.settings.get("FZWATCH_DB"))
        with self.db.transaction() as session:
            return reserve(session, host, delay)
