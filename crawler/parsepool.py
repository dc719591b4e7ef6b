"""Parsing off the reactor thread, with a CPU-time and memory budget per page (issue 12, "Bounded work").

`parse_page` (and the document readers it calls) and `read_listing` (list pages) run in a pebble ProcessPool: a page that takes longer
than FZWATCH_PARSE_TIMEOUT seconds has its worker killed by pebble, and each worker's address space is
capped at FZWATCH_PARSE_MEMORY_MB above what it maps at start (RLIMIT_AS), so one hostile page can neither
stall the other sites crawled in the same reactor nor eat the machine. Such a page becomes that page's parse
error (flags `parse_error` and `over_budget`), counted like any other.

Workers are started by a forkserver that has imported `parsers` once: they are cheap to replace and inherit
neither the reactor nor database connections. This module imports no Scrapy: the workers unpickle its job
function. One pool per process, shared by every crawl in it (crawler/worker.py runs many).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import resource
from collections.abc import Mapping
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from pebble import ProcessExpired, ProcessPool

from parsers import parse_page
from parsers.combine import with_attachment_body
from parsers.listing import Listing, read_listing
from parsers.page import unparsable_page
from parsers.types import ParsedPage

logger = logging.getLogger(__name__)

# TEST-ONLY hook: when this environment variable is set (to a marker string), a page whose body contains the
# marker makes the parse worker spin on the CPU until its budget kills it: an adversarial page for tests that
# needs no monkeypatching in the child. Never set it in production.
TEST_SLOW_MARKER_ENV = "FZWATCH_TEST_SLOW_PARSE_MARKER"

OVER_BUDGET = "over_budget"


class ParseBudgetExceeded(Exception):
    """The page's parse went over its CPU-time or memory budget."""


def _limit_memory(memory_mb: int) -> None:
    """Pool initializer: cap this worker's address space at what it maps now plus the budget."""
    if memory_mb <= 0:
        return
    with open("/proc/self/statm", encoding="ascii") as fh:
        mapped = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = mapped + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _spin_if_marked(body: bytes) -> None:
    marker = os.environ.get(TEST_SLOW_MARKER_ENV)
    if marker and marker.encode() in body:
        while True:  # test-only: an input that never finishes parsing (burns CPU like a quadratic regex)
            sum(range(10_000))


def _parse_job(url: str, body: bytes, headers: dict[str, str], kwargs: dict[str, Any]) -> ParsedPage:
    _spin_if_marked(body)
    try:
        return parse_page(url, body, headers, **kwargs)
    except MemoryError as exc:  # parse_page catches Exception, but a MemoryError may escape its handler
        return _over_budget(url, ParseBudgetExceeded(f"memory: {exc}"))


def _listing_job(url: str, body: bytes, headers: dict[str, str]) -> Listing:
    _spin_if_marked(body)
    try:
        return read_listing(url, body, headers)
    except MemoryError as exc:
        return _unreadable_listing(url, f"memory: {exc}")


def _unreadable_listing(url: str, reason: str) -> Listing:
    listing = Listing(url=url)
    listing.error = f"{OVER_BUDGET}: {reason}"
    return listing


def _combine_job(
    page: ParsedPage, url: str, body: bytes, headers: dict[str, str], kwargs: dict[str, Any]
) -> ParsedPage:
    try:
        return with_attachment_body(page, url, body, headers, **kwargs)
    except MemoryError as exc:
        return _over_budget(url, ParseBudgetExceeded(f"memory: {exc}"))


def _over_budget(url: str, exc: BaseException) -> ParsedPage:
    page = unparsable_page(url, exc)
    page.flags.append(OVER_BUDGET)
    return page


