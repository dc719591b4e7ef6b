"""Subscription filters, YAML-declared subscriptions and digest times."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from alerting.filters import (
    SubscriptionConfigError,
    SubscriptionFilter,
    load_subscriptions_yaml,
    matches,
    next_digest_time,
)
from alerting.schedule import next_delivery_time
from tests.test_alerts_messages import FAILING, INDICATOR, OVERDUE, REPORT

SH = ZoneInfo("Asia/Shanghai")


def test_empty_filter_matches_everything() -> None:
    flt = SubscriptionFilter()
    for kind, payload in [("new_report", REPORT), ("site_failing", FAILING), ("x", None)]:
        assert matches(flt, kind, payload)


def test_events_sites_region() -> None:
    assert matches(SubscriptionFilter(events=["new_report"]), "new_report", REPORT)
    assert not matches(SubscriptionFilter(events=["new_report"]), "site_failing", FAILING)
    assert matches(SubscriptionFilter(sites=["dl-sfj"]), "new_report", REPORT)
    assert not matches(SubscriptionFilter(sites=["cs"]), "new_report", REPORT)
    assert matches(SubscriptionFilter(region_prefix="辽宁省"), "new_report", REPORT)
    assert not matches(SubscriptionFilter(region_prefix="浙江省"), "new_report", REPORT)
    assert not matches(SubscriptionFilter(region_prefix="辽宁省"), "new_report", {**REPORT, "region": None})
    assert matches(SubscriptionFilter(region_prefix="重庆市"), "site_failing", FAILING)


def test_agency_and_year_apply_to_report_events_only() -> None:
    flt = SubscriptionFilter(agency_contains="司法局", year=2024)
    assert matches(flt, "new_report", REPORT)
    assert matches(flt, "report_overdue", OVERDUE)
    assert not matches(flt, "new_report", {**REPORT, "year": 2023})
    assert not matches(flt, "new_report", {**REPORT, "agency": "大连市人民政府"})
    assert matches(flt, "site_failing", FAILING)  # site events carry no agency or year
    assert matches(SubscriptionFilter(agency_contains="司法局"), "new_report", {**REPORT, "agency": None})


def test_keywords_need_the_report_text() -> None:
    flt = SubscriptionFilter(keywords=["行政复议", "述法"])
    assert matches(flt, "new_report", REPORT, report_text="全年新收行政 复议案件105件")  # whitespace ignored
    assert not matches(flt, "new_report", REPORT, report_text="推进依法行政")
    assert not matches(flt, "new_report", REPORT)  # title alone does not mention them
    assert matches(flt, "indicator_changed", {**INDICATOR, "text": "行政复议纠错率18.1%"})
    assert matches(flt, "site_failing", FAILING)


def test_indicator_thresholds() -> None:
    flt = SubscriptionFilter(indicator_keys={"fy_correction_rate": 5.0, "lawsuit_loss_rate": None})
    assert matches(flt, "indicator_changed", INDICATOR)  # 27 → 18.1: |Δ| = 8.9 ≥ 5
    small = {**INDICATOR, "new": {"value": 25, "year": 2024}}
    assert not matches(flt, "indicator_changed", small)  # |Δ| = 2 < 5
    other = {**INDICATOR, "key": "lawsuit_loss_rate", "new": {"value": 26.9, "year": 2024}}
    assert matches(flt, "indicator_changed", other)  # no own threshold: any change
    assert not matches(flt, "indicator_changed", {**INDICATOR, "key": "unlisted"})
    assert matches(flt, "new_report", REPORT)  # indicator filter leaves other kinds alone
    assert matches(
        flt, "indicator_changed", {**INDICATOR, "old": {"value": "约三成"}}
    )  # non-numeric: not silenced


def test_filter_dict_round_trip_and_yaml_spelling() -> None:
    flt = SubscriptionFilter(events=["new_report"], year=2024, indicator_keys={"a": 1.5, "b": None})
    assert SubscriptionFilter.from_dict(flt.to_dict()) == flt
    assert flt.to_dict() == {"events": ["new_report"], "year": 2024, "indicator_keys": {"a": 1.5, "b": None}}
    assert SubscriptionFilter.from_dict(
        {"indicators": ["a"], "keywords": "述法", "junk": 1}
    ) == SubscriptionFilter(indicator_keys={"a": None}, keywords=["述法"])
    assert SubscriptionFilter.from_dict(None) == SubscriptionFilter()


GOOD_YAML = """
subscriptions:
  - name: 大连司法局
    url: json://127.0.0.1:8080/hook
    events: [new_report, report_revised]
    sites: [dl-sfj]
    year: 2024
  - name: 浙江指标周报
    urls:
      - mailto://u:p@smtp.qq.com?to=a@qq.com
      - ${FZW_TEST_HOOK}
    region_prefix: 浙江省
    agency_contains: 司法局
    indicators:
      reconsideration_correction_rate: 5
      litigation_loss_rate:
    keywords: [行政复议]
    mode: digest
    digest: {every: weekly, at: "09:00", weekday: fri}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "subscriptions.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_good_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FZW_TEST_HOOK", "json://127.0.0.1:9000/x")
    subs = load_subscriptions_yaml(_write(tmp_path, GOOD_YAML))
    first, second = subs
    assert first == {
        "name": "大连司法局",
        "urls": ["json://127.0.0.1:8080/hook"],
        "filters": {"events": ["new_report", "report_revised"], "sites": ["dl-sfj"], "year": 2024},
        "mode": "immediate",
        "digest": {},
    }
    assert second["urls"][1] == "json://127.0.0.1:9000/x"
    assert second["filters"]["indicator_keys"] == {
        "reconsideration_correction_rate": 5.0,
        "litigation_loss_rate": None,
    }
    assert second["digest"] == {"every": "weekly", "at": "09:00", "weekday": "fri", "tz": "Asia/Shanghai"}
    assert SubscriptionFilter.from_dict(second["filters"]).keywords == ["行政复议"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("subscriptions: [\n  - name: a\n    url: [", "YAML 语法错误"),
        ("- just a list", "顶层必须是 `subscriptions:` 列表"),
        ("subscriptions:\n  - url: json://127.0.0.1/h", "缺少 name"),
        ("subscriptions:\n  - name: a", "缺少通知地址"),
        ("subscriptions:\n  - name: a\n    url: nonsense://secret-token-123", "invalid apprise URL"),
        (
            "subscriptions:\n  - name: a\n    url: json://h.example.org/x\n    events: [new_reprot]",
            "new_reprot",
        ),
        ("subscriptions:\n  - name: a\n    url: json://h.example.org/x\n    mode: dialy", "mode 必须是"),
        ("subscriptions:\n  - name: a\n    url: json://h.example.org/x\n    yaer: 2024", "未知的键 'yaer'"),
        (
            "subscriptions:\n  - name: a\n    url: json://h.example.org/x\n    year: 二〇二四",
            "year 必须是年份",
        ),
        (
            "subscriptions:\n  - name: a\n    url: json://h.example.org/x\n    mode: digest\n    digest: {at: 8:30}",
            "digest.at",
        ),
        (
            "subscriptions:\n  - name: a\n    url: json://h.example.org/x\n    digest: {every: hourly}",
            "digest.every",
        ),
        (
            "subscriptions:\n  - name: a\n    url: json://h.example.org/x\n    digest: {tz: Mars/Base}",
            "digest.tz",
        ),
        (
            "subscriptions:\n  - name: a\n    url: json://h.example.org/x\n    indicators: {k: high}",
            "阈值必须是数字",
        ),
        ("subscriptions:\n  - name: a\n    url: ${FZW_UNSET_VAR_42}", "FZW_UNSET_VAR_42 未设置"),
        (
            "subscriptions:\n  - {name: a, url: 'json://h.example.org/x'}\n  - {name: a, url: 'json://h.example.org/y'}",
            "name 重复",
        ),
    ],
)
def test_yaml_errors(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(SubscriptionConfigError) as info:
        load_subscriptions_yaml(_write(tmp_path, text))
    message = str(info.value)
    assert expected in message
    assert "secret-token-123" not in message
    assert isinstance(info.value, ValueError)


def test_yaml_reports_all_problems_at_once(tmp_path: Path) -> None:
    text = (
        "subscriptions:\n  - name: a\n    mode: x\n  - name: b\n    url: json://h.example.org/x\n    year: 1"
    )
    with pytest.raises(SubscriptionConfigError) as info:
        load_subscriptions_yaml(_write(tmp_path, text))
    lines = str(info.value).splitlines()
    assert len(lines) == 3 and all(line.startswith(str(tmp_path)) for line in lines)
    assert "subscriptions[0] (a)" in lines[0] and "subscriptions[1] (b)" in lines[2]


def test_missing_file_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(SubscriptionConfigError, match="无法读取文件"):
        load_subscriptions_yaml(tmp_path / "nope.yaml")
    assert load_subscriptions_yaml(_write(tmp_path, "")) == []


def test_next_digest_daily() -> None:
    spec = {"every": "daily", "at": "08:30"}
    after = datetime(2025, 3, 28, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    assert next_digest_time(spec, after) == datetime(2025, 3, 28, 8, 30, tzinfo=SH)
    after = datetime(2025, 3, 28, 0, 30, tzinfo=UTC)  # exactly 08:30 Shanghai: strictly after
    assert next_digest_time(spec, after) == datetime(2025, 3, 29, 8, 30, tzinfo=SH)
    assert next_digest_time(None, after).tzinfo is not None


def test_next_digest_weekly_and_naive_input() -> None:
    spec = {"every": "weekly", "at": "09:00", "weekday": "mon"}
    friday = datetime(2025, 3, 28, 12, 0)  # naive: taken as UTC
    result = next_digest_time(spec, friday)
    assert result == datetime(2025, 3, 31, 9, 0, tzinfo=SH) and result.weekday() == 0
    monday_early = datetime(2025, 3, 31, 0, 59, tzinfo=UTC)  # 08:59 Shanghai
    assert next_digest_time(spec, monday_early) == datetime(2025, 3, 31, 9, 0, tzinfo=SH)


def test_next_digest_other_zone() -> None:
    spec = {"at": "07:00", "tz": "Europe/Berlin"}
    before_dst = datetime(2025, 3, 30, 4, 0, tzinfo=UTC)  # 06:00 CEST on the DST day
    assert next_digest_time(spec, before_dst) == datetime(2025, 3, 30, 7, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def test_next_delivery_time() -> None:
    now = datetime(2025, 3, 28, 0, 0, tzinfo=UTC)
    assert next_delivery_time("immediate", {}, now) == now
    assert next_delivery_time("digest", {}, now) == datetime(2025, 3, 28, 8, 30, tzinfo=SH)
