"""Issue 10 units: time in one place (Beijing, never the host's zone), attachment-only reports keep the
detail page's metadata, body classification details."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from parsers import parse_page
from parsers.classify import classify_title
from parsers.clock import beijing_date, format_beijing
from parsers.combine import with_attachment_body
from parsers.dates import parse_date_value
from parsers.timeliness import is_on_time
from tests.fixtures.parsers.build_pub import report_body
from tests.portals.build import make_docx


@pytest.fixture(params=["UTC", "America/New_York", "Asia/Tokyo"])
def host_tz(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run a test as if the host were in another time zone."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield request.param
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


def test_epoch_dates_are_beijing_dates_on_any_host(host_tz: str) -> None:
    # 2024-03-13 16:19 Beijing = 08:19 UTC; gkmlpt gives seconds or milliseconds.
    assert parse_date_value("1710317940") == "2024-03-13T16:19:00"
    assert parse_date_value("1710317940000") == "2024-03-13T16:19:00"
    # 2025-03-31 23:30 Beijing is 15:30 UTC (and 11:30 in New York): still 31 March, on time.
    stamp = str(int(datetime(2025, 3, 31, 15, 30, tzinfo=UTC).timestamp()))
    assert parse_date_value(stamp) == "2025-03-31T23:30:00"
    assert is_on_time(parse_date_value(stamp), 2024) is True


def test_on_time_verdict_for_utc_timestamps_is_host_independent(host_tz: str) -> None:
    first_seen = datetime(2025, 4, 1, 17, 0, tzinfo=UTC)  # 04-02 01:00 北京时间: late
    assert beijing_date(first_seen) == date(2025, 4, 2)
    assert is_on_time(first_seen, 2024) is False
    assert is_on_time(datetime(2025, 4, 1, 15, 59, tzinfo=UTC), 2024) is True


def test_published_at_has_no_fake_midnight() -> None:
    assert parse_date_value("2025-03-10 00:00:00") == "2025-03-10"
    assert parse_date_value("2025-03-10T00:00:00") == "2025-03-10"
    assert parse_date_value("2023-02-15") == "2023-02-15"
    assert parse_date_value("2024-03-13 16:19") == "2024-03-13T16:19:00"
    # an explicit offset (article:published_time) is converted to Beijing time
    assert parse_date_value("2024-03-13T08:19:00Z") == "2024-03-13T16:19:00"
    assert parse_date_value("2024-03-13T16:19:00+08:00") == "2024-03-13T16:19:00"
    assert parse_date_value("2024-03-31T17:30:00+00:00") == "2024-04-01T01:30:00"
    # midnight from an epoch is a date-only CMS field too
    assert parse_date_value(str(int(datetime(2025, 3, 9, 16, 0, tzinfo=UTC).timestamp()))) == "2025-03-10"


def test_format_beijing_labels_and_converts(host_tz: str) -> None:
    assert format_beijing(datetime(2024, 3, 13, 8, 19, tzinfo=UTC)) == "2024-03-13 16:19"
    assert format_beijing("2024-03-13T08:19:00+00:00", label=True) == "2024-03-13 16:19（北京时间）"
    assert format_beijing("2024-03-13T16:19:00") == "2024-03-13 16:19"  # a page's naive time is Beijing time
    assert format_beijing("2023-02-15") == "2023-02-15"
    assert format_beijing(None) == ""


def _detail_page(title: str, day: str) -> bytes:
    return (
        f'<html><head><meta charset="utf-8"><title>{title}_永安市人民政府</title></head><body><h1>{title}</h1>'
        f'<div class="info">发布时间：{day} 来源：小陶镇</div><div class="TRS_Editor"><p>详见附件。</p></div>'
        '<p>附件：<a href="/files/P020250320512345678901.docx">报告全文.docx</a></p></body></html>'
    ).encode()


def test_attachment_only_report_keeps_the_detail_pages_title_date_and_publisher() -> None:
    title = "小陶镇2024年法治政府建设情况"
    url = "https://www.ya.gov.cn/zwgk/fzzf/art_1.html"
    page = parse_page(
        url, _detail_page(title, "2025-03-20 10:00"), site_name="永安市人民政府", region="福建省三明市永安市"
    )
    assert "body_in_attachment" in page.flags
    attachment = make_docx("关于2024年度法治政府建设情况的报告", report_body("我镇", 2024, "永安市人民政府"))
    merged = with_attachment_body(
        page,
        "https://www.ya.gov.cn/files/P020250320512345678901.docx",
        attachment,
        site_name="永安市人民政府",
        region="福建省三明市永安市",
    )
    assert merged.title == title
    assert merged.published_at == "2025-03-20T10:00:00"
    assert merged.agency == "永安市小陶镇人民政府"
    assert merged.year == 2024
    assert merged.is_report and merged.content_type == "docx"
    assert "现将2024年度法治政府建设有关情况报告如下" in merged.text


def test_attachment_fills_only_what_the_page_lacks() -> None:
    html = (
        '<html><head><meta charset="utf-8"><title>永安市小陶镇人民政府2024年法治政府建设情况报告</title></head><body>'
        '<div class="TRS_Editor"><p>详见附件。</p></div><a href="/P020250320512345678901.docx">附件</a></body></html>'
    )
    page = parse_page(
        "https://www.ya.gov.cn/zwgk/a.html",
        html.encode(),
        site_name="永安市人民政府",
        region="福建省三明市永安市",
    )
    merged = with_attachment_body(
        page,
        "https://www.ya.gov.cn/202503/P020250320512345678901.docx",
        make_docx("报告", report_body("我镇", 2024, "")),
        region="福建省三明市永安市",
    )
    assert merged.published_at == "2025-03-01"  # the attachment URL's month: better than nothing
    assert merged.agency == "永安市小陶镇人民政府"


@pytest.mark.parametrize(
    "title",
    [
        "泰顺县2024年度法治政府建设情况",
        "关于报送2024年度法治政府建设情况的函",
        "关于报送2024年度法治政府建设年度报告的函",
    ],
)
def test_title_less_reports_need_the_body(title: str) -> None:
    assert not classify_title(title).is_report  # the title alone is not enough
    verdict = classify_title(title, "\n".join(report_body("我县", 2024, "县委、县人大常委会")))
    assert verdict.is_report and 0.7 <= verdict.confidence < 0.95
    assert any("报告如下" in r for r in verdict.reasons)


@pytest.mark.parametrize(
    "title",
    [
        "泰顺县2024年度法治政府建设情况通报",
        "关于报送2024年度法治政府建设情况的通知",
        "2024年法治政府建设工作要点",
        "泰顺县2024年上半年法治政府建设情况",
        "2024年度法治政府建设情况解读",
        "关于开展2024年度法治政府建设情况自查的函",
    ],
)
def test_near_misses_stay_rejected_whatever_the_body(title: str) -> None:
    verdict = classify_title(title, "\n".join(report_body("我县", 2024, "县委")))
    assert not verdict.is_report, verdict.reasons


def test_body_without_the_mandated_parts_is_not_a_report() -> None:
    body = "县委、县政府：\n现将2024年度法治政府建设情况报告如下：\n我县全年推进法治政府建设，取得积极成效。"
    verdict = classify_title("泰顺县2024年度法治政府建设情况", body)
    assert not verdict.is_report
    assert "法定部分：无" in verdict.reasons


# Held out: written after the body rules, before running them on these bodies.
HELD_OUT_BODIES = [
    (
        "龙溪镇2024年度法治政府建设工作情况",
        True,
        (
            "县委、县政府：\n2024年，我镇在县委县政府的坚强领导下，深入推进法治政府建设。现将2024年度法治政府建设工作情况汇报如下：\n"
            "一、2024年主要工作举措和成效\n（一）健全依法决策机制。全年提交合法性审查文件12件。\n二、存在的问题\n基层法治力量仍然薄弱。\n"
            "三、党政主要负责人履行推进法治建设第一责任人职责情况\n镇党委书记、镇长带头学法。\n四、2025年工作打算\n持续推进综合行政执法改革。"
        ),
    ),
    (
        "关于报送泰顺县市场监督管理局2024年度法治政府建设情况的函",
        True,
        (
            "县委全面依法治县委员会办公室：\n根据工作要求，现将我局2024年度法治政府建设情况报告如下：\n一、主要举措和成效\n"
            "2024年，我局全面推进严格规范公正文明执法。\n二、存在的不足和原因\n执法人员专业能力不足。\n"
            "三、主要负责人履行推进法治建设第一责任人职责情况\n局主要负责人专题研究法治工作4次。\n四、下一步工作安排\n加强执法监督。"
        ),
    ),
    (
        "泰顺县2024年度法治政府建设情况",
        False,
        (
            "日前，记者从县司法局了解到，2024年泰顺县法治政府建设取得明显成效。\n一、主要成效\n全县行政复议案件纠错率下降。\n"
            "二、存在问题\n部分单位重视不够。\n三、下步打算\n县司法局表示将继续努力。"
        ),
    ),
    (
        "2024年度法治政府建设情况",
        True,
        (
            "市委、市政府：\n2024年，我局深入学习贯彻习近平法治思想，法治政府建设取得积极成效，现将有关情况报告如下：\n"
            "一、主要举措和成效\n全面落实行政执法三项制度。\n二、存在的不足和原因\n法治宣传形式单一。\n"
            "三、党政主要负责人履行推进法治建设第一责任人职责情况\n主要负责人主持召开专题会议。\n四、2025年主要安排\n深化依法行政。"
        ),
    ),
    (
        "泰顺县2024年度法治政府建设情况的通报",
        False,
        "各乡镇人民政府，县直各单位：\n现将2024年度法治政府建设考核情况通报如下：一、总体情况\n二、存在问题\n三、下一步安排",
    ),
    (
        "关于泰顺县2024年度法治政府建设情况的说明",
        False,
        "县人大常委会：\n现将有关情况说明如下：一、主要举措和成效\n二、存在的不足\n三、下一步安排",
    ),
]


@pytest.mark.parametrize(("title", "want", "body"), HELD_OUT_BODIES, ids=[t for t, _, _ in HELD_OUT_BODIES])
def test_body_classification_held_out(title: str, want: bool, body: str) -> None:
    verdict = classify_title(title, body)
    assert verdict.is_report is want, verdict.reasons
