"""Publication dates: labelled page lines, meta tags and URL paths -> ISO 8601.

Body text is full of stray dates (会议于3月1日召开, 2022-2025年), so a date is only read when a
label anchors it (发布时间/发布日期/更新时间/时间/日期) or when the URL or a meta tag carries it.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from parsers.clock import from_epoch, parse_when, to_beijing

# domain.md §3 regex, extended with 成文日期-free labels and spaces inside numbers
# ("2011- 09- 01 14: 58: 15").
LABELLED_DATE_RE = re.compile(
    r"(?:发布|更新|发表|公开|生成)?(?:时间|日期)\s*[:：]?\s*"
    r"(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*日?"
    r"(?:\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?"
)
_LABEL_PRIORITY = ("发布时间", "发布日期", "发表时间", "公开日期", "更新时间", "时间", "日期")
BARE_DATE_RE = re.compile(
    r"^\s*(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*(\d{1,2})\s*[:：]\s*(\d{1,2})(?:\s*[:：]\s*(\d{1,2}))?)?"
)
_URL_DATE_RES = (
    re.compile(r"/art/(20\d{2}|19\d{2})/(\d{1,2})/(\d{1,2})/"),  # Hanweb /art/2025/3/3/
    re.compile(r"[/_]t((?:19|20)\d{2})(\d{2})(\d{2})_"),  # TRS t20240328_123.html
    re.compile(r"/((?:19|20)\d{2})-(\d{1,2})/(\d{1,2})/"),  # newspapers 2024-03/29/
    re.compile(r"/((?:19|20)\d{2})(\d{2})(\d{2})/"),  # /20240304/uuid.html
    re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),  # Sichuan /2024/3/1/<hex>.shtml
)
_URL_MONTH_RE = re.compile(r"/((?:19|20)\d{2})(0[1-9]|1[0-2])/")  # TRS /202403/


def _iso(parts: tuple[str | None, ...]) -> str | None:
    """ISO string with the precision the page gives: a date, or a date and time when the page states a
    time. Midnight exactly (``2025-03-10 00:00:00``) is a CMS filling in a date-only field, not a time."""
    y, mo, d = (int(p) for p in parts[:3])  # type: ignore[arg-type]
    try:
        day = date(y, mo, d)
    except ValueError:
        return None
    if not 1990 <= y <= 2100:
        return None
    if len(parts) > 3 and parts[3] is not None:
        h, mi, s = int(parts[3]), int(parts[4] or 0), int(parts[5] or 0) if len(parts) > 5 else 0
        if h < 24 and mi < 60 and s < 60 and (h, mi, s) != (0, 0, 0):
            return datetime(y, mo, d, h, mi, s).isoformat()
    return day.isoformat()


def parse_date_value(value: str) -> str | None:
    """A date given as a whole value (meta PubDate, a table cell, an epoch integer)."""
    value = (value or "").strip()
    if re.fullmatch(r"\d{10}(\d{3})?", value):  # gkmlpt epoch seconds / milliseconds, read in Beijing time
        stamp = from_epoch(int(value[:10]))
        return _iso(tuple(str(x) for x in stamp.timetuple()[:6]))
    if re.search(r"\d[T ]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$", value):
        aware = parse_when(value)  # an explicit offset (og/article:published_time): to Beijing time
        if isinstance(aware, datetime) and aware.tzinfo:
            local = to_beijing(aware)
            return _iso(tuple(str(x) for x in local.timetuple()[:6])) if isinstance(local, datetime) else None
    m = BARE_DATE_RE.match(value)
    return _iso(m.groups()) if m else None


def labelled_date(text: str) -> str | None:
    """Date after the strongest label (发布时间 beats 更新时间 beats a bare 时间) in page text."""
    found: list[tuple[int, int, str]] = []
    for m in LABELLED_DATE_RE.finditer(text):
        iso = _iso(m.groups())
        if not iso:
            continue
        label = text[m.start() : m.start() + 4]
        rank = next(
            (i for i, lab in enumerate(_LABEL_PRIORITY) if label.startswith(lab)), len(_LABEL_PRIORITY)
        )
        found.append((rank, m.start(), iso))
    return min(found)[2] if found else None


def url_date(url: str) -> str | None:
    """Date encoded in a CMS URL path; month-only paths (/202403/) give the 1st of the month."""
    for rx in _URL_DATE_RES:
        m = rx.search(url or "")
        if m:
            iso = _iso(m.groups())
            if iso:
                return iso
    m = _URL_MONTH_RE.search(url or "")
    return _iso((m.group(1), m.group(2), "1")) if m else None
