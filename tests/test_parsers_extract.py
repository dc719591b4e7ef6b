"""Body extraction (parsers.extract, parsers.density, parsers.chrome): pages built from the layouts
and the chrome that domain.md §3 describes, and the one-parse-per-page plumbing."""

from __future__ import annotations

import lxml.etree
import lxml.html
import pytest
import trafilatura

from parsers import parse_page
from parsers.chrome import is_chrome_line, strip_chrome
from parsers.density import article_blocks
from parsers.extract import extract_body, find_container
from parsers.htmltext import element_text

URL = "http://127.0.0.1:8001/art/2024/3/28/art_1229_123.html"
PROSE = [
    "2023年，全县共办理行政复议案件105件，办结106件，直接纠错29件，纠错率27%，行政复议化解行政争议的主渠道作用进一步发挥。",
    "全年新收行政诉讼案件24件，审结26件，败诉1件，败诉率3.8%，行政机关负责人出庭应诉率保持100%。",
    "组织行政执法人员培训6期，参训650人次，新增行政执法证件102本，执法队伍素质不断提升，执法行为更加规范。",
    "调解各类矛盾纠纷3117件，调解成功3110件，调解成功率99.78%，涉及金额2.78亿元，有效维护了社会和谐稳定。",
    (
        "下一步，我们将继续深入学习贯彻习近平法治思想，坚持依法行政，持续推进严格规范公正文明执法，"
        "不断提升行政复议和行政应诉工作质量，为建设更高水平的法治泰顺提供有力保障。"
    ),
]
SIDE_LINKS = "".join(
    f'<li><a href="/art/{i}.html">泰顺县召开第{i}次法治建设工作推进会议</a></li>' for i in range(25)
)


def _page(body: str, title: str = "泰顺县2023年法治政府建设年度报告") -> bytes:
    return (
        f"<html><head><meta charset='utf-8'><title>{title}_泰顺县人民政府</title></head><body>{body}</body></html>"
    ).encode()


def _text(html: bytes) -> str:
    return parse_page(URL, html).text


def _paras(tag: str = "p") -> str:
    return "".join(f"<{tag}>{p}</{tag}>" for p in PROSE)


# ---------------------------------------------------------------- densest block


def test_word_pasted_paragraphs_are_found_through_inline_wrappers() -> None:
    """MS Word pastes wrap every paragraph in <font><span>: the div holding them is the body."""
    word = "".join(
        f'<p class="MsoNormal"><font color="#000000"><span style="FONT-FAMILY: 宋体">{p}</span></font></p>'
        for p in PROSE
    )
    html = _page(f'<div class="nav"><ul>{SIDE_LINKS}</ul></div><div class="wrap"><div>{word}</div></div>')
    text = _text(html)
    assert all(p in text for p in PROSE)
    assert "推进会议" not in text


def test_lead_paragraph_beside_the_body_div_is_kept() -> None:
    lead = "各位好，2023年泰顺县法治政府建设取得新进展，现将有关情况报告如下，请予审议。"
    html = _page(
        f"<article><h1>泰顺县2023年法治政府建设年度报告</h1><p class='lead'>{lead}</p>"
        f"<div class='body'>{_paras()}</div><div class='tags'><a href='/t/1'>法治</a></div></article>"
        f"<aside><ul>{SIDE_LINKS}</ul></aside>"
    )
    text = _text(html)
    assert text.split("\n")[0] == lead
    assert all(p in text for p in PROSE)


def test_side_bar_in_the_article_table_is_left_out() -> None:
    """2005-era portals: the article cell and a teaser link list share one layout table."""
    teasers = "".join(
        f'·<a href="/n/{i}.html">[幻灯]某地举办第{i}届法治文化节，精彩纷呈。</a><br>' for i in range(8)
    )
    html = _page(
        f"<table><tr><td width='580'>{'<br>'.join(PROSE)}<table><tr><td>相关报道：<br>{teasers}</td></tr></table>"
        f"</td><td width='200'><ul>{SIDE_LINKS}</ul></td></tr></table>"
    )
    text = _text(html)
    assert all(p in text for p in PROSE)
    assert "法治文化节" not in text and "推进会议" not in text


