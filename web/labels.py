"""Chinese labels for what the web app shows: sections, statuses, states, event kinds, indicator keys."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from alerting.messages import EVENT_KINDS
from parsers.clock import format_beijing
from parsers.indicators import label_of, list_indicators
from parsers.sections import MANDATED

BEIJING = ZoneInfo("Asia/Shanghai")

SECTION_ZH = {
    "measures": "主要举措和成效",
    "shortcomings": "存在的不足和原因",
    "responsibility": "党政主要负责人履行第一责任人职责情况",
    "plan": "下一年度工作安排",
    "other": "其他需要报告的事项",
    "unknown": "未归类部分",
}
COVERAGE_ZH = {
    "on_time": "按时",
    "late": "逾期",
    "published": "已发布（日期不明）",
    "missing": "缺失",
    "not_due": "未到期",
    "unchecked": "未核查",
}

KIND_ZH = {"government": "政府", "department": "部门", "other": "其他机构（不计入）", "": "未指定"}
DELIVERY_ZH = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "失败"}


def section_checklist(sections: list[str] | None) -> list[dict[str, object]]:
    present = set(sections or [])
    return [{"key": k, "label": SECTION_ZH[k], "present": k in present} for k in MANDATED]


def section_names(sections: list[str] | None) -> str:
    return "、".join(SECTION_ZH.get(s, s) for s in sections or []) or "未识别"


def event_label(kind: str) -> str:
    return EVENT_KINDS.get(kind, kind)


def indicator_keys() -> list[dict[str, object]]:
    """Every registry key with its Chinese label and units (a key may have several definitions)."""
    out: dict[str, dict[str, object]] = {}
    for d in list_indicators():
        entry = out.setdefault(d.key, {"key": d.key, "label": d.label, "units": []})
        units = entry["units"]
        assert isinstance(units, list)
        units += [u for u in d.units if u not in units]
    return list(out.values())


def indicator_label(key: str) -> str:
    return label_of(key)


def beijing(value: datetime | str | None, seconds: bool = False) -> str:
    """A time as Beijing time (the label 北京时间 is in the page headers): the one formatter of
    parsers.clock, so a naive time a page stated is never read in the host's zone."""
    return format_beijing(value, seconds=seconds) or "-"


def safe_url(url: str | None) -> str | None:
    """Crawled links are untrusted: only http(s) URLs become links (no javascript:, data:, …)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None
