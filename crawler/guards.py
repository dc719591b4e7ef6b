"""Trap guards: what bounds one crawl of one site (page budget, pages per URL shape, calendars, lists that
repeat themselves, binary bodies). Every cut is counted in the crawl stats (`fzwatch/cut_<reason>`) and
logged, so a crawl that misses something says where it stopped."""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from typing import Any

from parsers.listing import Listing

logger = logging.getLogger(__name__)

# Calendar and archive-by-date URLs: a month view links to the next month forever.
_CALENDAR_RE = re.compile(
    r"[?&](?:year|month|day|date|ym|ymd|rq|riqi)=|/(?:calendar|rili)\b|[/=](?:19|20)\d{2}-\d{1,2}(?:-\d{1,2})?\b",
    re.IGNORECASE,
)
_LOGGED_PER_REASON = 10  # log the first cuts of each kind; the stats count them all


class TrapGuards:
    """Per-crawl bounds; `admit(url)` is asked once for every URL the spider wants to fetch."""

    def __init__(self, crawler: Any, budget: int, max_per_pattern: int, max_calendar: int) -> None:
        self.crawler = crawler  # its stats exist only once the crawl runs
        self.budget = budget
        self.max_per_pattern = max_per_pattern
        self.max_calendar = max_calendar
        self.admitted = 0
        self.patterns: Counter[str] = Counter()
        self.listing_prints: dict[str, str] = {}
        self.logged: Counter[str] = Counter()
        self.last_cut = ""  # reason of the last cut (crawl decisions name it)

    def admit(self, url: str, is_list: bool = False) -> bool:
        if self.admitted >= self.budget:
            return self.cut("budget", url)
        if is_list and _CALENDAR_RE.search(url):
            self.patterns["calendar"] += 1
            if self.patterns["calendar"] > self.max_calendar:
                return self.cut("calendar", url)
        pattern = re.sub(r"\d+", "N", url)
        self.patterns[pattern] += 1
        if self.patterns[pattern] > self.max_per_pattern:
            return self.cut("pattern", url)
        self.admitted += 1
        return True

    def repeats(self, listing: Listing) -> bool:
        """True when this list page shows exactly the rows of another list page of this crawl
        (a list whose every ?page=N repeats page 1): its links and pages are not followed."""
        urls = sorted({link.url for link in listing.links} - set(listing.pagination) - {listing.url})
        if not urls:
            return False
        fingerprint = hashlib.sha1("\n".join(urls).encode("utf-8")).hexdigest()
        first = self.listing_prints.setdefault(fingerprint, listing.url)
        if first == listing.url:
            return False
        self.cut("repeat", listing.url, f"same rows as {first}")
        return True

    def cut(self, reason: str, url: str, why: str = "") -> bool:
        """Count (and log the first few of) a page not fetched or not followed; always False."""
        self.last_cut = reason
        self.crawler.stats.inc_value(f"fzwatch/cut_{reason}")
        self.logged[reason] += 1
        if self.logged[reason] <= _LOGGED_PER_REASON:
            logger.info("cut (%s) %s %s", reason, url, why)
        elif self.logged[reason] == _LOGGED_PER_REASON + 1:
            logger.info("cut (%s): further cuts counted in the stats only", reason)
        return False


def looks_binary(body: bytes) -> bool:
    """A binary file served as text/html (a zip, an image, a PDF behind a .html name)."""
    head = body[:2048]
    if not head:
        return False
    if head.startswith((b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"GIF8", b"\xff\xd8\xff")):
        return True
    controls = sum(1 for byte in head if byte < 9 or 13 < byte < 32)
    return b"\x00" in head or controls > len(head) // 20
