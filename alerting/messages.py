"""Render alert events into short Chinese messages (pure functions, no I/O).

Each event kind has one small renderer registered in ``_RENDERERS`` with a Chinese label
(``EVENT_KINDS`` lists them for the CLI). A renderer turns a payload dict into a list of
body *blocks* (paragraphs) and a title; ``render_event`` joins them in markdown or plain
text. Any payload field may be missing or ``None``: lines without a value are left out,
never rendered as "None".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from parsers.clock import CHINA_TZ, format_beijing

logger = logging.getLogger(__name__)

BodyFormat = Literal["markdown", "text"]
BODY_FORMATS: tuple[BodyFormat, ...] = ("markdown", "text")

#: Times in messages are shown in China Standard Time (the portals' and readers' clock).
DISPLAY_TZ = CHINA_TZ

_TITLE_MAX = 80  # characters; the title is one line in every channel
_FIELD_MAX = 300  # characters of any single free-text field (error text, source sentence)
_DIFF_LINES_MAX = 6


@dataclass(frozen=True)
class Message:
    """One notification: a one-line title and a body in the given format."""

    title: str
    body: str
    body_format: BodyFormat = "markdown"


@dataclass(frozen=True)
class _Rendered:
    """What a renderer returns: the title and body blocks as (label, value) lines or raw text."""

    title: str
    blocks: list[Block]


# A body block: a list of (label, value) field lines, a quoted sentence, a list of diff lines,
# or a link. Kept as small tagged tuples so the markdown/text writers stay in one place.
Block = tuple[str, Any]
Renderer = Callable[[Mapping[str, Any]], _Rendered]
Summarizer = Callable[[Mapping[str, Any]], str]


@dataclass(frozen=True)
class EventKind:
    """A registered event kind: its Chinese label, full renderer and one-line digest summary."""

    kind: str
    label: str
    render: Renderer
    summarize: Summarizer
    doc: str


_RENDERERS: dict[str, EventKind] = {}


def register(kind: str, label: str, summarize: Summarizer) -> Callable[[Renderer], Renderer]:
    """Register ``render`` for ``kind`` (decorator); its docstring becomes the kind's description."""

    def decorator(render: Renderer) -> Renderer:
        doc = (render.__doc__ or "").strip().splitlines()[0] if render.__doc__ else ""
        _RENDERERS[kind] = EventKind(kind, label, render, summarize, doc)
        return render

    return decorator


# ---------------------------------------------------------------------------------------------
# small formatting helpers


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != []


def _clip(text: Any, limit: int = _FIELD_MAX) -> str:
    s = " ".join(str(text).split())  # one line, collapsed whitespace
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _parse_dt(value: Any) -> datetime | date | None:
    if isinstance(value, datetime | date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text) if ("T" in text or " " in text) else date.fromisoformat(text)
    except ValueError:
        return None


def format_date(value: Any) -> str | None:
    """``2025-03-28`` for an ISO date/datetime (shown in Beijing time); unparsable text is kept."""
    parsed = _parse_dt(value)
    if parsed is None:
        return _clip(value, 40) if _present(value) else None
    if isinstance(parsed, datetime):
        parsed = (parsed.astimezone(DISPLAY_TZ) if parsed.tzinfo else parsed).date()
    return parsed.isoformat()


def format_datetime(value: Any) -> str | None:
    """``2025-03-28 10:05（北京时间）`` for an ISO datetime (one helper for CLI, dashboard and messages:
    :func:`parsers.clock.format_beijing`); a bare date stays a date."""
    parsed = _parse_dt(value)
    if parsed is None:
        return _clip(value, 40) if _present(value) else None
    return format_beijing(parsed, label=isinstance(parsed, datetime))


def format_year(year: Any) -> str | None:
    return f"{year}年度" if _present(year) else None


