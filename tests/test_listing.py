"""Unit tests for parsers.listing: links, pagination idioms, list APIs, canonical URLs, blocks."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from parsers.listing import (
    PRIORITY_DETAIL,
    PRIORITY_FZZF_CHANNEL,
    PRIORITY_NEWS_CHANNEL,
    PRIORITY_REPORT,
    PRIORITY_REPORT_CHANNEL,
    Link,
    canonical_url,
    detect_block,
    link_priority,
    read_gkmlpt,
    read_jpage_records,
    read_listing,
)


def _html(body: str, charset: str = "utf-8") -> bytes:
    return f'<html><head><meta charset="{charset}"></head><body>{body}</body></html>'.encode(charset)


# --------------------------------------------------------------------------- links


def test_links_are_absolute_canonical_with_row_dates() -> None:
    body = _html(
        """
        <ul class="list">
          <li><a href="./202403/t20240312_123456.html#top" title="泰顺县司法局2023年法治政府建设年度报告">
              泰顺县司法局2023年法治政府建设年度...</a><span>2024-03-12</span></li>
          <li><a href="../tzgg/202401/t20240105_1.html">关于春节放假的通知</a><span>2024年1月5日</span></li>
          <li><a href="javascript:void(0)">打印</a></li>
          <li><a href="mailto:a@b.gov.cn">信箱</a></li>
        </ul>
        <div class="nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a> 2024-01-01</div>
        """
    )
    listing = read_listing("http://WWW.Example.gov.cn/zwgk/fzzfjsndbg/index.html", body)
    by_url = {link.url: link for link in listing.links}
    report = by_url["http://www.example.gov.cn/zwgk/fzzfjsndbg/202403/t20240312_123456.html"]
    assert report.text == "泰顺县司法局2023年法治政府建设年度报告"  # title attr beats truncated text
    assert report.date == "2024-03-12"
    assert by_url["http://www.example.gov.cn/zwgk/tzgg/202401/t20240105_1.html"].date == "2024-01-05"
    assert by_url["http://www.example.gov.cn/"].date is None  # the nav row has several links
    assert not any(u.startswith(("javascript", "mailto")) for u in by_url)
    assert report.source == "http://www.example.gov.cn/zwgk/fzzfjsndbg/index.html"


def test_base_href_and_attachments() -> None:
    body = _html(
        """
        <base href="http://www.example.gov.cn/a/b/">
        <a href="P020240312123456.pdf">附件：报告.pdf</a>
        <iframe src="/pdfjs/web/viewer.html?file=%2Fupload%2Freport.pdf"></iframe>
        <span onclick="window.open('/files/2024.docx')">下载</span>
        <a href="x.html">普通</a>
        """
    )
    listing = read_listing("http://www.example.gov.cn/other/page.html", body)
    assert "http://www.example.gov.cn/a/b/x.html" in [link.url for link in listing.links]
    assert listing.attachments == [
        "http://www.example.gov.cn/a/b/P020240312123456.pdf",
        "http://www.example.gov.cn/upload/report.pdf",
        "http://www.example.gov.cn/files/2024.docx",
    ]


def test_gbk_page_decodes() -> None:
    body = _html('<a href="/a.html">法治政府建设年度报告</a>', charset="gbk")
    listing = read_listing("http://x.gov.cn/", body, {"Content-Type": "text/html; charset=GBK"})
    assert listing.links[0].text == "法治政府建设年度报告"


# --------------------------------------------------------------------------- pagination


def _pages(listing_url: str, body: str) -> list[str]:
    return read_listing(listing_url, _html(body)).pagination


def test_next_and_last_page_links_fill_the_range() -> None:
    pages = _pages(
        "http://x.gov.cn/tzgg/list.html?page=1",
        '<div class="page"><a href="?page=2">下一页</a><a href="list.html?page=6">尾页</a></div>',
    )
    assert pages == [f"http://x.gov.cn/tzgg/list.html?page={n}" for n in range(2, 7)]


def test_page_num_keeps_other_params() -> None:
    pages = _pages(
        "http://x.gov.cn/col/index.html?uid=380055&pageNum=1",
        '<a href="index.html?uid=380055&pageNum=2">下页</a><a href="index.html?uid=380055&pageNum=3">末页</a>',
    )
    assert pages == [
        "http://x.gov.cn/col/index.html?pageNum=2&uid=380055",
        "http://x.gov.cn/col/index.html?pageNum=3&uid=380055",
    ]


def test_numbered_links_count_only_when_page_shaped() -> None:
    pages = _pages(
        "http://x.gov.cn/news/index.html",
        '<a href="index_1.html">2</a><a href="/202403/t20240312_1.html">2024</a><a href="/x.html">3</a>',
    )
    assert pages == ["http://x.gov.cn/news/index_1.html"]


@pytest.mark.parametrize(
    ("script", "ext"),
    [
        ('createPageHTML(4, 0, "index", "html");', "html"),
        ('createPageHTML(57, 4, 0, "index", "html");', "html"),
        ("createPage(4, 0, 'index', 'shtml');", "shtml"),
        ("var countPage = 4//共多少页\nvar currentPage = 0;", "html"),
        (
            'var countPage = 4;var currentPage = 0;createPageHTML(countPage, currentPage, "index", "html");',
            "html",
        ),
    ],
)
def test_trs_script_pagination(script: str, ext: str) -> None:
    current = f"http://x.gov.cn/zwgk/fzzfjsndbg/index.{ext}"
    body = f"<script>function createPageHTML(_n, _c, _s, _e) {{}}\n{script}</script>"
    assert _pages(current, body) == [f"http://x.gov.cn/zwgk/fzzfjsndbg/index_{n}.{ext}" for n in (1, 2, 3)]


def test_trs_script_from_a_later_page_links_back_to_index() -> None:
    pages = _pages(
        "http://x.gov.cn/c/index_2.html", '<script>createPageHTML(4, 2, "index", "html");</script>'
    )
    assert pages == [
        "http://x.gov.cn/c/index.html",
        "http://x.gov.cn/c/index_1.html",
        "http://x.gov.cn/c/index_3.html",
    ]


def test_dedecms_pageno() -> None:
    body = (
        '<ul class="pagelist"><li><a href="list.php?tid=5&TotalResult=57&PageNo=2">下一页</a></li>'
        '<li><a href="list.php?tid=5&TotalResult=57&PageNo=3">末页</a></li></ul>'
    )
    pages = _pages("http://x.gov.cn/plus/list.php?tid=5", body)
    # PageNo=1 is this very page under another URL: not asked again (issue 9).
    assert pages == [f"http://x.gov.cn/plus/list.php?PageNo={n}&TotalResult=57&tid=5" for n in (2, 3)]


def test_off_site_next_link_is_not_pagination() -> None:
    assert (
        _pages("http://x.gov.cn/a.html", '<a href="http://mirror.example.com/a.html?page=2">下一页</a>') == []
    )


def test_huge_last_page_is_capped() -> None:
    pages = _pages("http://x.gov.cn/a.html?page=1", '<a href="a.html?page=999999">尾页</a>')
    assert 1 < len(pages) <= 501


# --------------------------------------------------------------------------- Hanweb jpage

JPAGE_SHELL = """
<div id="3945"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=137&path=/&columnid=3945&unitid=12345&webname=%E5%A4%A7%E8%BF%9E&permissiontype=0"></a>]]></nextgroup>
<recordset>
<record><![CDATA[<li><a href="/art/2025/3/3/art_3945_2412458.html" title="关于2024年法治政府建设情况的报告">关于2024年法治政府建设情况的报告</a><span>2025-03-03</span></li>]]></record>
</recordset></datastore></script></div>
<script>$(document).ready(function(){$('#3945').jpage({dataStore: dataStore, perPage: 15, groupSize: 3,
 totalRecord: 100, proxyUrl: '/module/web/jpage/dataproxy.jsp', col: 1, appid: 1});});</script>
