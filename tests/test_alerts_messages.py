"""Rendering of every event kind: Chinese fields present, on time vs late, units, missing fields."""

from __future__ import annotations

import json

import pytest

from alerting.messages import EVENT_KINDS, event_kinds, render_digest, render_event, summarize_event

REPORT = {
    "site_id": "dl-sfj",
    "site_name": "大连市司法局",
    "region": "辽宁省大连市",
    "report_id": 4,
    "title": "大连市司法局2024年法治政府建设年度报告",
    "agency": "大连市司法局",
    "year": 2024,
    "published_at": "2025-03-28T10:00:00+08:00",
    "first_seen": "2025-03-28T03:05:00+00:00",
    "url": "https://sf.dl.gov.cn/art/2025/3/28/art_1.html",
    "on_time": True,
    "deadline": "2025-04-01",
}
REVISED = {
    **REPORT,
    "revised_at": "2025-04-02T09:30:00+08:00",
    "version_no": 2,
    "diff": {
        "added": 2,
        "removed": 1,
        "changed_lines": ["+ 新收行政复议案件1516件", "- 新收行政复议案件1500件"],
    },
}
INDICATOR = {
    **REPORT,
    "key": "fy_correction_rate",
    "label": "行政复议纠错率",
    "unit": "%",
    "old": {"value": 27, "year": 2023, "version_no": 1},
    "new": {"value": 18.1, "year": 2024, "version_no": 1},
    "text": "全年直接纠错171件、纠错率18.1%。",
    "reason": "yoy",
}
OVERDUE = {
    "site_id": "cs",
    "site_name": "长寿区人民政府",
    "region": "重庆市长寿区",
    "agency": "长寿区司法局",
    "year": 2024,
    "deadline": "2025-04-01",
}
LATE = {**REPORT, "published_at": "2025-04-20", "first_seen": "2025-04-20T09:12:00+08:00", "on_time": False}
FAILING = {
    "site_id": "cs",
    "site_name": "长寿区人民政府",
    "region": "重庆市长寿区",
    "error": "HTTP 503 Service Unavailable",
    "since": "2025-03-01T00:00:00Z",
    "failures": 5,
}
BLOCKED = {**FAILING, "error": "HTTP 412", "block_kind": "waf_412"}
RECOVERED = {k: v for k, v in FAILING.items() if k != "error"}
SUSPECT = {
    "site_id": "cs",
    "site_name": "长寿区人民政府",
    "region": "重庆市长寿区",
    "since": "2025-03-01T00:00:00Z",
    "verdict": "suspect",
    "verdict_label": "可能遗漏",
    "reason": "报告类栏目未发现报告：http://www.cs.gov.cn/zwgk/fzzfjsndbg/；升级抓取未发现报告（全站遍历：150 页）",
}

SAMPLES = {
    "new_report": REPORT,
    "report_published_late": LATE,
    "report_revised": REVISED,
    "indicator_changed": INDICATOR,
    "report_overdue": OVERDUE,
    "site_failing": FAILING,
    "site_blocked": BLOCKED,
    "site_recovered": RECOVERED,
    "site_suspect": SUSPECT,
}


def test_every_registered_kind_has_a_sample_and_a_chinese_label() -> None:
    assert set(EVENT_KINDS) == set(SAMPLES)
    for entry in event_kinds():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in entry.label), entry.kind
        assert entry.doc, f"{entry.kind} renderer needs a docstring"


@pytest.mark.parametrize("fmt", ["markdown", "text"])
@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_render_each_kind(kind: str, fmt: str) -> None:
    msg = render_event(kind, SAMPLES[kind], fmt)  # type: ignore[arg-type]
    assert msg.body_format == fmt
    assert msg.title.startswith("【") and "\n" not in msg.title
    assert "None" not in msg.title + msg.body
    if fmt == "text":
        assert "**" not in msg.body and "](" not in msg.body


def test_new_report_fields() -> None:
    msg = render_event("new_report", REPORT, "text")
    assert msg.title == "【新报告】大连市司法局2024年法治政府建设年度报告"
    body = msg.body
    assert "发布机关：大连市司法局" in body
    assert "年度：2024年度" in body
    assert "发布日期：2025-03-28" in body
    assert "是否按时：按时（公开截止 2025-04-01）" in body
    assert "发现时间：2025-03-28 11:05" in body  # first_seen shown in Beijing time
    assert f"链接：{REPORT['url']}" in body


def test_markdown_link_and_escaping() -> None:
    msg = render_event(
        "new_report", {**REPORT, "title": "关于*2024*年_报告", "url": "https://x.gov.cn/a (1).html"}
    )
    assert "关于\\*2024\\*年\\_报告" in msg.body
    assert "(https://x.gov.cn/a%20%281%29.html)" in msg.body


def test_late_is_computed_from_dates_when_on_time_unknown() -> None:
    body = render_event("report_published_late", {**LATE, "on_time": None}, "text").body
    assert "是否按时：逾期（公开截止 2025-04-01，晚 19 天）" in body
    body = render_event("new_report", {**REPORT, "on_time": None}, "text").body
    assert "是否按时：按时" in body


def test_on_time_flag_wins_over_dates() -> None:
    body = render_event("new_report", {**REPORT, "on_time": False}, "text").body
    assert "是否按时：逾期" in body


def test_revision_summary_and_lines() -> None:
    msg = render_event("report_revised", REVISED, "text")
    assert msg.title.endswith("（第2版）")
    assert "修订时间：2025-04-02 09:30" in msg.body
    assert "变化：新增2段、删除1段" in msg.body
    assert "新增：新收行政复议案件1516件" in msg.body
    assert "删除：新收行政复议案件1500件" in msg.body