def format_number(value: Any) -> str:
    """``27.0`` → ``27``, ``18.10`` → ``18.1``, ``27845.93`` stays; non-numbers are shown as given."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _clip(value, 40)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def format_value(value: Any, unit: Any) -> str:
    if not _present(value):
        return "（无）"
    return f"{format_number(value)}{unit or ''}"


def _days_between(earlier: Any, later: Any) -> int | None:
    a, b = _parse_dt(earlier), _parse_dt(later)
    if a is None or b is None:
        return None
    a_day = a.astimezone(DISPLAY_TZ).date() if isinstance(a, datetime) and a.tzinfo else a
    b_day = b.astimezone(DISPLAY_TZ).date() if isinstance(b, datetime) and b.tzinfo else b
    a_day = a_day.date() if isinstance(a_day, datetime) else a_day
    b_day = b_day.date() if isinstance(b_day, datetime) else b_day
    return (b_day - a_day).days


def timeliness(payload: Mapping[str, Any]) -> str | None:
    """按时/逾期 against the deadline: from ``on_time`` when given, else from the dates."""
    deadline = format_date(payload.get("deadline"))
    on_time = payload.get("on_time")
    late_days = _days_between(payload.get("deadline"), payload.get("published_at"))
    if on_time is None and late_days is not None:
        on_time = late_days <= 0
    if on_time is None:
        return f"未知（公开截止 {deadline}）" if deadline else None
    suffix = f"公开截止 {deadline}" if deadline else ""
    if on_time:
        return f"按时（{suffix}）" if suffix else "按时"
    if late_days is not None and late_days > 0:
        suffix = f"{suffix}，晚 {late_days} 天" if suffix else f"晚 {late_days} 天"
    return f"逾期（{suffix}）" if suffix else "逾期"


def publisher(payload: Mapping[str, Any]) -> str | None:
    return payload.get("agency") or payload.get("site_name") or None


def site_label(payload: Mapping[str, Any]) -> str | None:
    name, site_id = payload.get("site_name"), payload.get("site_id")
    if name and _present(site_id) and str(site_id) != str(name):
        return f"{name}（{site_id}）"
    return str(name or site_id) if _present(name or site_id) else None


_TITLE_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _short_title(text: str) -> str:
    """One line (no header injection into an e-mail Subject), no control characters, bounded length."""
    text = " ".join(_TITLE_CONTROL.sub(" ", text).split())
    return text if len(text) <= _TITLE_MAX else text[: _TITLE_MAX - 1] + "…"


def _title_for(title: str, fmt: BodyFormat) -> str:
    """Page titles are untrusted: in a markdown channel their markup is escaped like the body's."""
    return _md(title) if fmt == "markdown" else title


def _report_name(payload: Mapping[str, Any]) -> str:
    title = payload.get("title")
    if title:
        return _clip(title, 120)
    parts = [publisher(payload) or "", f"{payload['year']}年" if _present(payload.get("year")) else ""]
    return "".join(parts) + "法治政府建设年度报告" if any(parts) else "（无标题）"


def _report_fields(payload: Mapping[str, Any]) -> list[tuple[str, Any]]:
    return [
        ("发布机关", publisher(payload)),
        ("报告", _report_name(payload)),
        ("年度", format_year(payload.get("year"))),
        ("地区", payload.get("region")),
        ("发布日期", format_date(payload.get("published_at"))),
        ("是否按时", timeliness(payload)),
        ("发现时间", format_datetime(payload.get("first_seen"))),
    ]


def _link_block(payload: Mapping[str, Any]) -> list[Block]:
    url = payload.get("url")
    return [("link", str(url))] if url else []


# ---------------------------------------------------------------------------------------------
# renderers, one per event kind


def _summary_report(payload: Mapping[str, Any]) -> str:
    bits = [publisher(payload), f"《{_report_name(payload)}》", format_date(payload.get("published_at"))]
    when = timeliness(payload)
    if when:
        bits.append(when.split("（")[0])
    return " ".join(b for b in bits if b)


