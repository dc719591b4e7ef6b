"""Unit tests of the parser modules: decoding, extraction rules, dates, hashing, timeliness, formats."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date

import pytest

from parsers import content_hash, parse_page
from parsers.classify import classify_title, list_rules
from parsers.dates import labelled_date, url_date
from parsers.decode import decode_body
from parsers.indicators import REGISTRY, extract_indicators
from parsers.metadata import agency_from_title, report_year, strip_site_suffix
from parsers.sections import split_sections
from parsers.timeliness import deadline_for, is_on_time

REQUIRED_KEYS = {
    "reconsideration_received",
    "reconsideration_closed",
    "reconsideration_corrected",
    "reconsideration_correction_rate",
    "litigation_new",
    "litigation_closed",
    "litigation_lost",
    "litigation_loss_rate",
    "head_appearance_rate",
    "mediation_cases",
    "mediation_success",
    "mediation_success_rate",
    "legal_aid_cases",
    "legality_reviews",
    "normative_docs_reviewed",
}


def _page(body: str, title: str = "某县司法局2023年法治政府建设年度报告", head: str = "") -> bytes:
    return (
        f"<html><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
        f"<body><div id='zoom'>{body}</div></body></html>"
    ).encode()


@pytest.mark.parametrize(
    ("raw", "headers"),
    [
        ("<html><head><meta charset='utf-8'></head><body>法治政府建设</body></html>".encode("gbk"), None),
        ("<html><body>法治政府建设 镕</body></html>".encode("gb18030"), None),
        ("<html><head><meta charset='gb2312'></head><body>法治政府建设</body></html>".encode(), None),
        (
            "<html><body>法治政府建设</body></html>".encode("gbk"),
            {"Content-Type": "text/html; charset=ISO-8859-1"},
        ),
    ],
)
def test_decode_wrong_or_missing_declarations(raw: bytes, headers: dict | None) -> None:
    assert "法治政府建设" in decode_body(raw, headers)


def test_numbers_split_across_inline_tags_are_joined() -> None:
    body = (
        "<p>全年减免罚款<font color=red>2883.5</font>亿元，受理法律援助案件<span>21</span><b>91</b>件。"
        + "正文" * 40
        + "</p>"
    )
    page = parse_page("https://x.gov.cn/a.html", _page(body))
    assert "2883.5亿元" in page.text and "2191件" in page.text


def test_tables_kept_as_rows_without_pipes() -> None:
    body = (
        "<p>"
        + "法治政府建设情况如下。" * 10
        + "</p><table><tr><td>指标</td><td>数值</td></tr><tr><td>纠错率</td><td>27%</td></tr></table>"
    )
    page = parse_page("https://x.gov.cn/a.html", _page(body))
    assert "纠错率 27%" in page.text.split("\n") or "纠错率27%" in page.text.split("\n")
    assert "|" not in page.text


def test_chrome_only_change_keeps_hash() -> None:
    body = "<p>" + "推进依法行政取得新成效。" * 10 + "</p><p>浏览次数：{n}</p><p>【打印本页】【关闭窗口】</p>"
    a = parse_page("https://x.gov.cn/a.html", _page(body.format(n=12)))
    b = parse_page("https://x.gov.cn/a.html", _page(body.format(n=9876)))
    assert content_hash(a.text) == content_hash(b.text)
    assert content_hash(a.text + "\n浏览次数：5") == content_hash(a.text)
    assert content_hash(a.text) != content_hash(a.text + "新增一段正文。")


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("发布时间:2021-03-16 18:37:20", "2021-03-16T18:37:20"),
        ("发布时间:2024-03-13 16:19", "2024-03-13T16:19:00"),
        ("更新时间:2021/03/29 11:30:01", "2021-03-29T11:30:01"),
        ("时间:2023-02-28 15:36 浏览量:1", "2023-02-28T15:36:00"),
        ("发布时间:2019年3月1日", "2019-03-01"),
        ("发布日期: 2011- 09- 01 14: 58: 15", "2011-09-01T14:58:15"),
        ("成文日期：2023-03-20 发布日期：2023-03-24", "2023-03-24"),
    ],
)
def test_labelled_dates(text: str, iso: str) -> None:
    assert labelled_date(text) == iso


@pytest.mark.parametrize(
    ("url", "iso"),
    [
        ("https://x.gov.cn/zwgk/202403/t20240328_6583952.html", "2024-03-28"),
        ("https://sfj.dl.gov.cn/art/2025/3/3/art_3945_2412458.html", "2025-03-03"),
        ("https://x.gov.cn/fzzf/202403/abc.html", "2024-03-01"),
        ("https://x.gov.cn/content/post_2795410.html", None),
    ],
)
def test_url_dates(url: str, iso: str | None) -> None:
    assert url_date(url) == iso


def test_body_dates_are_never_publication_dates() -> None:
    body = "<p>" + "2022年5月6日召开会议，部署工作。" * 8 + "</p>"
    page = parse_page("https://x.gov.cn/content/post_1.html", _page(body))
    assert page.published_at is None


@pytest.mark.parametrize(
    ("title", "agency"),
    [
        ("泰顺县司法局2023年法治政府建设年度报告", "泰顺县司法局"),
        ("2020年度新蒲新区法治政府建设 工作报告", "新蒲新区"),
        ("清水县人民政府关于清水县2023年度法治政府建设工作总结的报告", "清水县人民政府"),
        ("关于2024年法治政府建设情况的报告", None),
        ("2021年法治政府建设工作情况的报告", None),
    ],
)
def test_agency_from_title(title: str, agency: str | None) -> None:
    assert agency_from_title(title) == agency


def test_titles_and_years() -> None:
    assert (
        strip_site_suffix("泰顺县司法局2023年法治政府建设年度报告_泰顺县人民政府")
        == "泰顺县司法局2023年法治政府建设年度报告"
    )
    assert (
        strip_site_suffix("鹤山市司法局2022年法治政府建设年度报告-中国鹤山")
        == "鹤山市司法局2022年法治政府建设年度报告"
    )
    assert report_year("关于2024年法治政府建设情况的报告", None) == 2024
    assert report_year("2020年度新蒲新区法治政府建设工作报告", None) == 2020
    assert report_year("法治政府建设情况报告", "2025-03-01") == 2024


def test_classifier_rules_listed_and_traditional() -> None:
    assert {r.kind for r in list_rules()} == {"positive", "negative", "boost", "body"}
    assert all(r.description for r in list_rules())
    assert classify_title("小龍門鄉2024年法治政府建設情況報告").is_report
    verdict = classify_title("《烈山区2024年法治政府建设情况的报告》解读")
    assert not verdict.is_report and any("解读" in r for r in verdict.reasons)
    assert classify_title("首页").confidence == 0.0


@pytest.mark.parametrize(
    ("title", "is_report"),
    [
        # domain.md §2: departments publish too; a near-miss word inside the publisher's own name
        # (自然资源和规划局, 规划和自然资源局, 行政复议局, 督查室…) says nothing about the document.
        ("瑞安市自然资源和规划局2020年度法治政府建设情况报告", True),
        ("鹿城區自然資源和規劃局關於2023年度法治政府建設情況的報告", True),
        ("岳阳县规划和自然资源局2023年 法治政府建设年度报告", True),
        ("罗源县自然资源和规划局关于2024年度法治政府建设工作的报告", True),
        # ...while the same words about the document itself still reject it
        ("瑞安市自然资源和规划局2024年法治政府建设工作要点", False),
        ("瑞安市规划局关于印发法治政府建设实施方案的通知", False),
        ("瑞安市法治政府建设规划（2021—2025年）执行情况报告", False),
        ("一图读懂岳阳县司法局2023年度法治政府建设情况报告", False),
        ("瑞安市自然资源和规划局2023年上半年法治政府建设工作情况报告", False),
        ("XX局2023年法治政府建设年度报告", False),
    ],
)
def test_near_miss_words_in_the_publishers_name(title: str, is_report: bool) -> None:
    assert classify_title(title).is_report is is_report


def test_sections_inline_without_line_breaks() -> None:
    text = (
        "2023年，本局推进工作。 一、2023年工作总结 做了事。 二、存在的不足和原因 有问题。 "
        "三、主要负责人履行推进法治建设第一责任人职责情况 履职。 四、2024年工作打算 统一、规范。"
    )
    assert [s.kind for s in split_sections(text)] == ["measures", "shortcomings", "responsibility", "plan"]


def test_indicator_registry_and_tricky_phrasings() -> None:
    keys = {d.key for d in REGISTRY}
    assert REQUIRED_KEYS <= keys and len(keys - REQUIRED_KEYS) >= 15
    text = (
        "一、主要举措和成效 全年新收行政复议案件105件、同比增长34%，落实“1+7+N”机制和“133”大调解，"
        "开通12348热线7×24小时服务，印发遵新党办发〔2020〕131号文件，适用“一基准四清单”案件181.3万件，"
        "第三季度出庭应诉率达99.28%，同比提升3.36个百分点，发放宣传资料3.7万余份。"
        "四、下一步工作打算 力争复议纠错率达到90%。"
    )
    found = {i.key: i for i in extract_indicators(text, split_sections(text))}
    assert found["reconsideration_received"].change == {
        "kind": "pct",
        "value": 34.0,
        "unit": "%",
        "text": "同比增长34%",
    }
    assert found["enforcement_cases"].value == 1813000 and found["enforcement_cases"].unit == "件"
    assert found["head_appearance_rate"].period == "第三季度"
    assert found["head_appearance_rate"].change["kind"] == "pp"
    assert found["publicity_materials"].approx and found["publicity_materials"].value == 37000
    assert "reconsideration_correction_rate" not in found  # a target in the plan section
    assert all(i.value not in (1, 7, 133, 12348, 24, 2020, 131) for i in found.values())


def test_timeliness() -> None:
    assert deadline_for(2023) == date(2024, 4, 1)
    assert deadline_for(2023, "department", {"department": (3, 1)}) == date(2024, 3, 1)
    assert is_on_time("2024-03-31T10:00:00", 2023, deadline_for(2023)) is True
    assert is_on_time("2024-04-02", 2023, deadline_for(2023)) is False
    assert is_on_time(None, 2023, deadline_for(2023)) is None


def _docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("泰顺县司法局2023年法治政府建设年度报告")
    document.add_paragraph("一、主要举措和成效 受理法律援助案件2191件。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "指标", "数值"
    table.cell(1, 0).text, table.cell(1, 1).text = "纠错率", "27%"
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_docx_with_table_rows() -> None:
    page = parse_page("https://x.gov.cn/P0.docx", _docx_bytes())
    assert page.content_type == "docx" and "纠错率 27%" in page.text.split("\n")
    assert page.is_report and page.year == 2023


def test_scanned_pdf_is_flagged() -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    writer.write(buf)
    page = parse_page(
        "https://x.gov.cn/P020240301.pdf", buf.getvalue(), {"Content-Type": "application/octet-stream"}
    )
    assert page.content_type == "pdf" and page.text == "" and "scanned_pdf" in page.flags


def test_ofd_text_in_page_order() -> None:
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(
            "OFD.xml",
            f"<ofd:OFD {ns}><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        )
        zf.writestr(
            "Doc_0/Document.xml",
            f"<ofd:Document {ns}><ofd:Pages><ofd:Page ID='1' BaseLoc='Pages/Page_1/Content.xml'/>"
            "<ofd:Page ID='2' BaseLoc='Pages/Page_0/Content.xml'/></ofd:Pages></ofd:Document>",
        )
        for name, text in (("Page_1", "第一页法治政府建设"), ("Page_0", "第二页工作打算")):
            zf.writestr(
                f"Doc_0/Pages/{name}/Content.xml",
                f"<ofd:Page {ns}><ofd:Content><ofd:Layer><ofd:TextObject Boundary='0 10 100 10'>"
                f"<ofd:TextCode X='0' Y='5'>{text}</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>",
            )
    page = parse_page("https://x.gov.cn/a.ofd", buf.getvalue())
    assert page.content_type == "ofd" and page.text.split("\n") == ["第一页法治政府建设", "第二页工作打算"]


def test_doc_best_effort_utf16_runs() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    body = ole + "某县2023年法治政府建设年度报告\r一、主要举措和成效".encode("utf-16-le") + b"\x00" * 64
    page = parse_page("https://x.gov.cn/a.doc", body)
    assert page.content_type == "doc" and "法治政府建设年度报告" in page.text


@pytest.mark.parametrize(
    ("when", "year", "kind", "expected"),
    [
        ("2024-04-01", 2023, "government", True),  # 4月1日之前 read inclusively
        ("2024-04-01T23:59:59", 2023, "government", True),  # naive page times are Beijing times
        ("2024-04-02T00:00:00", 2023, "government", False),
        ("2024-04-01T15:59:00+00:00", 2023, "government", True),  # 23:59 北京时间
        ("2024-04-01T16:00:00+00:00", 2023, "government", False),  # 04-02 00:00 北京时间
        ("2024-02-29", 2023, "demonstration", False),  # 示范地区: 1月底
        ("2024-01-31", 2023, "demonstration", True),
        ("2023-12-30", 2023, "government", True),  # early is on time
        ("2019年3月1日", 2018, "government", None),  # callers pass ISO; anything else is unknown
        ("", 2023, "government", None),
        ("2024-03-01", None, "government", None),
    ],
)
def test_timeliness_edges(when: str, year: int | None, kind: str, expected: bool | None) -> None:
    deadline = deadline_for(year, kind) if year else None
    assert is_on_time(when, year, deadline) is expected


def test_first_seen_utc_is_judged_by_beijing_date() -> None:
    from datetime import datetime

    assert is_on_time(datetime(2024, 4, 1, 15, 0, tzinfo=UTC), 2023) is True
    assert is_on_time(datetime(2024, 4, 1, 17, 0, tzinfo=UTC), 2023) is False
    assert deadline_for(2023, "unknown-kind") == date(2024, 4, 1)  # unknown kinds fall back to the default


def test_indicator_additions_list_verbs_continuations_and_vetoes() -> None:
    text = (
        "今年已经成功创建15个市级“民主法治示范村(社区)”,推荐申报6个省级“民主法治示范村(社区)”、1个国家级“民主法治示范村(社区)”。"
        "目前新区共计6家专业性、行业性人民调解委员会。成功化解5件潜在风险案件。排定重点信访问题27件,先后化解重点案件18件。"
        "全区4596名国家工作人员参加2020年度全省国家工作人员统一在线学法考试。完成合同、协议法制审查共106件。"
        "行政复议新收案件709件、同比上升90.08%；经调解和解结案96件。更新法治宣传栏200余期,开展宣传活动30场。"
        "印发60000余册平安法治宣传读本。截止目前,全区共调解3045件。"
    )
    found = {(i.key, i.value) for i in extract_indicators(text)}
    assert ("rule_of_law_villages", 15) in found and ("rule_of_law_villages", 6) not in found
    assert ("rule_of_law_villages", 1) not in found  # the 推荐申报 verb covers the whole 、-list
    assert ("mediation_committees", 6) in found and ("mediation_success", 5) not in found
    assert ("petition_cases_resolved", 18) in found and ("petition_cases_resolved", 27) not in found
    assert ("law_exam_participants", 4596) in found and ("legality_reviews", 106) in found
    assert ("reconsideration_mediated", 96) in found  # the subject carries over a ；
    assert ("publicity_events", 200) not in found and ("publicity_events", 30) in found
    assert ("publicity_materials", 60000) in found
    by_key = {i.key: i for i in extract_indicators(text)}
    assert by_key["mediation_cases"].period == "截止目前"  # stops at an ASCII comma too


def test_change_rules_thresholds() -> None:
    from parsers.indicators import DEFAULT_CHANGE_RULE, change_rule

    assert DEFAULT_CHANGE_RULE.is_notable(27.0, 18.1, "%") and not DEFAULT_CHANGE_RULE.is_notable(
        27.0, 23.0, "%"
    )
    assert DEFAULT_CHANGE_RULE.is_notable(100, 140, "件") and not DEFAULT_CHANGE_RULE.is_notable(
        100, 120, "件"
    )
    assert not DEFAULT_CHANGE_RULE.is_notable(3, 9, "件")  # +200% but only 6 件
    assert change_rule("head_appearance_rate").is_notable(100.0, 97.5, "%")  # tighter for near-100% rates
    custom = change_rule("legal_aid_cases", {"legal_aid_cases": {"ratio": 0.1, "absolute": 5}})
    assert custom.is_notable(100, 111, "件") and custom.points == 5.0


def test_density_candidate_replaces_side_bar_noise() -> None:
    import lxml.html

    from parsers.extract import prefer_core

    prose = "行政复议案件办理质量持续提升，全年新收案件105件，办结106件，纠错29件。" * 3
    teasers = ["[幻灯]某某明星写真，精彩不断。", "[幻灯]某某球星看球实录，爆笑登场。"]
    wide = "首页 新闻 体育 娱乐\n" + prose + "\n·" + "·".join(teasers)
    root = lxml.html.document_fromstring("".join(f"<a>{t}</a>" for t in teasers) + f"<p>{prose}</p>")
    assert prefer_core(prose, wide, root)  # the teaser "prose" is link text: not body
    assert not prefer_core(prose, wide)  # without the DOM the teasers read as prose
    assert not prefer_core(prose[:30], wide, root)  # too little of the prose kept
