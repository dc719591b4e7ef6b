"""Downloader middlewares: politeness (Retry-After) and challenge handling (cookie 302-to-self)."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from parsers.listing import canonical_url

logger = logging.getLogger(__name__)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else datetime.now(UTC).timestamp()
    return max(when.timestamp() - current, 0.0)


class RetryAfterMiddleware:
    """A 429/503 with Retry-After: nothing more is asked of that host until the time has passed, then the
    request is retried (FZWATCH_RETRY_AFTER_TIMES). A wait longer than FZWATCH_RETRY_AFTER_MAX is not
    waited out in this crawl: the response goes on as an error and the next crawl tries again."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.max_wait = crawler.settings.getfloat("FZWATCH_RETRY_AFTER_MAX", 120.0)
        self.times = crawler.settings.getint("FZWATCH_RETRY_AFTER_TIMES", 2)
        self.not_before: dict[str, float] = {}  # host -> monotonic time

    @classmethod
    def from_crawler(cls, crawler: Any) -> RetryAfterMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        wait = self.not_before.get(_host(request.url), 0.0) - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in (429, 503):
            return response
        delay = retry_after_seconds(_header(response, b"Retry-After"))
        if delay is None:
            return response  # RetryMiddleware's own retries apply
        tries = int(request.meta.get("fzwatch_retry_after", 0))
        stats = self.crawler.stats
        if delay > self.max_wait or tries >= self.times:
            stats.inc_value("fzwatch/retry_after_gave_up")
            logger.warning(
                "%s asks to wait %.0fs (Retry-After); giving up on %s for this crawl",
                _host(request.url),
                delay,
                request.url,
            )
            return response
        host = _host(request.url)
        self.not_before[host] = max(self.not_before.get(host, 0.0), time.monotonic() + delay)
        stats.inc_value("fzwatch/retry_after")
        retry = request.replace(dont_filter=True)
        retry.meta["fzwatch_retry_after"] = tries + 1
        return retry


class CookieRedirectMiddleware:
    """A 302 to the same URL that sets a cookie (openresty CT6T shells): ask again once with the cookie
    (the cookie jar adds it). If the site answers the same again, the cookie did not help: the response
    reaches the spider, which records the page as blocked, instead of looping through redirects."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> CookieRedirectMiddleware:
        middleware = cls()
        middleware.crawler = crawler  # type: ignore[attr-defined]
        return middleware

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if not _is_cookie_redirect(request, response):
            return response
        stats = self.crawler.stats  # type: ignore[attr-defined]
        if request.meta.get("fzwatch_cookie_retry"):
            stats.inc_value("fzwatch/cookie_redirect_failed")
            request.meta["dont_redirect"] = True
            request.meta["handle_httpstatus_list"] = [
                *request.meta.get("handle_httpstatus_list", []),
                response.status,
            ]
            return response
        stats.inc_value("fzwatch/cookie_redirect")
        retry = request.replace(dont_filter=True)
        retry.meta["fzwatch_cookie_retry"] = True
        return retry


class RedirectLoopMiddleware:
    """A redirect back to a URL already in this request's redirect chain (a ↔ b) is cut at once instead
    of bouncing until REDIRECT_MAX_TIMES; counted as `fzwatch/cut_redirect_loop`."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedirectLoopMiddleware:
        middleware = cls()
        middleware.crawler = crawler  # type: ignore[attr-defined]
        return middleware

    def process_response(self, request: Request, response: Response) -> Response:
        location = _header(response, b"Location")
        if not 300 <= response.status < 400 or not location or response.headers.get(b"Set-Cookie"):
            return response
        target = canonical_url(urljoin(request.url, location))
        chain = {canonical_url(u) for u in request.meta.get("redirect_urls", [])}
        if target in chain:
            self.crawler.stats.inc_value("fzwatch/cut_redirect_loop")  # type: ignore[attr-defined]
            logger.info("cut (redirect_loop) %s -> %s", request.url, target)
            raise IgnoreRequest(f"redirect loop: {request.url} -> {target}")
        return response


def _is_cookie_redirect(request: Request, response: Response) -> bool:
    if not 300 <= response.status < 400 or not response.headers.get(b"Set-Cookie"):
        return False
    location = _header(response, b"Location")
    return bool(location) and canonical_url(urljoin(request.url, location)) == canonical_url(request.url)


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _host(url: str) -> str:
    return urlsplit(url).netloc.lower()