"""


def test_hanweb_column_page_yields_dataproxy_requests_and_inline_records() -> None:
    listing = read_listing("http://sfj.dl.gov.cn/col/col3945/index.html", _html(JPAGE_SHELL))
    assert "http://sfj.dl.gov.cn/art/2025/3/3/art_3945_2412458.html" in [link.url for link in listing.links]
    inline = next(link for link in listing.links if "art_3945" in link.url)
    assert inline.date == "2025-03-03"
    queries = [parse_qs(urlsplit(r.url).query) for r in listing.api_requests]
    assert [(q["startrecord"][0], q["endrecord"][0]) for q in queries] == [
        ("1", "45"),
        ("46", "90"),
        ("91", "100"),
    ]
    assert all(
        q["columnid"] == ["3945"] and q["unitid"] == ["12345"] and q["perpage"] == ["15"] for q in queries
    )
    assert {r.kind for r in listing.api_requests} == {"jpage"}
    assert listing.api_requests[0].url.startswith("http://sfj.dl.gov.cn/module/web/jpage/dataproxy.jsp?")


def test_jpage_records_and_following_groups() -> None:
    records = "".join(
        f'<record><![CDATA[<li><a href="/art/2024/1/{i}/art_3945_{i}.html" title="标题{i}">标题{i}</a>'
        f"<span>2024-01-{i:02d}</span></li>]]></record>"
        for i in range(1, 4)
    )
    body = f'<?xml version="1.0" encoding="utf-8"?><datastore><totalrecord>100</totalrecord><recordset>{records}</recordset></datastore>'
    url = "http://sfj.dl.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15&columnid=3945"
    listing = read_jpage_records(url, body.encode())
    assert [link.text for link in listing.links] == ["标题1", "标题2", "标题3"]
    assert listing.links[2].date == "2024-01-03"
    starts = [parse_qs(urlsplit(r.url).query)["startrecord"][0] for r in listing.api_requests]
    assert starts == ["46", "91"]
    assert parse_qs(urlsplit(listing.api_requests[-1].url).query)["endrecord"] == ["100"]
    last = read_jpage_records(listing.api_requests[-1].url, body.encode())
    assert last.api_requests == []


# --------------------------------------------------------------------------- gkmlpt


def _gkmlpt_answer(ids: range, count: int) -> bytes:
    articles = [
        {
            "id": i,
            "title": f"文件{i}",
            "url": f"http://www.heshan.gov.cn/zwgk/xxgk/hsssfj/bmwj/content/post_{i}.html",
            "date": 1678838400,
            "attachment": [{"name": "a.pdf", "url": f"/attachment/0/{i}.pdf", "mime": "application/pdf"}],
        }
        for i in ids
    ]
    return json.dumps({"classify": {"post_count": count}, "articles": articles + articles[:1]}).encode()


def test_gkmlpt_rows_attachments_and_pages() -> None:
    url = "http://www.heshan.gov.cn/gkmlpt/api/all/2?page=1&sid=755533"
    listing = read_gkmlpt(url, _gkmlpt_answer(range(1, 11), 35))
    assert len(listing.links) == 10  # the repeated row is dropped
    assert listing.links[0].date == "2023-03-15"
    assert listing.attachments[0] == "http://www.heshan.gov.cn/attachment/0/1.pdf"
    assert [r.url for r in listing.api_requests] == [
        f"http://www.heshan.gov.cn/gkmlpt/api/all/2?page={n}&sid=755533" for n in (2, 3, 4)
    ]


def test_gkmlpt_page_zero_counts_as_page_one_and_later_pages_add_nothing() -> None:
    zero = read_gkmlpt("http://h.gov.cn/gkmlpt/api/all/2?page=0&sid=1", _gkmlpt_answer(range(1, 11), 35))
    assert zero.api_requests[0].url.endswith("page=2&sid=1")
    later = read_gkmlpt("http://h.gov.cn/gkmlpt/api/all/2?page=3&sid=1", _gkmlpt_answer(range(21, 31), 35))
    assert later.api_requests == []


def test_gkmlpt_index_page_config() -> None:
    body = _html(
        "<script>window._CONFIG = {SID: '755533', TREE: [{id: 2, name: '部门文件'}, {id: 7, name: '其他'}]};"
        "</script><a href='/gkmlpt/index'>目录</a>"
    )
    listing = read_listing("http://www.heshan.gov.cn/gkmlpt/index", body)
    assert [r.url for r in listing.api_requests] == [
        "http://www.heshan.gov.cn/gkmlpt/api/all/2?page=1&sid=755533",
        "http://www.heshan.gov.cn/gkmlpt/api/all/7?page=1&sid=755533",
    ]


# --------------------------------------------------------------------------- canonical_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://WWW.X.GOV.CN:80/a.html#top", "http://www.x.gov.cn/a.html"),
        ("https://x.gov.cn:443/a;jsessionid=ABC123.node1?b=2&a=1", "https://x.gov.cn/a?a=1&b=2"),
        ("http://x.gov.cn/a?utm_source=wx&spm=1.2&from=timeline&share=1&id=3", "http://x.gov.cn/a?id=3"),
        ("http://x.gov.cn/a?t=1710000000&_t=1&_=1710000000123&q=1", "http://x.gov.cn/a?q=1"),
        ("http://x.gov.cn/a?t=abc", "http://x.gov.cn/a?t=abc"),
        ("http://x.gov.cn:8888", "http://x.gov.cn:8888/"),
        ("http://x.gov.cn/路径/a.html", "http://x.gov.cn/%E8%B7%AF%E5%BE%84/a.html"),
        ("http://x.gov.cn/gkmlpt/api/all/2?sid=7&page=1", "http://x.gov.cn/gkmlpt/api/all/2?page=1&sid=7"),
    ],
)
def test_canonical_url(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected
    assert canonical_url(expected) == expected


# --------------------------------------------------------------------------- link_priority


def _link(url: str, text: str, source: str = "http://www.x.gov.cn/") -> Link:
    return Link(url=url, text=text, source=source)


@pytest.mark.parametrize(
    ("url", "text", "expected"),
    [
        (
            "http://www.x.gov.cn/zwgk/fzzfjsndbg/202403/t20240312_1.html",
            "泰顺县司法局2023年法治政府建设年度报告",
            PRIORITY_REPORT,
        ),
        ("http://www.x.gov.cn/zwgk/fzzfjsndbg/", "法治政府建设年度报告", PRIORITY_REPORT_CHANNEL),
        ("http://www.x.gov.cn/zwgk/abc/", "年度报告", PRIORITY_REPORT_CHANNEL),
        ("http://www.x.gov.cn/zwgk/fzzfjs/", "专题", PRIORITY_FZZF_CHANNEL),
        ("http://www.x.gov.cn/yfxz/index.html", "依法行政", PRIORITY_FZZF_CHANNEL),
        ("http://www.x.gov.cn/xwzx/tzgg/", "通知公告", PRIORITY_NEWS_CHANNEL),
        (
            "http://www.x.gov.cn/art/2025/3/3/art_3945_2412458.html",
            "关于开展春季植树活动的通知",
            PRIORITY_DETAIL,
        ),
        ("http://x.gov.cn/zwgk/bmwj/content/post_2795410.html", "某局工作动态", PRIORITY_DETAIL),
        # VSB 博达 articles (domain.md §3: ``../info/COL/ID.htm``) are articles even under a 新闻中心 path
        (
            "http://www.x.gov.cn/xwzx/info/3329/83354.htm",
            "文成县自然资源和规划局领导带队开展安全检查",
            PRIORITY_DETAIL,
        ),
        ("http://www.x.gov.cn/info/1437/16629.htm", "关于调整文成县最低工资标准的通知", PRIORITY_DETAIL),
    ],
)
def test_link_priority_ranks(url: str, text: str, expected: int) -> None:
    assert link_priority(_link(url, text)) == expected


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("http://www.x.gov.cn/login.jsp", "登录"),
        ("http://www.x.gov.cn/print.jsp?id=1", "打印本页"),
        ("http://www.x.gov.cn/rss.xml", "RSS"),
        ("http://www.x.gov.cn/images/logo.png", "logo"),
        ("http://www.other.com/zwgk/fzzfjsndbg/", "法治政府建设年度报告"),
        ("ftp://www.x.gov.cn/a", "a"),
    ],
)
def test_link_priority_skips(url: str, text: str) -> None:
    assert link_priority(_link(url, text)) is None


def test_link_priority_same_gov_site_across_subdomains_and_near_misses() -> None:
    sub = _link("http://sfj.dl.gov.cn/col/col3945/index.html", "法治政府建设", source="http://www.dl.gov.cn/")
    assert link_priority(sub) == PRIORITY_FZZF_CHANNEL
    near = _link("http://www.x.gov.cn/xxgk/202401/t20240110_9.html", "2023年政府信息公开工作年度报告")
    assert link_priority(near) == PRIORITY_DETAIL
    other_port = _link("http://127.0.0.1:9/a.html", "法治政府建设", source="http://127.0.0.1:8001/")
    assert link_priority(other_port) is None
    assert (
        link_priority(_link("http://127.0.0.1:9/a.html", "法治政府"), site="127.0.0.1:9")
        == PRIORITY_FZZF_CHANNEL
    )


# --------------------------------------------------------------------------- detect_block

RUISHU = b'<html><head><meta http-equiv="Content-Type"><script>$_ts=window["$_ts"];if(!$_ts)$_ts={};$_ts.nsd=1;</script><script src="/abc.js"></script></head></html>'
JSL = b"<script>document.cookie=('_')+('_jsl_clearance_s')+('=')+'1700000000.1|0|abc';location.href=location.pathname+location.search</script>"


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected"),
    [
        (412, {"Content-Type": "text/html"}, RUISHU, "ruishu"),
        (521, {}, JSL, "jiasule"),
        (512, {}, b"<script>document.cookie='x=1';location.reload()</script>", "jiasule"),
        (200, {"Set-Cookie": "__jsl_clearance_s=1; path=/"}, b"<html>ok</html>", "jiasule"),
        (302, {"Location": "/zwgk/index.html", "Set-Cookie": "CT6T=abc; path=/"}, b"", "cookie_shell"),
        (
            200,
            {},
            b'<html><script>document.cookie="C3VK=abc";location.reload();</script></html>',
            "cookie_shell",
        ),
        (
            200,
            {},
            b"<html><script>document.cookie='k=v';window.location.reload();</script></html>",
            "js_shell",
        ),
        (403, {}, b"Forbidden", "forbidden"),
        (404, {}, b"<html><script>document.cookie='k=v'</script>Not found</html>", None),
        (200, {}, b"<html><body>" + "正文".encode() * 400 + b"</body></html>", None),
        (302, {"Location": "/elsewhere.html"}, b"", None),
    ],
)
def test_detect_block(status: int, headers: dict[str, str], body: bytes, expected: str | None) -> None:
    assert detect_block(status, headers, body) == expected


def test_cookie_redirect_to_self_needs_url_to_compare() -> None:
    headers = {"Location": "http://moj.gov.cn/a.html", "Set-Cookie": "anything=1"}
    assert detect_block(302, headers, b"", url="http://moj.gov.cn/a.html") == "cookie_shell"
    assert detect_block(302, headers, b"", url="http://moj.gov.cn/b.html") is None