def test_revision_caps_changed_lines() -> None:
    lines = [f"+ 第{i}段" for i in range(20)]
    body = render_event(
        "report_revised", {**REVISED, "diff": {"added": 20, "changed_lines": lines}}, "text"
    ).body
    assert "第5段" in body and "第6段" not in body
    assert "另有 14 行" in body


def test_indicator_change_line_with_units_and_years() -> None:
    msg = render_event("indicator_changed", INDICATOR, "text")
    assert "行政复议纠错率：27% → 18.1%（2023年度 → 2024年度）" in msg.body
    assert "下降8.9个百分点" in msg.body
    assert "原文：“全年直接纠错171件、纠错率18.1%。”" in msg.body
    assert "年度对比" in msg.body


def test_indicator_count_change_and_revision_versions() -> None:
    payload = {
        **INDICATOR,
        "label": "新收行政复议案件",
        "unit": "件",
        "old": {"value": 105, "year": 2024, "version_no": 1},
        "new": {"value": 117, "year": 2024, "version_no": 2},
        "reason": "revision",
    }
    body = render_event("indicator_changed", payload, "text").body
    assert "新收行政复议案件：105件 → 117件（2024年度第1版 → 2024年度第2版）" in body
    assert "增加12件（+11.4%）" in body
    assert "报告修订" in body


def test_overdue() -> None:
    msg = render_event("report_overdue", OVERDUE, "text")
    assert "长寿区司法局" in msg.title and "2024年度" in msg.title
    assert "公开截止日期：2025-04-01" in msg.body


@pytest.mark.parametrize("kind", ["site_failing", "site_blocked"])
def test_site_events(kind: str) -> None:
    body = render_event(kind, SAMPLES[kind], "text").body
    assert "站点：长寿区人民政府（cs）" in body
    assert "开始时间：2025-03-01 08:00" in body
    assert "连续失败次数：5次" in body
    assert "错误：HTTP" in body


def test_blocked_says_not_removed() -> None:
    body = render_event("site_blocked", BLOCKED, "text").body
    assert "拦截类型：waf_412" in body and "不代表报告被删除" in body


def test_recovered() -> None:
    msg = render_event("site_recovered", RECOVERED, "text")
    assert msg.title == "【站点恢复】长寿区人民政府"
    assert "恢复前失败次数：5次" in msg.body


@pytest.mark.parametrize("kind", [*sorted(SAMPLES), "something_new"])
def test_missing_fields_render_gracefully(kind: str) -> None:
    for payload in (None, {}, {k: None for k in SAMPLES.get(kind, REPORT)}):
        msg = render_event(kind, payload, "markdown")
        assert msg.title and "None" not in msg.title + msg.body


def test_bad_nested_types_do_not_raise() -> None:
    payload = {**INDICATOR, "old": "27%", "new": None, "diff": "oops", "year": "二〇二四"}
    render_event("indicator_changed", payload)
    render_event("report_revised", {**REVISED, "diff": {"changed_lines": "not a list"}})
    assert "未知" in render_event("new_report", {"deadline": "2025-04-01"}, "text").body


def test_unknown_format_is_rejected() -> None:
    with pytest.raises(ValueError, match="body format"):
        render_event("new_report", REPORT, "html")  # type: ignore[arg-type]


def test_digest_groups_by_kind_in_registry_order() -> None:
    items = [
        ("site_failing", FAILING),
        ("new_report", REPORT),
        ("indicator_changed", INDICATOR),
        ("new_report", {**REPORT, "title": "温州市2024年法治政府建设年度报告", "agency": "温州市人民政府"}),
    ]
    msg = render_digest(items, "text", "3月28日")
    assert msg.title == "【fzwatch 汇总】3月28日 共4条（新报告2、指标变化1、站点抓取失败1）"
    body = msg.body
    assert (
        body.index("【新报告】（2）") < body.index("【指标变化】（1）") < body.index("【站点抓取失败】（1）")
    )
    assert "温州市人民政府" in body and str(REPORT["url"]) in body
    assert "行政复议纠错率：27% → 18.1%" in body


def test_digest_markdown_and_empty() -> None:
    md = render_digest([("new_report", REPORT)], "markdown")
    assert "### 新报告（1）" in md.body and f"[原文]({REPORT['url']})" in md.body
    empty = render_digest([], "text", "本周")
    assert "无新事件" in empty.title and empty.body


def test_summaries_are_one_line() -> None:
    for kind, payload in SAMPLES.items():
        line = summarize_event(kind, payload)
        assert line and "\n" not in line


def test_payloads_are_json_round_trippable() -> None:
    for kind, payload in SAMPLES.items():
        again = json.loads(json.dumps(payload, ensure_ascii=False))
        assert render_event(kind, again) == render_event(kind, payload)


def test_untrusted_titles_are_one_line_and_escaped_per_format() -> None:
    from alerting.messages import render_event

    payload = {
        "title": "某县报告**粗体**<script>x</script>\r\nBcc: evil@example.org\x1b[31m",
        "site_id": "s",
        "url": "http://www.a.gov.cn/x.html",
        "year": 2023,
    }
    md = render_event("new_report", payload, "markdown")
    text = render_event("new_report", payload, "text")
    for message in (md, text):
        assert "\n" not in message.title and "\r" not in message.title and "\x1b" not in message.title
    assert "**粗体**" not in md.title and "<script>" not in md.title
    assert "\\*\\*" in md.title or "\\<script" in md.title