@register("new_report", "新报告", _summary_report)
def render_new_report(payload: Mapping[str, Any]) -> _Rendered:
    """A report seen for the first time: publisher, title, year, publish date, on time or late, link."""
    return _Rendered(
        f"【新报告】{_report_name(payload)}", [("fields", _report_fields(payload)), *_link_block(payload)]
    )


@register("report_published_late", "逾期公开", _summary_report)
def render_published_late(payload: Mapping[str, Any]) -> _Rendered:
    """A report first published after its deadline (4月1日 by default)."""
    return _Rendered(
        f"【逾期公开】{_report_name(payload)}", [("fields", _report_fields(payload)), *_link_block(payload)]
    )


def diff_summary(diff: Any) -> str | None:
    """``新增2段、删除1段`` from a diff dict; ``None`` when nothing is known."""
    if not isinstance(diff, Mapping):
        return None
    parts = []
    if _present(diff.get("added")):
        parts.append(f"新增{diff['added']}段")
    if _present(diff.get("removed")):
        parts.append(f"删除{diff['removed']}段")
    return "、".join(parts) or None


def _diff_lines(diff: Any) -> list[str]:
    if not isinstance(diff, Mapping) or not isinstance(diff.get("changed_lines"), list):
        return []
    lines = [str(x) for x in diff["changed_lines"] if _present(x)]
    shown = [_clip(x, 160) for x in lines[:_DIFF_LINES_MAX]]
    if len(lines) > _DIFF_LINES_MAX:
        shown.append(f"…… 另有 {len(lines) - _DIFF_LINES_MAX} 行")
    return shown


def _summary_revised(payload: Mapping[str, Any]) -> str:
    bits = [publisher(payload), f"《{_report_name(payload)}》"]
    version = payload.get("version_no")
    bits += [f"第{version}版" if _present(version) else None, diff_summary(payload.get("diff"))]
    return " ".join(b for b in bits if b)


@register("report_revised", "报告修订", _summary_revised)
def render_report_revised(payload: Mapping[str, Any]) -> _Rendered:
    """A published report whose text changed: when, version, paragraphs added/removed, first changed lines."""
    version = payload.get("version_no")
    title = f"【报告修订】{_report_name(payload)}" + (f"（第{version}版）" if _present(version) else "")
    fields = [
        ("发布机关", publisher(payload)),
        ("报告", _report_name(payload)),
        ("年度", format_year(payload.get("year"))),
        ("修订时间", format_datetime(payload.get("revised_at"))),
        ("版本", f"第{version}版" if _present(version) else None),
        ("变化", diff_summary(payload.get("diff"))),
    ]
    blocks: list[Block] = [("fields", fields)]
    lines = _diff_lines(payload.get("diff"))
    if lines:
        blocks.append(("diff", lines))
    return _Rendered(title, blocks + _link_block(payload))


_REASONS = {"yoy": "年度对比", "revision": "报告修订"}


