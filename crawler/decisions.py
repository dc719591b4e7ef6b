"""What one crawl decided for every URL it met: fetched or skipped, why, and what the page turned out to be.

`fzwatch explain SITE URL` reads these rows (table ``crawl_decisions``, replaced by every finished crawl)
to answer "why was this page (not) fetched?". The spider notes a decision whenever it meets a link; a
later "fetched" replaces an earlier "skipped" (the same URL met again from a better list), otherwise the
first decision stands. Bounded: at most ``cap`` URLs per crawl (the first met are kept).
"""

from __future__ import annotations

from typing import Any

DEFAULT_CAP = 5000

# Why a URL was fetched or skipped (codes; cli/explain.py words them in Chinese).
FETCH_REASONS = (
    "start",
    "known_report",
    "revisit",
    "candidate",
    "report_channel_item",
    "channel",
    "pagination",
    "api",
    "extra_hop",
    "search",
    "attachment",
)
SKIP_REASONS = (
    "offsite",
    "budget",
    "pattern",
    "calendar",
    "depth",
    "not_due",
    "not_candidate",
    "not_promising",
    "unnamed",
    "robots",
    "extra_hop_budget",
    "no_new_rows",
)


class Decisions:
    """Decisions of one crawl, by canonical URL."""

    def __init__(self, cap: int = DEFAULT_CAP) -> None:
        self.cap = cap
        self.by_url: dict[str, dict[str, Any]] = {}
        self.dropped = 0  # URLs met after the cap was reached

    def note(
        self,
        url: str,
        decision: str,
        reason: str,
        *,
        priority: int | None = None,
        depth: int | None = None,
        source: str | None = None,
        anchor: str = "",
    ) -> None:
        row = self.by_url.get(url)
        if row is not None and not (row["decision"] == "skipped" and decision == "fetched"):
            return
        if row is None and len(self.by_url) >= self.cap:
            self.dropped += 1
            return
        self.by_url[url] = {
            "url": url,
            "decision": decision,
            "reason": reason,
            "priority": priority,
            "depth": depth,
            "source": source,
            "anchor": (anchor or "")[:200],
            "outcome": None,
            "note": None,
        }

    def outcome(self, url: str, outcome: str, note: str = "") -> None:
        """What a fetched URL turned out to be (report, not_report, list, challenge, http_404 …)."""
        row = self.by_url.get(url)
        if row is None:
            if len(self.by_url) >= self.cap:
                return
            row = self.by_url[url] = {
                "url": url,
                "decision": "fetched",
                "reason": "revisit",
                "priority": None,
                "depth": None,
                "source": None,
                "anchor": "",
                "outcome": None,
                "note": None,
            }
        if row["decision"] == "skipped" and outcome == "robots":
            return
        row["outcome"], row["note"] = outcome, (note or "")[:500] or None

    def skip_fetched(self, url: str, reason: str) -> None:
        """A request that was issued but refused before any answer (robots.txt)."""
        row = self.by_url.get(url)
        if row is not None:
            row["decision"], row["reason"] = "skipped", reason

    def rows(self) -> list[dict[str, Any]]:
        return list(self.by_url.values())
