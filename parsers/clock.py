"""Time in one place: fzwatch stores UTC, judges dates and shows times in Beijing time.

Government deadlines are calendar days in China and readers read Beijing time, so every date
judgement (on time? which year?) and every time shown to a user goes through this module, never
through the host's time zone. Naive values are times a page stated: they already are Beijing
times. Aware values (fzwatch's own UTC timestamps) are converted.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

CHINA_TZ = ZoneInfo("Asia/Shanghai")
BEIJING_LABEL = "北京时间"


def parse_when(value: object) -> datetime | date | None:
    """A datetime/date, or an ISO string (``Z`` accepted); None when it is none of these."""
    if isinstance(value, datetime | date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text) if len(text) > 10 else date.fromisoformat(text)
    except ValueError:
        return None


def to_beijing(value: object) -> datetime | date | None:
    """Aware datetimes converted to Beijing time (naive ones are already); dates stay dates."""
    when = parse_when(value)
    if isinstance(when, datetime):
        return when.astimezone(CHINA_TZ).replace(tzinfo=None) if when.tzinfo else when
    return when


def beijing_date(value: object) -> date | None:
    """The Beijing calendar day of a value (what a deadline is judged by)."""
    when = to_beijing(value)
    return when.date() if isinstance(when, datetime) else when


def from_epoch(seconds: float) -> datetime:
    """A Unix timestamp as a naive Beijing time (never the host's zone)."""
    return datetime.fromtimestamp(seconds, CHINA_TZ).replace(tzinfo=None, microsecond=0)


def format_beijing(value: object, label: bool = False, seconds: bool = False) -> str:
    """``2024-03-13 16:19`` (Beijing time; ``label`` appends （北京时间）); a bare date stays a date;
    None or an empty value gives ``""``; text that is not a time is returned as given."""
    when = to_beijing(value)
    if when is None:
        return "" if value in (None, "") else str(value)
    if not isinstance(when, datetime):
        return when.isoformat()
    text = when.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return f"{text}（{BEIJING_LABEL}）" if label else text