def _side(payload: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = payload.get(key)
    return value if isinstance(value, Mapping) else {}


def _numeric(value: Any) -> float | None:
    return None if isinstance(value, bool) or not isinstance(value, int | float) else value


def indicator_change_line(payload: Mapping[str, Any]) -> str:
    """``行政复议纠错率：27% → 18.1%（2023年度 → 2024年度）``."""
    old, new = _side(payload, "old"), _side(payload, "new")
    unit = payload.get("unit")
    label = payload.get("label") or payload.get("key") or "指标"
    line = f"{label}：{format_value(old.get('value'), unit)} → {format_value(new.get('value'), unit)}"
    return line + _indicator_period(old, new)


def _indicator_period(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    def side(x: Mapping[str, Any]) -> str:
        year = format_year(x.get("year")) or ""
        version = f"第{x['version_no']}版" if _present(x.get("version_no")) else ""
        return year + version

    if _present(old.get("year")) and old.get("year") != new.get("year"):
        return f"（{format_year(old.get('year'))} → {format_year(new.get('year'))}）"
    a, b = side(old), side(new)
    return f"（{a} → {b}）" if a and b and a != b else ""


def indicator_delta(payload: Mapping[str, Any]) -> str | None:
    """``下降8.9个百分点`` for percentages, ``增加12件（+11.4%）`` otherwise; None if not numeric."""
    a, b = _numeric(_side(payload, "old").get("value")), _numeric(_side(payload, "new").get("value"))
    if a is None or b is None:
        return None
    delta, unit = b - a, payload.get("unit") or ""
    if delta == 0:
        return "持平"
    if unit == "%":
        return f"{'上升' if delta > 0 else '下降'}{format_number(round(abs(delta), 4))}个百分点"
    verb = "增加" if delta > 0 else "减少"
    text = f"{verb}{format_number(round(abs(delta), 4))}{unit}"
    return text + (
        f"（{'+' if delta > 0 else '-'}{format_number(round(abs(delta) / abs(a) * 100, 1))}%）" if a else ""
    )


def _summary_indicator(payload: Mapping[str, Any]) -> str:
    who = publisher(payload)
    return f"{who} {indicator_change_line(payload)}" if who else indicator_change_line(payload)


@register("indicator_changed", "指标变化", _summary_indicator)
def render_indicator_changed(payload: Mapping[str, Any]) -> _Rendered:
    """A tracked indicator changed year on year or between versions: label, old → new with units, sentence."""
    label = payload.get("label") or payload.get("key") or "指标"
    who = publisher(payload)
    title = f"【指标变化】{who + '：' if who else ''}{label}"
    reason = payload.get("reason")
    fields = [
        ("发布机关", who),
        ("报告", _report_name(payload) if payload.get("title") else None),
        ("变化", indicator_delta(payload)),
        ("比较方式", _REASONS.get(str(reason), reason) if _present(reason) else None),
    ]
    blocks: list[Block] = [("lead", indicator_change_line(payload)), ("fields", fields)]
    if payload.get("text"):
        blocks.append(("quote", _clip(payload["text"])))
    return _Rendered(title, blocks + _link_block(payload))


def _summary_overdue(payload: Mapping[str, Any]) -> str:
    bits = [
        publisher(payload),
        format_year(payload.get("year")),
        "截止 " + (format_date(payload.get("deadline")) or "?"),
    ]
    return " ".join(b for b in bits if b)


@register("report_overdue", "逾期未公开", _summary_overdue)
def render_report_overdue(payload: Mapping[str, Any]) -> _Rendered:
    """No report found for a publisher and year after the publication deadline."""
    who = publisher(payload) or "（未知机关）"
    year = format_year(payload.get("year")) or ""
    fields = [
        ("发布机关", who),
        ("年度", year or None),
        ("公开截止日期", format_date(payload.get("deadline"))),
        ("站点", site_label(payload)),
        ("地区", payload.get("region")),
    ]
    note = "截至本提醒，尚未在所监测站点发现该年度法治政府建设年度报告。"
    return _Rendered(f"【逾期未公开】{who} {year}法治政府建设年度报告", [("fields", fields), ("para", note)])


def _site_fields(payload: Mapping[str, Any], since_label: str = "开始时间") -> list[tuple[str, Any]]:
    failures = payload.get("failures")
    return [
        ("站点", site_label(payload)),
        ("地区", payload.get("region")),
        (since_label, format_datetime(payload.get("since"))),
        ("连续失败次数", f"{failures}次" if _present(failures) else None),
        ("拦截类型", payload.get("block_kind")),
        ("错误", _clip(payload["error"]) if payload.get("error") else None),
    ]


def _summary_site(payload: Mapping[str, Any]) -> str:
    bits = [site_label(payload) or "（未知站点）"]
    if _present(payload.get("failures")):
        bits.append(f"失败{payload['failures']}次")
    if payload.get("since"):
        bits.append(f"自 {format_datetime(payload.get('since'))}")
    if payload.get("block_kind"):
        bits.append(str(payload["block_kind"]))
    return " ".join(bits)


@register("site_failing", "站点抓取失败", _summary_site)
def render_site_failing(payload: Mapping[str, Any]) -> _Rendered:
    """A site keeps failing to load (network errors, 5xx): since when, how many failures, last error."""
    name = payload.get("site_name") or payload.get("site_id") or "（未知站点）"
    return _Rendered(f"【站点抓取失败】{name}", [("fields", _site_fields(payload))])


@register("site_blocked", "站点拦截", _summary_site)
def render_site_blocked(payload: Mapping[str, Any]) -> _Rendered:
    """A site answers with an anti-crawler challenge or geo-block (blocked, not removed content)."""
    name = payload.get("site_name") or payload.get("site_id") or "（未知站点）"
    note = "站点拦截了抓取请求（不代表报告被删除），将继续重试。"
    return _Rendered(f"【站点拦截】{name}", [("fields", _site_fields(payload)), ("para", note)])


@register("site_recovered", "站点恢复", _summary_site)
def render_site_recovered(payload: Mapping[str, Any]) -> _Rendered:
    """A failing or blocked site loads again."""
    name = payload.get("site_name") or payload.get("site_id") or "（未知站点）"
    fields = _site_fields(payload, since_label="异常开始时间")
    fields = [(k if k != "连续失败次数" else "恢复前失败次数", v) for k, v in fields if k != "错误"]
    return _Rendered(f"【站点恢复】{name}", [("fields", fields), ("para", "站点已恢复正常抓取。")])


def _summary_suspect(payload: Mapping[str, Any]) -> str:
    bits = [site_label(payload) or "（未知站点）", payload.get("verdict_label") or "可能遗漏"]
    if payload.get("reason"):
        bits.append(_clip(payload["reason"], 80))
    return " ".join(str(b) for b in bits)


@register("site_suspect", "站点可能遗漏", _summary_suspect)
def render_site_suspect(payload: Mapping[str, Any]) -> _Rendered:
    """A site crawls fine but may have missed reports (未发现报告 / 可能遗漏), with the reason."""
    name = payload.get("site_name") or payload.get("site_id") or "（未知站点）"
    fields = [
        ("站点", site_label(payload)),
        ("地区", payload.get("region")),
        ("判断", payload.get("verdict_label")),
        ("原因", _clip(payload["reason"]) if payload.get("reason") else None),
        ("开始时间", format_datetime(payload.get("since"))),
    ]
    note = "站点可以正常访问，但抓取可能没有找到全部报告，请人工核对该站点。"
    return _Rendered(f"【站点可能遗漏】{name}", [("fields", fields), ("para", note)])


def _render_unknown(kind: str, payload: Mapping[str, Any]) -> _Rendered:
    fields = [
        (str(k), _clip(v)) for k, v in payload.items() if _present(v) and not isinstance(v, Mapping | list)
    ]
    return _Rendered(f"【fzwatch 事件】{kind}", [("fields", fields)])


#: Every known event kind → its Chinese label, in display order (for the CLI and digests).
EVENT_KINDS: dict[str, str] = {k: e.label for k, e in _RENDERERS.items()}


def event_kinds() -> list[EventKind]:
    """The registered kinds with label and description, in display order."""
    return list(_RENDERERS.values())


# ---------------------------------------------------------------------------------------------
# writers


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def _md(text: Any) -> str:
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def _md_url(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _write_block(block: Block, fmt: BodyFormat) -> str | None:
    tag, value = block
    md = fmt == "markdown"
    if tag == "fields":
        lines = [(k, v) for k, v in value if _present(v)]
        if not lines:
            return None
        return "\n".join(f"- **{_md(k)}**：{_md(v)}" if md else f"{k}：{v}" for k, v in lines)
    if tag == "lead":
        return f"**{_md(value)}**" if md else str(value)
    if tag == "para":
        return _md(value) if md else str(value)
    if tag == "quote":
        return f"> 原文：“{_md(value)}”" if md else f"原文：“{value}”"
    if tag == "diff":
        return "\n".join(_diff_line(x, md) for x in value)
    if tag == "link":
        # the URL is also the link text, so the plain-text part of an HTML e-mail keeps it
        return f"链接：[{_md(value)}]({_md_url(value)})" if md else f"链接：{value}"
    raise ValueError(f"unknown block {tag!r}")


def _diff_line(line: str, md: bool) -> str:
    sign, rest = (line[:2], line[2:]) if line[:2] in ("+ ", "- ") else ("", line)
    label = {"+ ": "新增：", "- ": "删除：", "": ""}[sign]
    return f"- {label}{_md(rest)}" if md else f"  {label}{rest}"


def _check_fmt(fmt: str) -> BodyFormat:
    if fmt not in BODY_FORMATS:
        raise ValueError(f"unknown body format {fmt!r} (expected one of {', '.join(BODY_FORMATS)})")
    return fmt


def _join(blocks: Iterable[Block], fmt: BodyFormat) -> str:
    return "\n\n".join(p for p in (_write_block(b, fmt) for b in blocks) if p)


def render_event(kind: str, payload: Mapping[str, Any] | None, fmt: BodyFormat = "markdown") -> Message:
    """Render one event as a :class:`Message`; unknown kinds get a generic field list, never an error."""
    fmt = _check_fmt(fmt)
    payload = payload or {}
    entry = _RENDERERS.get(kind)
    rendered = entry.render(payload) if entry else _render_unknown(kind, payload)
    return Message(_title_for(_short_title(rendered.title), fmt), _join(rendered.blocks, fmt), fmt)


def summarize_event(kind: str, payload: Mapping[str, Any] | None) -> str:
    """One plain line describing the event (used in digests and logs)."""
    payload = payload or {}
    entry = _RENDERERS.get(kind)
    if entry is None:
        return _render_unknown(kind, payload).title
    return _clip(entry.summarize(payload), 200)


def _digest_item(kind: str, payload: Mapping[str, Any], fmt: BodyFormat) -> str:
    line = summarize_event(kind, payload)
    url = (payload or {}).get("url")
    if fmt == "markdown":
        return f"- {_md(line)}" + (f" [原文]({_md_url(str(url))})" if url else "")
    return f"· {line}" + (f"\n  {url}" if url else "")


def render_digest(
    items: Iterable[tuple[str, Mapping[str, Any] | None]],
    fmt: BodyFormat = "markdown",
    period_label: str = "",
) -> Message:
    """Many events in one message, grouped by kind in registry order, each as one line."""
    fmt = _check_fmt(fmt)
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for kind, payload in items:
        groups.setdefault(kind, []).append(payload or {})
    order = [k for k in _RENDERERS if k in groups] + sorted(k for k in groups if k not in _RENDERERS)
    total = sum(len(v) for v in groups.values())
    prefix = f"【fzwatch 汇总】{period_label + ' ' if period_label else ''}"
    if not total:
        return Message(_short_title(prefix + "无新事件"), "本期无新事件。", fmt)
    counts = "、".join(f"{EVENT_KINDS.get(k, k)}{len(groups[k])}" for k in order)
    sections = [_digest_section(k, groups[k], fmt) for k in order]
    return Message(_short_title(f"{prefix}共{total}条（{counts}）"), "\n\n".join(sections), fmt)


def _digest_section(kind: str, payloads: list[Mapping[str, Any]], fmt: BodyFormat) -> str:
    label = EVENT_KINDS.get(kind, kind)
    head = f"### {_md(label)}（{len(payloads)}）" if fmt == "markdown" else f"【{label}】（{len(payloads)}）"
    return "\n".join([head, *(_digest_item(kind, p, fmt) for p in payloads)])
