"""scrapy-playwright's download handler, started only when a request first asks for a browser.

Installed for every crawl when Chromium is available (crawler.render.js_render_settings), so any page
found to be a JavaScript shell can be rendered; pages that are not rendered go through Scrapy's plain
HTTP handler as before and start no Playwright driver and no browser. This module imports
scrapy-playwright: it is loaded by Scrapy only through the DOWNLOAD_HANDLERS setting.
"""

from __future__ import annotations

import asyncio
import logging

from scrapy.http import Request, Response
from scrapy_playwright import handler as _playwright
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

logger = logging.getLogger(__name__)

# Laziness needs Scrapy's coroutine download-handler API (Scrapy >= 2.14) and the scrapy-playwright
# internals it hooks (checked, not assumed: they are private); otherwise the handler starts eagerly.
LAZY = bool(getattr(_playwright, "_SCRAPY_ASYNC_API", False)) and all(
    hasattr(ScrapyPlaywrightDownloadHandler, name)
    for name in ("_maybe_launch_in_thread", "_launch", "_maybe_future_from_coro")
)


class LazyPlaywrightDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """Launch Playwright (and Chromium) at the first ``meta["playwright"]`` request, not at engine start."""

    _start_lock: asyncio.Lock | None = None

    if LAZY:

        async def _maybe_launch_in_thread(self) -> None:  # engine_started: nothing to start yet
            return None

        async def download_request(self, request: Request) -> Response:
            if request.meta.get("playwright"):
                await self._start_once()
            return await super().download_request(request)

    async def _start_once(self) -> None:
        self._start_lock = self._start_lock or asyncio.Lock()
        async with self._start_lock:
            if getattr(self, "browser_provider", None) is None:
                logger.info("starting Chromium for %s rendering", "JavaScript")
                await self._maybe_future_from_coro(self._launch())