def test_article_blocks_pick_the_prose_not_the_link_list() -> None:
    root = lxml.html.document_fromstring(
        _page(f"<div id='a'><ul>{SIDE_LINKS}</ul></div><div id='b'>{_paras()}</div>")
    )
    assert [b.get("id") for b in article_blocks(root)] == ["b"]


# ---------------------------------------------------------------- known containers


def test_container_rules_innermost_content_and_class_tokens() -> None:
    nested = _page(f"<div id='content'><div class='x'>导航</div><div id='content'>{_paras()}</div></div>")
    root = lxml.html.document_fromstring(nested)
    found = find_container(root)
    assert found is not None and found.getparent().get("id") == "content"  # the inner one
    trs = lxml.html.document_fromstring(_page(f"<div class='view TRS_Editor'>{_paras()}</div>"))
    assert "TRS_Editor" in find_container(trs).get("class")
    # A class that merely contains the name is not the TRS token.
    other = lxml.html.document_fromstring(_page(f"<div class='TRS_EditorX'>{_paras()}</div>"))
    assert find_container(other) is None


def test_link_heavy_container_is_not_a_body() -> None:
    root = lxml.html.document_fromstring(
        _page(f"<div id='zoom'><ul>{SIDE_LINKS}</ul><p>{PROSE[0]}</p></div>")
    )
    assert find_container(root) is None


# ---------------------------------------------------------------- hidden elements


@pytest.mark.parametrize(
    ("attrs", "shown"),
    [
        ("class='o-self-promo--hidden'", False),
        ("class='hidden'", False),
        ("class='d-none'", False),
        ("style='display: none'", False),
        ("hidden", False),
        ("class='overflow-hidden'", True),  # clips, does not hide
    ],
)
def test_hidden_elements_are_not_text(attrs: str, shown: bool) -> None:
    root = lxml.html.fromstring(f"<div><p>{PROSE[0]}</p><div {attrs}>下载客户端查看更多内容</div></div>")
    assert ("下载客户端" in element_text(root)) is shown


# ---------------------------------------------------------------- chrome catalog (domain.md §3)

HEAD_CHROME = [
    "您当前所在的位置：首页 » 政务公开 » 法治政府建设",
    "当前位置：首页 > 通知公告",
    "【字体：大 中 小】",
    "字号：[ 大 中 小 ]",
    "字体:[ ]",
    "【 打印】 【 关闭",
    "分享到：",
    "累计次数：128",
    "浏览次数：56",
    "浏览量：1",
    "来源：泰顺县司法局 发布时间：2024-03-28 14:58",
]
TAIL_CHROME = [
    "【打印本页】 【关闭窗口】",
    "打印 关闭",
    "扫一扫在手机打开当前页",
    "扫一扫在手机打开当前页面",
    "上一篇：泰顺县召开法治建设推进会",
    "下一篇：泰顺县2022年法治政府建设年度报告",
    "回到顶部",
    "相关附件",
    "相关链接",
    "相关稿件",
    "相关解读",
    "网站地图 | 联系我们",
    "版权所有：泰顺县人民政府 浙ICP备05012345号 浙公网安备33032902000123号 网站标识码3303290001",
    "主办单位：泰顺县人民政府办公室 技术支持：某某科技",
    "责任编辑：张三",
    "第1页/共1页",
    "<< 上一页 | 下一页 >>",
    "首页 上一页 1 2 3 下一页 尾页",
    "【1】【2】【3】【4】",
    "点击进入“法治宣传专栏”>>",
    "点击看大图",
]


