"""scrapy-playwright's download handler, started lazily: Playwright (and Chromium) start at the first
request that asks for rendering, not when the crawl starts. Most crawls never render a page — the
handler is installed whenever a browser exists because escalation may need one (crawler/escalation.py) —
and starting Playwright costs every crawl about two seconds.

Imported by path only (`js_render_settings`), when scrapy-playwright is installed. It overrides three
private methods of scrapy-playwright (checked against 0.0.4x); if they are gone, the handler simply starts
eagerly as before."""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler


class LazyPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._lazy_lock = asyncio.Lock()
        self._lazy_started = False

    def _engine_started(self) -> None:  # type: ignore[override]
        return None  # connected to engine_started by the base class: do not start Playwright yet

    async def _maybe_launch_in_thread(self) -> None:
        return None  # the same, for Scrapy's async API

    async def _download_request(self, request: Any, spider: Any = None) -> Any:
        async with self._lazy_lock:
            if not self._lazy_started:
                await self._launch()
                self._lazy_started = True
        return await super()._download_request(request, spider)