class ParsePool:
    """``workers`` 0: parse inline on the calling thread (no budget), as before issue 12."""

    def __init__(
        self, workers: int = 1, timeout: float = 60.0, memory_mb: int = 1024, max_tasks: int = 500
    ) -> None:
        self.workers, self.timeout, self.memory_mb = workers, timeout, memory_mb
        self._pool: ProcessPool | None = None
        self._max_tasks = max_tasks

    def _ensure(self) -> ProcessPool:
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["crawler.parsepool"])
            self._pool = ProcessPool(
                max_workers=self.workers,
                max_tasks=self._max_tasks,
                context=context,
                initializer=_limit_memory,
                initargs=(self.memory_mb,),
            )
        return self._pool

    async def parse(self, url: str, body: bytes, headers: Mapping[str, str], **kwargs: Any) -> ParsedPage:
        """The parsed page; never raises. Awaited on the asyncio reactor's loop without blocking it."""
        if self.workers <= 0:
            return parse_page(url, body, dict(headers), **kwargs)
        return await self._run(url, _parse_job, (url, body, dict(headers), kwargs))

    async def combine(
        self, page: ParsedPage, url: str, body: bytes, headers: Mapping[str, str], **kwargs: Any
    ) -> ParsedPage:
        """The page completed with its attachment's body (parsers.combine), parsed in the pool; never raises."""
        if self.workers <= 0:
            return with_attachment_body(page, url, body, dict(headers), **kwargs)
        return await self._run(url, _combine_job, (page, url, body, dict(headers), kwargs))

    async def listing(self, url: str, body: bytes, headers: Mapping[str, str]) -> Listing:
        """The list page read (parsers.listing.read_listing) in the pool; never raises. A page over its
        budget is an empty listing whose ``error`` starts with ``over_budget``."""
        if self.workers <= 0:
            return read_listing(url, body, dict(headers))
        try:
            return await self._schedule(_listing_job, (url, body, dict(headers)))
        except Exception as exc:  # noqa: BLE001 - same rule as _run: this page's error, never the crawl's
            return _unreadable_listing(url, self._failure(url, exc))

    async def _run(self, url: str, job: Any, args: tuple[Any, ...]) -> ParsedPage:
        try:
            return await self._schedule(job, args)
        except (FutureTimeout, ProcessExpired) as exc:
            return _over_budget(url, ParseBudgetExceeded(self._failure(url, exc)))
        except Exception as exc:  # noqa: BLE001 - a pool failure is this page's error, never the crawl's
            logger.warning("parse of %s failed in the pool: %s", url, exc)
            return unparsable_page(url, exc)

    async def _schedule(self, job: Any, args: tuple[Any, ...]) -> Any:
        future = self._ensure().schedule(job, args=args, timeout=self.timeout)
        return await asyncio.wrap_future(future)

    def _failure(self, url: str, exc: BaseException) -> str:
        """The Chinese reason shown for a page the pool could not parse; logged in English."""
        if isinstance(exc, FutureTimeout):
            logger.warning("parse of %s cut after %.0fs (FZWATCH_PARSE_TIMEOUT)", url, self.timeout)
            return f"解析超过 {self.timeout:.0f} 秒"
        if isinstance(exc, ProcessExpired):  # killed (memory, signal) while parsing this page
            logger.warning("parse worker died on %s: %s", url, exc)
            return f"解析进程异常退出（{exc.exitcode}）"
        logger.warning("parse of %s failed in the pool: %s", url, exc)
        return f"解析失败：{type(exc).__name__}"

    def close(self) -> None:
        if self._pool is not None:
            self._pool.stop()
            self._pool.join(timeout=5)
            self._pool = None


_shared: ParsePool | None = None


def shared_pool(settings: Any) -> ParsePool:
    """This process's pool, sized by the first crawl's settings (FZWATCH_PARSE_*)."""
    global _shared
    if _shared is None:
        _shared = ParsePool(
            settings.getint("FZWATCH_PARSE_WORKERS", 1),
            settings.getfloat("FZWATCH_PARSE_TIMEOUT", 60.0),
            settings.getint("FZWATCH_PARSE_MEMORY_MB", 1024),
        )
    return _shared


def close_shared_pool() -> None:
    global _shared
    if _shared is not None:
        _shared.close()
        _shared = None
