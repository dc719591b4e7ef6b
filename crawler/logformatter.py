"""Log lines an operator can read: items never dumped (a page item carries the raw body), and the network
errors Scrapy logs with a full Twisted traceback (robots.txt download, retries) kept to one line."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import logformatter


class QuietItemsLogFormatter(logformatter.LogFormatter):
    def scraped(self, item: Any, response: Any, spider: Any) -> logformatter.LogFormatterResult:
        return {
            "level": logging.DEBUG,
            "msg": "Stored from %(url)s",
            "args": {"url": getattr(response, "url", "")},
        }

    def dropped(
        self, item: Any, exception: BaseException, response: Any, spider: Any
    ) -> logformatter.LogFormatterResult:
        # A candidate that turned out not to be a report is routine, not a warning.
        return {
            "level": logging.INFO,
            "msg": "Skipped %(url)s: %(reason)s",
            "args": {"url": getattr(response, "url", ""), "reason": exception},
        }

    def item_error(
        self, item: Any, exception: BaseException, response: Any, spider: Any
    ) -> logformatter.LogFormatterResult:
        url = getattr(item, "url", "")  # the typed items of crawler/items.py; a crawl-page item has none
        return {
            "level": logging.ERROR,
            "msg": "Error processing the item from %(url)s: %(error)s",
            "args": {"url": url or getattr(response, "url", ""), "error": _one_line(exception)},
        }


# Loggers whose errors are about the network, where a traceback says nothing the message does not.
NETWORK_LOGGERS = (
    "scrapy.downloadermiddlewares.robotstxt",
    "scrapy.downloadermiddlewares.retry",
    "scrapy.core.scraper",
    "scrapy.core.engine",
)
MAX_LINE = 500


class OneLineFilter(logging.Filter):
    """Drops the traceback of network errors and bounds every message's length (a 123,000-character
    line with a page body in it helps nobody)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            record.exc_info
            and record.name.startswith(NETWORK_LOGGERS)
            and _is_network_error(record.exc_info[1])
        ):
            record.msg = f"{record.getMessage()} ({_one_line(record.exc_info[1])})"
            record.args = None
            record.exc_info = record.exc_text = None
        message = record.getMessage()
        if len(message) > MAX_LINE:
            record.msg, record.args = (
                message[:MAX_LINE] + f"… [{len(message) - MAX_LINE} characters cut]",
                None,
            )
        return True


def install_one_line_filter() -> None:
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, OneLineFilter) for f in handler.filters):
            handler.addFilter(OneLineFilter())


def _is_network_error(exc: BaseException | None) -> bool:
    while exc is not None:
        module = type(exc).__module__
        if module.startswith(
            ("twisted.internet", "twisted.web", "scrapy.exceptions", "OpenSSL")
        ) or isinstance(exc, (OSError, TimeoutError)):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _one_line(exc: BaseException | None) -> str:
    text = " ".join(str(exc).split()) if exc is not None else ""
    return f"{type(exc).__name__}: {text[:300]}" if exc is not None else ""