@pytest.mark.parametrize("line", HEAD_CHROME + TAIL_CHROME)
def test_chrome_line_is_removed(line: str) -> None:
    assert strip_chrome(f"{PROSE[0]}\n{line}\n{PROSE[1]}") == f"{PROSE[0]}\n{PROSE[1]}"


@pytest.mark.parametrize(
    "line",
    [
        "1 2 3",  # a table row of numbers
        "2023",
        "第一页的内容请见附件，全年收到行政复议申请105件。",
        "点击下载附件",  # a pointer to the attachment (body_in_attachment reads it)
        "首页改版后，全县政务公开栏目访问量同比增长35%，群众满意度明显提升。",
    ],
)
def test_body_lines_are_not_chrome(line: str) -> None:
    assert not is_chrome_line(line)


@pytest.mark.parametrize("inside_container", [True, False])
def test_chrome_around_and_inside_the_body_is_stripped(inside_container: bool) -> None:
    head = "".join(f"<div>{x}</div>" for x in HEAD_CHROME)
    tail = "".join(f"<div>{x}</div>" for x in TAIL_CHROME)
    wrapper = "<div id='zoom'>{}</div>" if inside_container else "<div class='article'>{}</div>"
    html = _page(f"<div class='nav'><ul>{SIDE_LINKS}</ul></div>" + wrapper.format(head + _paras() + tail))
    text = _text(html)
    assert text.split("\n") == PROSE


# ---------------------------------------------------------------- one parse, trafilatura only when needed


class _Parses:
    """Counts HTML tree builds through lxml's entry points (outermost calls only)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        self._depth = 0
        for module, name in (
            (lxml.html, "document_fromstring"),
            (lxml.html, "fromstring"),
            (lxml.etree, "fromstring"),
            (lxml.etree, "HTML"),
        ):
            monkeypatch.setattr(module, name, self._wrap(getattr(module, name)))

    def _wrap(self, original):  # type: ignore[no-untyped-def]
        def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.count += self._depth == 0
            self._depth += 1
            try:
                return original(*args, **kwargs)
            finally:
                self._depth -= 1

        return counted


@pytest.mark.parametrize(
    "body",
    [
        f"<div id='zoom'>{_paras()}</div>",
        f"<div class='nav'><ul>{SIDE_LINKS}</ul></div><div>{_paras()}</div>",
    ],
    ids=["container", "densest-block"],
)
def test_page_is_parsed_once_without_trafilatura(monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    def no_trafilatura(*args: object, **kwargs: object) -> str:
        raise AssertionError("trafilatura called although our rules found the body")

    monkeypatch.setattr(trafilatura, "extract", no_trafilatura)
    parses = _Parses(monkeypatch)
    page = parse_page(
        "http://127.0.0.1:8001/news/detail.html", _page(body)
    )  # no date in the URL: htmldate runs
    assert page.text.split("\n") == PROSE
    assert parses.count == 1


def test_short_page_still_asks_trafilatura(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = trafilatura.extract

    def spy(content: object, *args: object, **kwargs: object) -> str | None:
        calls.append(content)
        return real(content, *args, **kwargs)

    monkeypatch.setattr(trafilatura, "extract", spy)
    root = lxml.html.document_fromstring(
        _page(f"<div class='nav'><ul>{SIDE_LINKS}</ul></div><p>{PROSE[0]}</p>")
    )
    text = extract_body(root, URL, "泰顺县2023年法治政府建设年度报告")
    assert PROSE[0] in text
    assert len(calls) == 1 and calls[0] is root  # our tree, not a string to parse again


def test_binary_file_served_as_html_gives_no_text() -> None:
    """A zip behind a .html name (domain.md §3 traps): its bytes decode to CJK-looking noise."""
    import io
    import random
    import zipfile

    noise = random.Random(7).randbytes(30000)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("data.bin", noise)
    assert parse_page("http://127.0.0.1:8001/download/data.html", buf.getvalue()).text == ""
