"""When to fetch a remembered page again: the incremental-recrawl policy (pure functions).

Every crawl re-checks, with conditional GET, the pages where new reports appear: the start pages and the
first page of every list that ever led to a report or that is a report channel. Known reports are
re-checked on every crawl too (by the spider, from storage), so a revision of even an old report is seen.
Everything else that was seen before (other lists, pagination pages, near-miss articles, dead links)
waits for a slow revisit, spread over a window so that one crawl does not get them all at once — unless
the crawl meets it again in a list that changed (a pagination page of a changed first page, a link whose
anchor text changed).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from parsers.listing import PRIORITY_NEWS_CHANNEL, PRIORITY_REPORT_CHANNEL

LIST_KINDS = ("list", "api", "search")
BEIJING = ZoneInfo("Asia/Shanghai")
# Reports are due by 4月1日 and most appear February–June (domain notes §1): in those months every
# channel and news/notice list is checked on each crawl (a conditional GET, usually a 304), so a report
# published in a list that never held one is first seen the day it appears, not at its slow revisit.
PUBLICATION_SEASON_MONTHS = range(1, 7)


@dataclass(frozen=True)
class RevisitPolicy:
    """How long a page that is not checked on every crawl waits, by kind (days)."""

    list_days: float = 7.0  # FZWATCH_LIST_REVISIT_DAYS
    detail_days: float = 30.0  # FZWATCH_DETAIL_REVISIT_DAYS
    dead_days: float = 30.0  # FZWATCH_DEAD_REVISIT_DAYS

    @classmethod
    def from_settings(cls, settings: Any) -> RevisitPolicy:
        return cls(
            list_days=settings.getfloat("FZWATCH_LIST_REVISIT_DAYS", cls.list_days),
            detail_days=settings.getfloat("FZWATCH_DETAIL_REVISIT_DAYS", cls.detail_days),
            dead_days=settings.getfloat("FZWATCH_DEAD_REVISIT_DAYS", cls.dead_days),
        )

    def next_visit(self, page: Mapping[str, Any], now: datetime, start_keys: Collection[str]) -> datetime | None:
        """None for a page checked on every crawl; else when it falls due again."""
        if is_hot(page, start_keys, now):
            return None
        days = {"detail": self.detail_days, "dead": self.dead_days}.get(page.get("kind", ""), self.list_days)
        # Spread between 0.75 and 1.25 of the interval, stable per URL: cold pages fall due a few at a time.
        return now + timedelta(days=days * (0.75 + 0.5 * _fraction(str(page["key"]))))


def in_publication_season(now: datetime) -> bool:
    return now.astimezone(BEIJING).month in PUBLICATION_SEASON_MONTHS


def is_hot(page: Mapping[str, Any], start_keys: Collection[str], now: datetime | None = None) -> bool:
    """Checked on every crawl: start pages, and first pages of report-bearing lists and report channels;
    in the publication season also the first pages of every channel and news/notice list."""
    if page.get("kind") not in LIST_KINDS:
        return False
    if page["key"] in start_keys:
        return True
    if page.get("root") is not None:
        return False  # pagination follows its first page
    priority = page.get("priority") or 0
    if page.get("productive") or priority >= PRIORITY_REPORT_CHANNEL:
        return True
    return now is not None and in_publication_season(now) and priority >= PRIORITY_NEWS_CHANNEL


def is_due(page: Mapping[str, Any], now: datetime, start_keys: Collection[str]) -> bool:
    if is_hot(page, start_keys, now):
        return True
    when = page.get("next_visit_at")
    return when is None or when <= now


def _fraction(key: str) -> float:
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
