"""Publication deadlines (督察工作规定 第二十四条: public release 每年4月1日之前).

Departments report to their government by 3月1日 (四川 guideline) but the *public release*
deadline is 4月1日 for everyone; callers may override per publisher kind or per region.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

# Deadlines are calendar days in China: an aware timestamp (fzwatch's first-seen times are UTC) is
# judged by its Beijing date, so 2024-04-01T20:00Z (04-02 04:00 北京时间) is late.
from parsers.clock import beijing_date

DEFAULT_DEADLINES: dict[str, tuple[int, int]] = {
    "government": (4, 1),
    "department": (4, 1),
    "party_government": (4, 1),
    "demonstration": (1, 31),  # 示范地区 report to 依法治国办 by 1月底
}


def deadline_for(
    year: int, publisher_kind: str = "government", overrides: Mapping[str, tuple[int, int]] | None = None
) -> date:
    """Deadline for publishing the report that covers ``year`` (default 4月1日 of year + 1)."""
    table = {**DEFAULT_DEADLINES, **(overrides or {})}
    month, day = table.get(publisher_kind, DEFAULT_DEADLINES["government"])
    return date(year + 1, month, day)


def _as_date(value: str | date | datetime | None) -> date | None:
    return beijing_date(value)


def is_on_time(
    published_at: str | date | datetime | None, year: int | None, deadline: date | None = None
) -> bool | None:
    """True when published on or before the deadline ("4月1日之前" read inclusively, as evaluators do);
    None when the date or the year is unknown."""
    day = _as_date(published_at)
    if day is None or year is None:
        return None
    return day <= (deadline or deadline_for(year))
