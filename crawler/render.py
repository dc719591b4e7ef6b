"""JavaScript rendering for sites marked `options.render: js`: scrapy-playwright driving the system's
Chromium (Debian's `chromium` package, installed by .ci/run; Playwright never downloads a browser).

Optional: when scrapy-playwright or the browser is missing, such a site is crawled without JavaScript
and a warning is logged."""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
from typing import Any

logger = logging.getLogger(__name__)

# FZWATCH_CHROMIUM: the browser binary (default: /usr/bin/chromium, else `chromium` on PATH).
DEFAULT_CHROMIUM = "/usr/bin/chromium"


def chromium_path() -> str | None:
    wanted = os.environ.get("FZWATCH_CHROMIUM", DEFAULT_CHROMIUM)
    if os.path.isfile(wanted) and os.access(wanted, os.X_OK):
        return wanted
    return shutil.which("chromium") or shutil.which("chromium-browser")


def js_render_available() -> bool:
    return importlib.util.find_spec("scrapy_playwright") is not None and chromium_path() is not None


def js_render_settings() -> dict[str, Any] | None:
    """Scrapy settings that route `meta={"playwright": True}` requests through Chromium; None if unavailable."""
    browser = chromium_path()
    if importlib.util.find_spec("scrapy_playwright") is None or browser is None:
        logger.warning("render: js asked for but %s is missing: crawling without JavaScript",
                       "scrapy-playwright" if browser else "chromium (apt-get install chromium)")
        return None
    handler = "crawler.render_handler.LazyPlaywrightHandler"  # Playwright starts at the first rendered page
    return {
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": browser, "headless": True,
                                      "args": ["--no-sandbox", "--disable-dev-shm-usage"]},
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": 30_000,
        "PLAYWRIGHT_ABORT_REQUEST": "crawler.render.skip_heavy_resource",
        "FZWATCH_JS_RENDER": True,
    }


# A rendered page's own sub-requests (scripts, XHR) are made by the browser, outside the downloader's
# robots.txt and Crawl-delay; images, fonts and media never build a list, so they are not asked for at all.
_HEAVY = frozenset({"image", "media", "font"})


def skip_heavy_resource(request: Any) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: abort a browser sub-request for an image, font or media file."""
    return getattr(request, "resource_type", "") in _HEAVY
