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
# Reports are due by 4月1日 and most appear February–June (domain notes §1): in those months the first
# page of every channel and news/notice list falls due again after SEASON_LIST_DAYS instead of
# list_days, so with daily crawls a report published in a list that never held one is first seen within
# a day, not at its slow revisit (and an immediate recrawl still costs no more).
PUBLICATION_SEASON_MONTHS: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
SEASON_LIST_DAYS = 0.5  # 9–15 h after the spread: due at the next daily crawl


@dataclass(frozen=True)
class RevisitPolicy:
    """How long a page that is not checked on every crawl waits, by kind (days)."""

    list_days: float = 7.0  # FZWATCH_LIST_REVISIT_DAYS
    detail_days: float = 30.0  # FZWATCH_DETAIL_REVISIT_DAYS
    dead_days: float = 30.0  # FZWATCH_DEAD_REVISIT_DAYS
    season_months: tuple[int, ...] = PUBLICATION_SEASON_MONTHS  # FZWATCH_SEASON_MONTHS

    @classmethod
    def from_settings(cls, settings: Any) -> RevisitPolicy:
        return cls(
            list_days=settings.getfloat("FZWATCH_LIST_REVISIT_DAYS", cls.list_days),
            detail_days=settings.getfloat("FZWATCH_DETAIL_REVISIT_DAYS", cls.detail_days),
            dead_days=settings.getfloat("FZWATCH_DEAD_REVISIT_DAYS", cls.dead_days),
            season_months=tuple(settings.getlist("FZWATCH_SEASON_MONTHS", list(PUBLICATION_SEASON_MONTHS))),
        )

    def next_visit(
        self, page: Mapping[str, Any], now: datetime, start_keys: Collection[str]
    ) -> datetime | None:
        """None for a page checked on every crawl; else when it falls due again."""
        if is_hot(page, start_keys):
            return None
        days = {"detail": self.detail_days, "dead": self.dead_days}.get(page.get("kind", ""), self.list_days)
        if _season_list(page, now, self.season_months):
            days = min(days, SEASON_LIST_DAYS)
        # Spread between 0.75 and 1.25 of the interval, stable per URL: cold pages fall due a few at a time.
        return now + timedelta(days=days * (0.75 + 0.5 * _fraction(str(page["key"]))))


def in_season(now: datetime, months: Collection[int]) -> bool:
    return now.astimezone(BEIJING).month in {int(m) for m in months}


def _season_list(page: Mapping[str, Any], now: datetime, months: Collection[int]) -> bool:
    """The first page of a channel or news/notice list, in the publication season."""
    return (
        page.get("kind") in LIST_KINDS
        and page.get("root") is None
        and (page.get("priority") or 0) >= PRIORITY_NEWS_CHANNEL
        and in_season(now, months)
    )


def is_hot(page: Mapping[str, Any], start_keys: Collection[str]) -> bool:
    """Checked on every crawl: start pages, and first pages of report-bearing lists and report channels."""
    if page.get("kind") not in LIST_KINDS:
        return False
    if page["key"] in start_keys:
        return True
    first_page = page.get("root") is None
    return first_page and bool(
        page.get("productive") or (page.get("priority") or 0) >= PRIORITY_REPORT_CHANNEL
    )


def is_due(page: Mapping[str, Any], now: datetime, start_keys: Collection[str]) -> bool:
    if is_hot(page, start_keys):
        return True
    when = page.get("next_visit_at")
    return when is None or when <= now


def _fraction(key: str) -> float:
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
