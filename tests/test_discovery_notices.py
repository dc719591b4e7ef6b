"""Reports filed only under 通知公告 among dozens of notices (domain.md, "Reports only under 通知公告 /
公示公告"), end to end over real HTTP on 127.0.0.1: the notices are articles named by an id inside the
column's folder (/tzgg/202501/52435.shtml), so their paths carry the channel's token. They must be read
as articles (fetched only when their title names a report), not followed as 通知公告 channels: followed as
channels, the column's notices filled the crawl's per-URL-shape quota and the report on a later page of
the column (same URL shape) was cut before it was asked for.

Report pages are the TRS fixture portal's; the column is added to it with ``set_page``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from parsers.listing import (
    PRIORITY_DETAIL,
    PRIORITY_NEWS_CHANNEL,
    PRIORITY_REPORT,
    Link,
    jpage_refused,
    link_priority,
    read_listing,
)
from storage.database import Database
from storage.reports import list_reports
from tests.crawl_helpers import register_site, run_crawl
from tests.portals.server import SITES_DIR, PortalServer

REPORT = json.loads((SITES_DIR / "trs" / "expected.json").read_text(encoding="utf-8"))["reports"][0]
PAGES, ROWS = 4, 20  # 80 notices: more than the crawl's 60 pages per URL shape


@pytest.fixture
def server() -> Iterator[PortalServer]:
    with PortalServer("trs") as portal:
        yield portal


def page(title: str, body: str) -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<div class='nav'><a href='/nf/index.html'>首页</a> <a href='/nf/tzgg/index.html'>通知公告</a></div>"
        f"{body}<div class='foot'>版权所有：泰顺县人民政府 ICP备05012345号</div></body></html>"
    )


NOTICE_TITLES = (
    "关于{y}年春节期间值班安排的通知",
    "关于开展{y}年度“双随机、一公开”抽查的通知",
    "泰顺县召开{y}年安全生产工作会议",
    "关于{y}年公开招聘编外工作人员的公告",
)
REPORT_PATH = "/nf/tzgg/202403/59999.shtml"


def notice_column(server: PortalServer) -> list[str]:
    """A 通知公告 column of 4 TRS-numbered pages; the report is the last row of the last page."""
    notices = []
    for k in range(PAGES):
        rows = []
        for i in range(ROWS):
            n = k * ROWS + i
            path = f"/nf/tzgg/2024{1 + n % 12:02d}/{50000 + n}.shtml"
            notices.append(path)
            title = NOTICE_TITLES[n % len(NOTICE_TITLES)].format(y=2018 + n % 7)
            rows.append(f"<li><a href='{path}'>{title}</a><span>2024-01-{1 + i:02d}</span></li>")
        if k == PAGES - 1:
            rows.append(
                f"<li><a href='{REPORT_PATH}'>{REPORT['title']}</a><span>{REPORT['published']}</span></li>"
            )
        pager = "".join(
            f"<a href='{'index' if j == 0 else f'index_{j}'}.html'>{j + 1}</a> " for j in range(PAGES)
        )
        name = "index.html" if k == 0 else f"index_{k}.html"
        server.set_page(
            f"/nf/tzgg/{name}",
            page("通知公告", "<ul>" + "".join(rows) + f"</ul><div class='page'>{pager}</div>"),
        )
    report = (SITES_DIR / "trs" / REPORT["url"].lstrip("/")).read_bytes()
    server.set_page(REPORT_PATH, report)
    server.set_page("/nf/index.html", page("泰顺县人民政府", "<p>欢迎访问泰顺县人民政府门户网站。</p>"))
    return notices


@pytest.mark.parametrize(
    ("url", "text", "expected"),
    [
        ("/tzgg/202501/52435.shtml", "关于2024年春节期间值班安排的通知", PRIORITY_DETAIL),
        ("/xwzx/info/1021/58659.htm", "泰顺县召开2023年安全生产工作会议", PRIORITY_DETAIL),
        ("/xwzx/tzgg/detail/73145.html", "关于开展2023年度“双随机、一公开”抽查的通知", PRIORITY_DETAIL),
        ("/zwgk/fdzdgknr/content.jsp?id=45863", "关于公布第一批行政执法人员名单的公告", PRIORITY_DETAIL),
        (
            "/xwzx/yfxz/20230305/64f956da2138c3661918ba49b68beae2.html",
            "关于调整泰顺县最低工资标准的通知",
            PRIORITY_DETAIL,
        ),
        ("/tzgg/202501/52435.shtml", "泰顺县2024年度法治政府建设情况报告", PRIORITY_REPORT),
        ("/tzgg/index.html", "通知公告", PRIORITY_NEWS_CHANNEL),
        ("/tzgg/2.html", "2", PRIORITY_NEWS_CHANNEL),
    ],
)
def test_notice_articles_are_articles_not_channels(url: str, text: str, expected: int) -> None:
    base = "http://127.0.0.1:8000"
    assert link_priority(Link(url=base + url, text=text, source=base + "/tzgg/index.html")) == expected


def test_report_among_dozens_of_notices_is_found_and_notices_are_not_fetched(
    server: PortalServer, sqlite_url: str
) -> None:
    notices = notice_column(server)
    register_site(sqlite_url, "trs", "泰顺县人民政府", server.url("/nf/index.html"))
    summary = run_crawl(sqlite_url, "trs")
    assert summary["status"] == "ok"
    db = Database(sqlite_url)
    with db.transaction() as s:
        stored = {r["url"].removeprefix(server.base_url) for r in list_reports(s)}
    db.dispose()
    assert stored == {REPORT_PATH}
    assert server.count(f"/nf/tzgg/index_{PAGES - 1}.html") == 1
    assert sum(server.count(path) for path in notices) == 0, (
        "notices whose titles name no report are not opened"
    )


def test_select_jumper_through_a_shifted_page_function() -> None:
    """TRS numbering in a jumper's page function: page 1 is index.html, page n is index_{n-1}.html
    (domain.md, TRS WCM); a GBK list page without a header charset, as old portals serve it."""
    html = (
        "<html><head><title>法治政府建设年度报告</title></head><body><ul>"
        + "".join(
            f"<li><a href='./2024{m:02d}/t2024{m:02d}01_{m}.html'>第{m}条</a><span>2024-{m:02d}-01</span></li>"
            for m in range(1, 11)
        )
        + "</ul><div class='page'>共4页 <script>function goPage(n){n=parseInt(n,10);window.location.href="
        "(n<=1?'index.html':'index_'+(n-1)+'.html');}</script>转到<select onchange=\"goPage(this.value)\">"
        + "".join(f"<option value='{n}'>{n}</option>" for n in range(1, 5))
        + "</select>页</div></body></html>"
    ).encode("gbk")
    listing = read_listing("http://127.0.0.1:8000/zwgk/fzzfjsndbg/index.html", html)
    assert listing.pagination == [f"http://127.0.0.1:8000/zwgk/fzzfjsndbg/index_{k}.html" for k in (1, 2, 3)]


def rows_page(pager: str) -> bytes:
    rows = "".join(
        f"<tr><td><a href='./2024{m:02d}/t2024{m:02d}01_{m}.html'>第{m}条公开信息</a></td>"
        f"<td>2024年{m:02d}月01日</td></tr>"
        for m in range(1, 11)
    )
    return f"<html><head><meta charset='utf-8'><title>公开目录</title></head><body><table>{rows}</table>{pager}</body></html>".encode()


def test_pager_built_by_a_script_from_a_settings_object() -> None:
    pager = (
        '<div id=\'pager\'></div><script>var cfg = {"total": 4, "current": 0, "prefix": "index", "ext": "html"};'
        "var pageCount=cfg.total,pageIndex=cfg.current;(function(){var h='';for(var k=0;k<pageCount;k++){"
        "var u=k==0?'index.html':'index_'+k+'.html';h+='<a href=\"'+u+'\">'+(k+1)+'</a> ';}"
        "document.getElementById('pager').innerHTML=h;})();</script>"
    )
    listing = read_listing("http://127.0.0.1:8000/zwgk/gkml/index.html", rows_page(pager))
    assert listing.pagination == [f"http://127.0.0.1:8000/zwgk/gkml/index_{k}.html" for k in (1, 2, 3)]


def test_page_function_that_numbers_only_pages_past_the_first() -> None:
    pager = (
        "<div class='page'><script>function turnPage(n){window.location.href='index.html'+(n>1?'?page='+n:'');}"
        '</script>第1页/共3页 <a href="javascript:turnPage(2)">下一页</a> <a href="javascript:turnPage(3)">末页</a></div>'
    )
    listing = read_listing("http://127.0.0.1:8000/zwgk/qtfdgkxx/index.html", rows_page(pager))
    assert listing.pagination == [f"http://127.0.0.1:8000/zwgk/qtfdgkxx/index.html?page={k}" for k in (2, 3)]


def test_dataproxy_get_answered_by_an_empty_record_set_is_asked_again_by_post() -> None:
    """Hanweb dataproxy "GET or POST" (domain.md): a POST-only column answers a GET with an empty
    <recordset> and no record count; a real group past the end of the column still gives its count."""
    refused = b'<?xml version="1.0" encoding="utf-8"?><datastore><recordset></recordset></datastore>'
    past_end = (
        b'<?xml version="1.0" encoding="utf-8"?><datastore><nextgroup><![CDATA[]]></nextgroup><recordset>'
        b"</recordset><totalrecord>160</totalrecord><totalpage>11</totalpage></datastore>"
    )
    assert jpage_refused(200, refused)
    assert not jpage_refused(200, past_end)
