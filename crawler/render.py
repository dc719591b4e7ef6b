"""JavaScript rendering: scrapy-playwright driving the system's Chromium (Debian's `chromium` package,
installed by .ci/run; Playwright never downloads a browser).

Whenever Chromium is available the (lazy) Playwright download handler is installed for every crawl: a
list page found to be a JavaScript shell is rendered without any registry setting, and sites marked
`options.render: js` have all their list pages rendered. Pages not rendered cost nothing extra (the
browser starts at the first rendered request). Optional: when scrapy-playwright or the browser is
missing, shells are read through their scripts only, and a `render: js` site gets a warning."""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
from typing import Any

from crawler.netpolicy import PolicyError, check_url

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


_SKIPPED_RESOURCES = frozenset({"image", "media", "font", "stylesheet"})


def skip_resource(request: Any) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: the browser does not download images, media, fonts or stylesheets, and its
    own sub-requests (scripts, XHR — made outside Scrapy's downloader middlewares) obey the network policy's
    address rules: never a cloud-metadata or link-local address, private ones only when allowed."""
    if getattr(request, "resource_type", "") in _SKIPPED_RESOURCES:
        return True
    try:
        check_url(str(getattr(request, "url", "")))
    except PolicyError:
        return not str(getattr(request, "url", "")).startswith(("data:", "blob:", "about:"))
    return False


def js_render_settings(warn: bool = True) -> dict[str, Any] | None:
    """Scrapy settings that route `meta={"playwright": True}` requests through Chromium; None if unavailable.

    ``warn``: log a warning when unavailable (a site asked for `render: js`)."""
    browser = chromium_path()
    if importlib.util.find_spec("scrapy_playwright") is None or browser is None:
        if warn:
            logger.warning(
                "render: js asked for but %s is missing: crawling without JavaScript",
                "scrapy-playwright" if browser else "chromium (apt-get install chromium)",
            )
        return None
    handler = "crawler.render_handler.LazyPlaywrightDownloadHandler"
    return {
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": browser,
            "headless": True,
            "args": ["--no-sandbox", "--disable-dev-shm-usage"],
        },
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": 30_000,
        # A rendered list needs its HTML and scripts (and the JSON they fetch), not pictures or fonts.
        "PLAYWRIGHT_ABORT_REQUEST": "crawler.render.skip_resource",
        "FZWATCH_JS_RENDER": True,
    }
