"""A crawl told to stop (worker shutdown, or its timeout) fetches nothing more than what is on the wire.

A closing Scrapy engine still downloads every request already handed to its downloader, one per slot delay
(robots.txt Crawl-delay included), and throws the answers away; requests waiting in the shared per-origin
politeness middleware (crawler/host_politeness.py) would go out too. With 16 queued at a 10 s Crawl-delay a
stopped crawl went on for minutes, past a container's stop grace. Scrapy has no setting for this, so the
downloader slots' queues (``Downloader.slots[*].queue``) are emptied here, and the middleware drops a request
whose crawl is stopping.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import deferred_from_coro

logger = logging.getLogger(__name__)

_FLAG = "fzwatch_stopping"
STOPPED_STAT = "fzwatch/stopped"  # in the crawl's stats: its downloads were dropped by a stop


class CrawlStopping(IgnoreRequest):
    """The request was not fetched: its crawl is stopping."""


def is_stopping(crawler: Any) -> bool:
    return bool(getattr(crawler, _FLAG, False))


def stop_downloads(crawler: Any) -> int:
    """Mark the crawl stopping and fail the requests waiting in its downloader slots; returns how many."""
    setattr(crawler, _FLAG, True)
    if getattr(crawler, "stats", None) is not None:
        crawler.stats.set_value(STOPPED_STAT, 1)
    downloader = getattr(crawler.engine, "downloader", None)
    dropped = 0
    for slot in list(getattr(downloader, "slots", {}).values()):
        while slot.queue:
            request, waiting = slot.queue.popleft()
            waiting.errback(CrawlStopping(f"crawl stopping: {request.url} not fetched"))
            dropped += 1
    if dropped:
        logger.info("crawl stopping: %d queued requests dropped", dropped)
    return dropped


def stop_crawl(crawler: Any) -> None:
    """Stop one crawl now (on the reactor thread): drop its queued downloads and stop its engine, even if
    the crawl is still starting. Used by the crawl worker and by ``python -m crawler.run`` on SIGTERM."""
    stop_downloads(crawler)
    if crawler.engine is not None and crawler.engine.running:
        deferred_from_coro(crawler.stop_async())
        return

    # Still starting (loading the site's state, opening the spider): Crawler.stop_async would only clear
    # its `crawling` flag; the crawl would then run on with its downloads dropped, and once its spider
    # closed nothing would stop its engine, so it never ended. Stop the engine as soon as it starts
    # (engine_started comes before `running` is set, so Crawler.stop_async would still do nothing).
    def stop_when_started() -> None:
        crawler.crawling = False
        deferred_from_coro(crawler.engine.stop_async())

    crawler.signals.connect(stop_when_started, signal=signals.engine_started, weak=False)
