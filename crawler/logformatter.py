"""Log lines for items without the items: a page item carries the raw body, which must never be dumped."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import logformatter


class QuietItemsLogFormatter(logformatter.LogFormatter):
    def scraped(self, item: Any, response: Any, spider: Any) -> logformatter.LogFormatterResult:
        return {"level": logging.DEBUG, "msg": "Stored from %(url)s", "args": {"url": getattr(response, "url", "")}}

    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any) -> logformatter.LogFormatterResult:
        # A candidate that turned out not to be a report is routine, not a warning.
        return {"level": logging.INFO, "msg": "Skipped %(url)s: %(reason)s",
                "args": {"url": getattr(response, "url", ""), "reason": exception}}
