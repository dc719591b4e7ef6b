"""The one list of page-parameter names (HTML pagination, JSON list APIs, script endpoints, the spider).

Names are compared in lower case. Seen on portals: ``page/size`` (Spring), ``pageNo/pageSize``,
``pageNum/pageSize`` (PageHelper, RuoYi), ``current/size`` (MyBatis-Plus), ``pageIndex``, ``curPage``,
``PageNo`` (DedeCMS), ``pn``; Hanweb jpage pages by record numbers (``startrecord/endrecord``).
"""

from __future__ import annotations

from collections.abc import Iterable

# The number of the page asked for.
PAGE_NUMBER_KEYS = frozenset({
    "page", "pageno", "pagenum", "pageindex", "pagenumber", "page_no", "page_num", "pn",
    "curpage", "currentpage", "current", "cpage", "nowpage",
})  # fmt: skip
# How many rows one page holds.
PAGE_SIZE_KEYS = frozenset({"pagesize", "size", "rows", "limit", "perpage", "page_size", "ps"})
# Row ranges (Hanweb jpage dataproxy.jsp) and offsets.
RECORD_KEYS = frozenset({"startrecord", "endrecord", "offset", "start"})
# Every parameter that moves through one list: requests differing only in these belong to one series.
PAGING_KEYS = PAGE_NUMBER_KEYS | PAGE_SIZE_KEYS | RECORD_KEYS


def is_page_number_key(name: str) -> bool:
    return name.lower() in PAGE_NUMBER_KEYS


def is_page_size_key(name: str) -> bool:
    return name.lower() in PAGE_SIZE_KEYS


def first_key(names: Iterable[str], wanted: frozenset[str]) -> str | None:
    """The first of ``names`` (kept as spelled) whose lower case is in ``wanted``."""
    return next((name for name in names if name.lower() in wanted), None)
