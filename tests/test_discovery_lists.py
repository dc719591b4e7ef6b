"""List idioms end to end (issue 9): crawls over real HTTP on 127.0.0.1 of lists the spider must page
through without any registry hint — VSB columns numbered downwards, Hanweb data islands with later record
groups, JavaScript shells whose list comes from a JSON API named in a bundle (read without a browser) or
is built by a script (rendered in Chromium when one is installed), <select> jumps, a page count only in a
script, and a pager that shows only a window of page numbers.

Report pages are the TRS fixture portal's; the lists below are added to it with ``set_page``/``add_route``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from crawler.render import js_render_available
from crawler.series import ListSeries
from parsers.listing import Link, Listing
from storage.database import Database
from storage.models import CrawlRun
from storage.reports import list_reports
from tests.crawl_helpers import register_site, run_crawl
from tests.portals.server import SITES_DIR, PortalServer, Request, Response

REPORTS = json.loads((SITES_DIR / "trs" / "expected.json").read_text(encoding="utf-8"))["reports"]
SITE_NAME = "泰顺县人民政府"


@pytest.fixture
def server() -> Iterator[PortalServer]:
    with PortalServer("trs") as portal:
        yield portal


def page(title: str, body: str) -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<div class='nav'><a href='/index.html'>首页</a> <a href='/hdjl/'>互动交流</a></div>{body}"
        "<div class='foot'>版权所有：泰顺县人民政府 ICP备05012345号</div></body></html>"
    )


def filler(prefix: str, n: int, start: int = 0) -> list[str]:
    """Ordinary rows of a many-department column (never report candidates)."""
    return [
        f"<li><a href='/info/1021/{prefix}{i}.htm'>{prefix}部门工作动态第{i}期</a><span>2024-01-05</span></li>"
        for i in range(start, start + n)
    ]


def report_row(index: int, href: str | None = None) -> str:
    report = REPORTS[index]
    return (
        f"<li><a href='{href or report['url']}'>{report['title']}</a><span>{report['published']}</span></li>"
    )


def crawl(db_url: str, server: PortalServer, start: str, **options: Any) -> dict[str, Any]:
    register_site(db_url, "trs", SITE_NAME, server.url(start), **options)
    summary = run_crawl(db_url, "trs")
    assert summary["status"] == "ok"
    return summary


def found(db_url: str, server: PortalServer) -> set[str]:
    base = server.url("").rstrip("/")
    db = Database(db_url)
    with db.transaction() as s:
        urls = {r["url"].removeprefix(base) for r in list_reports(s)}
    db.dispose()
    return urls


def last_stats(db_url: str) -> dict[str, Any]:
    db = Database(db_url)
    with db.transaction() as s:
        run = s.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
        stats = dict((run.stats or {}).get("stats", {})) if run else {}
    db.dispose()
    return stats


def paths(server: PortalServer, prefix: str) -> list[str]:
    return [r.path for r in server.requests if r.path.startswith(prefix)]


# --------------------------------------------------------------------------- VSB 博达, pages counting down


def vsb_pager(current: int | None, pages: int, short: bool) -> str:
    """VSB pager of column ``ndbg``: page 1 is ``ndbg.htm``, page k > 1 is ``ndbg/{pages - k + 1}.htm``."""

    def href(k: int) -> str:
        prefix = "ndbg/" if current is None else ""
        if k == 1:
            return "ndbg.htm" if current is None else "../ndbg.htm"
        return f"{prefix}{pages - k + 1}.htm"

    k_now = 1 if current is None else pages - current + 1
    if short:
        links = f"<a href='{href(k_now + 1)}'>下页</a>" if k_now < pages else ""
        return f"<div class='pb_sys_common pb_sys_short'>共{pages * 6}条&nbsp;&nbsp;{k_now}/{pages}&nbsp;{links}</div>"
    numbers = "".join(
        f"<span class='p_no'><a href='{href(k)}'>{k}</a></span>" if k != k_now else f"<span>{k}</span>"
        for k in range(1, pages + 1)
    )
    tail = f"<a href='{href(k_now + 1)}'>下页</a><a href='{href(pages)}'>尾页</a>" if k_now < pages else ""
    return f"<div class='pb_sys_common pb_sys_normal'><span class='p_pages'>{numbers}{tail}</span></div>"


def vsb_column(server: PortalServer, short: bool) -> list[str]:
    """A 6-page column; reports on the newest page, on a middle page and on the oldest page (ndbg/1.htm)."""
    pages = 6
    placed = {None: [0], 3: [1], 1: [2, 3]}  # file number (None: ndbg.htm) -> report indexes
    for number in [None, *range(pages - 1, 0, -1)]:
        rows = filler(f"p{number}_", 5) + [report_row(i) for i in placed.get(number, [])]
        path = "/xxgk/ndbg.htm" if number is None else f"/xxgk/ndbg/{number}.htm"
        server.set_page(
            path, page("年度报告", "<ul>" + "".join(rows) + "</ul>" + vsb_pager(number, pages, short))
        )
    return [r["url"] for r in REPORTS]


@pytest.mark.parametrize("short", [False, True], ids=["full-pager", "next-only-pager"])
def test_vsb_column_numbered_downwards_gives_every_report(
    server: PortalServer, sqlite_url: str, short: bool
) -> None:
    reports = vsb_column(server, short)
    crawl(sqlite_url, server, "/xxgk/ndbg.htm", max_depth=1)
    assert found(sqlite_url, server) == set(reports)
    for number in range(1, 6):
        assert server.count(f"/xxgk/ndbg/{number}.htm") == 1
    assert server.count("/xxgk/ndbg/6.htm") == 0 and server.count("/xxgk/ndbg/0.htm") == 0

    first = len(server.requests)
    server.clear_log()
    second = crawl(sqlite_url, server, "/xxgk/ndbg.htm", max_depth=1)
    assert second["new_reports"] == 0
    assert paths(server, "/xxgk/ndbg/") == [], "the pages of an unchanged column are not read again"
    assert len(server.requests) <= max(0.30 * first, 2 + len(reports))


# --------------------------------------------------------------------------- Hanweb data island, 3 record groups

COLUMN = "/col/col77/index.html"


def hanweb_records(total: int, reports: dict[int, int]) -> list[str]:
    """Record n (1-based) is report ``reports[n]`` or an ordinary row."""
    rows = []
    for n in range(1, total + 1):
        if n in reports:
            r = REPORTS[reports[n]]
            rows.append(
                f"<li><a href='{r['url']}' title='{r['title']}'>{r['title']}</a><span>{r['published']}</span></li>"
            )
        else:
            rows.append(
                f"<li><a href='/art/2024/1/5/art_77_{n}.html' title='工作动态{n}'>工作动态{n}</a><span>2024-01-05</span></li>"
            )
    return rows


def hanweb_column(server: PortalServer, post_only: bool = False) -> dict[int, int]:
    reports = {7: 0, 60: 1, 100: 2, 118: 3}  # record number -> report; group 3 holds records 91-120
    records = hanweb_records(120, reports)
    island = "".join(f"<record><![CDATA[{row}]]></record>\n" for row in records[:45])
    server.set_page(
        COLUMN,
        page(
            "法治政府建设",
            f"""<div id="8861"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=14&path=/&columnid=77&unitid=8861&webname=%E6%B3%B0%E9%A1%BA&permissiontype=0"></a>]]></nextgroup>
<recordset>{island}</recordset></datastore></script></div>
<script>$(document).ready(function(){{ $('#8861').jpage({{ dataStore: dataStore, perPage: 15, totalRecord: 120,
 groupSize: 3, proxyUrl: '/module/web/jpage/dataproxy.jsp',
 ajaxParam: {{ col: 1, appid: 1, webid: 14, path: '/', columnid: 77, sourceContentType: 1, unitid: 8861, webname: '泰顺', permissiontype: 0 }} }}); }});</script>""",
        ),
    )

    def dataproxy(request: Request) -> Response:
        if post_only and request.method != "POST":
            return Response(405, b"Method Not Allowed", {"Content-Type": "text/plain"}, conditional=False)
        if request.query.get("columnid") != "77":
            return Response(200, b"<datastore></datastore>", {"Content-Type": "text/xml"})
        start, end = int(request.query["startrecord"]), int(request.query["endrecord"])
        body = "".join(f"<record><![CDATA[{row}]]></record>" for row in records[start - 1 : end])
        xml = (
            f"<?xml version='1.0' encoding='utf-8'?><datastore><nextgroup><![CDATA[]]></nextgroup>"
            f"<recordset>{body}</recordset><totalrecord>{len(records)}</totalrecord></datastore>"
        )
        return Response(200, xml.encode("utf-8"), {"Content-Type": "text/xml; charset=utf-8"})

    server.add_route("/module/web/jpage/dataproxy.jsp", dataproxy)
    return reports


@pytest.mark.parametrize("post_only", [False, True], ids=["get", "post-only"])
def test_hanweb_data_island_and_later_record_groups(
    server: PortalServer, sqlite_url: str, post_only: bool
) -> None:
    hanweb_column(server, post_only)
    crawl(sqlite_url, server, COLUMN, max_depth=1)
    assert found(sqlite_url, server) == {r["url"] for r in REPORTS}, "inline rows and groups 2 and 3"
    answered = [
        r for r in server.requests if r.path.startswith("/module/web/jpage/dataproxy.jsp") and r.status == 200
    ]
    starts = sorted(int(parse_qs(urlsplit(r.path).query)["startrecord"][0]) for r in answered)
    assert starts == [46, 91], "the island is group 1: only the later groups are asked for"
    if post_only:
        assert {r.method for r in answered} == {"POST"}
        assert all(b"columnid=77" in r.body for r in answered), "the column parameters travel in the form"
        return
    first = len(server.requests)
    server.clear_log()
    crawl(sqlite_url, server, COLUMN, max_depth=1)
    again = [r for r in server.requests if r.path.startswith("/module/web/jpage/dataproxy.jsp")]
    assert [r.status for r in again] in ([], [304]), "an unchanged column's later groups are not read again"
    assert len(server.requests) <= max(0.30 * first, 3 + len(REPORTS))


# --------------------------------------------------------------------------- JavaScript shells

SHELL = "/gk/fzzf/index.html"
BUNDLE = "/static/js/app.8c2f41d.js"


def shell_page(scripts: list[str], inline: str = "") -> str:
    tags = "".join(f"<script src='{s}'></script>" for s in scripts)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>法治政府</title></head><body>"
        f"<noscript>请开启JavaScript</noscript><div id='app'></div>{tags}{inline}</body></html>"
    )


def json_api(server: PortalServer, rows: list[dict[str, str]]) -> None:
    """``/api/cms/articles?page=N&size=M`` answers MyBatis-style pages of ``rows``."""

    def articles(request: Request) -> Response:
        number, size = int(request.query.get("page") or 1), int(request.query.get("size") or 10)
        body = {
            "code": 200,
            "data": {
                "records": rows[(number - 1) * size : number * size],
                "total": len(rows),
                "current": number,
                "size": size,
            },
        }
        return Response(
            200,
            json.dumps(body, ensure_ascii=False).encode("utf-8"),
            {"Content-Type": "application/json; charset=utf-8"},
        )

    server.add_route("/api/cms/articles", articles)


def bundle_shell(server: PortalServer) -> str:
    rows = [
        {"title": f"部门动态{i}", "linkUrl": f"/info/2024/{i}.html", "publishTime": "2024-01-05"}
        for i in range(14)
    ]
    target = REPORTS[0]
    rows.insert(12, {"title": target["title"], "linkUrl": target["url"], "publishTime": target["published"]})
    json_api(server, rows)  # the report is row 13: on page 2 of 10-row pages
    server.set_page(
        BUNDLE,
        '(window.webpackJsonp=window.webpackJsonp||[]).push([["app"],{"56d7":function(e,t,n){'
        'var a=n("bc3a"),o=n.n(a);function r(e){return o.a.get("/api/cms/articles",{params:{'
        'channelId:e.id,page:e.page,size:10}})}function c(e){return o.a.get("/api/cms/article/"+e)}'
        "t.a={list:r,detail:c}}}]);",
        content_type="application/javascript",
    )
    server.set_page(SHELL, shell_page(["/static/js/chunk-vendors.77aa01.js", BUNDLE]))
    return target["url"]


def no_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FZWATCH_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable))


def test_js_shell_list_api_read_out_of_its_bundle_without_a_browser(
    server: PortalServer, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_browser(monkeypatch)
    report = bundle_shell(server)
    crawl(sqlite_url, server, SHELL, max_depth=1)
    assert found(sqlite_url, server) == {report}
    assert server.count(BUNDLE) == 1
    assert server.count("/static/js/chunk-vendors") == 0, "library bundles hold no list API"
    assert server.count("/api/cms/articles?") == 2 and server.count("/api/cms/article/") == 0
    assert last_stats(sqlite_url).get("fzwatch/rendered", 0) == 0
    first = len(server.requests)
    server.clear_log()
    crawl(sqlite_url, server, SHELL, max_depth=1)
    assert server.count("/static/") == 0, "an unchanged shell's scripts are not read again"
    assert server.count("/api/cms/articles?page=2") == 0
    assert len(server.requests) <= max(0.30 * first, 3 + 1)


def test_js_shell_posting_json_is_paged_through_its_json_body(
    server: PortalServer, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Vue chunk POSTs ``{"pageNo": n, "pageSize": 12}`` as JSON (axios); the API refuses forms."""
    no_browser(monkeypatch)
    target = REPORTS[3]
    rows = [
        {"title": f"通知{i}", "url": f"/info/2024/{i}.html", "createTime": "2024-01-05"} for i in range(20)
    ]
    rows.insert(15, {"title": target["title"], "url": target["url"], "createTime": target["published"]})

    def content_page(request: Request) -> Response:
        if "json" not in request.headers.get("content-type", ""):
            return Response(415, b'{"code": 415}', {"Content-Type": "application/json"}, conditional=False)
        asked = json.loads(request.body)
        number, size = int(asked["pageNo"]), int(asked["pageSize"])
        body = {"code": 0, "result": {"total": len(rows), "list": rows[(number - 1) * size : number * size]}}
        return Response(
            200, json.dumps(body, ensure_ascii=False).encode("utf-8"), {"Content-Type": "application/json"}
        )

    server.add_route("/gateway/cms/content/page", content_page)
    server.set_page(
        "/static/js/143.8f2e1.js",
        'var a=n(4161);const o="/gateway";function r(e){return a.Z.post('
        'o+"/cms/content/page",{pageNo:e.pageNo,pageSize:12,channelCode:"fzzfjs"})}',
        content_type="application/javascript",
    )
    server.set_page(SHELL, shell_page(["/static/js/143.8f2e1.js"]))
    crawl(sqlite_url, server, SHELL, max_depth=1)
    assert found(sqlite_url, server) == {target["url"]}
    asked = [json.loads(r.body) for r in server.requests if r.path == "/gateway/cms/content/page"]
    assert asked == [
        {"pageNo": 1, "pageSize": 12, "channelCode": "fzzfjs"},
        {"pageNo": 2, "pageSize": 12, "channelCode": "fzzfjs"},
    ]
    server.clear_log()
    crawl(sqlite_url, server, SHELL, max_depth=1)  # remembered API pages are asked the same way again
    assert all(r.status == 200 for r in server.requests if r.path == "/gateway/cms/content/page")


@pytest.mark.skipif(
    not js_render_available(), reason="needs scrapy-playwright and chromium (apt-get install chromium)"
)
def test_js_shell_rendered_in_chromium_without_render_option(server: PortalServer, sqlite_url: str) -> None:
    """The bundle assembles its API URL at run time (no literal to read): only a browser finds the rows.
    The rendered page shows page 1 of the API (a report); the API the browser called is then paged by the
    crawler (a second report on page 2)."""
    first, later = REPORTS[1], REPORTS[2]
    rows = [
        {"title": f"部门动态{i}", "linkUrl": f"/info/2024/{i}.html", "publishTime": "2024-01-05"}
        for i in range(13)
    ]
    rows.insert(0, {"title": first["title"], "linkUrl": first["url"], "publishTime": first["published"]})
    rows.insert(12, {"title": later["title"], "linkUrl": later["url"], "publishTime": later["published"]})
    json_api(server, rows)
    server.set_page(
        "/static/js/app.5e0d.js",
        (
            "var parts = ['api', 'cms', 'articles'];"
            "fetch('/' + parts.join('/') + '?page=1&size=10').then(function (r) { return r.json(); })"
            ".then(function (d) { document.getElementById('app').innerHTML = d.data.records.map(function (x) {"
            " return '<li><a href=\"' + x.linkUrl + '\">' + x.title + '</a></li>'; }).join(''); });"
        ),
        content_type="application/javascript",
    )
    server.set_page(SHELL, shell_page(["/static/js/app.5e0d.js"]))
    crawl(sqlite_url, server, SHELL, max_depth=1)
    assert found(sqlite_url, server) == {first["url"], later["url"]}
    assert server.count("/api/cms/articles?page=2") == 1
    stats = last_stats(sqlite_url)
    assert stats.get("fzwatch/rendered", 0) >= 1 and stats.get("playwright/browser_count") == 1


# --------------------------------------------------------------------------- other pagination shapes


def list_pages(server: PortalServer, folder: str, pages: int, report_on: int, chrome: str = "") -> None:
    """``folder/index.html``, ``index_1.html`` … (TRS numbering); the report is on page ``report_on``."""
    for k in range(pages):
        rows = filler(f"{folder.strip('/').replace('/', '')}{k}_", 5)
        if k == report_on:
            rows.append(report_row(2))
        name = "index.html" if k == 0 else f"index_{k}.html"
        server.set_page(
            f"{folder}{name}", page("通知公告", "<ul>" + "".join(rows) + "</ul>" + (chrome if k == 0 else ""))
        )


def test_select_jump_pagination(server: PortalServer, sqlite_url: str) -> None:
    options = "".join(
        f"<option value='{'index' if k == 0 else f'index_{k}'}.html'>第{k + 1}页</option>" for k in range(4)
    )
    list_pages(
        server,
        "/tzgg/",
        4,
        report_on=3,
        chrome=f"<select onchange='window.location.href=this.value'>{options}</select>",
    )
    crawl(sqlite_url, server, "/tzgg/index.html", max_depth=1)
    assert found(sqlite_url, server) == {REPORTS[2]["url"]}
    # Chromium may be installed (its download handler then is too): no page here needed it, none started.
    assert "playwright/browser_count" not in last_stats(sqlite_url)


def test_page_count_only_in_a_script(server: PortalServer, sqlite_url: str) -> None:
    script = (
        "<div id='page_div'></div><script>var countPage = 4//共多少页\nvar currentPage = 0;\n"
        "createPageHTML('page_div', countPage, currentPage, 'index', 'html', 23);</script>"
    )
    list_pages(server, "/bmwj/", 4, report_on=3, chrome=script)
    crawl(sqlite_url, server, "/bmwj/index.html", max_depth=1)
    assert found(sqlite_url, server) == {REPORTS[2]["url"]}
    assert server.count("/bmwj/index_4.html") == 0


def test_pages_past_the_pager_window_while_they_add_rows(server: PortalServer, sqlite_url: str) -> None:
    """Every page's pager shows only 1 2 3; the report is on page 5; page 6 repeats page 5's rows."""
    pager = "<div class='page'><a href='list.jsp?page=1'>1</a> <a href='list.jsp?page=2'>2</a> <a href='list.jsp?page=3'>3</a></div>"

    def lists(request: Request) -> Response:
        number = min(int(request.query.get("page") or 1), 5)
        rows = filler(f"q{number}_", 5) + ([report_row(3)] if number == 5 else [])
        return Response(
            200,
            page("公示公告", "<ul>" + "".join(rows) + "</ul>" + pager).encode("utf-8"),
            {"Content-Type": "text/html; charset=utf-8"},
        )

    server.add_route("/gsgg/list.jsp", lists)
    crawl(sqlite_url, server, "/gsgg/list.jsp", max_depth=1)
    assert found(sqlite_url, server) == {REPORTS[3]["url"]}
    assert server.count("/gsgg/list.jsp?page=6") == 1, "page 6 is tried: page 5 added rows"
    assert server.count("/gsgg/list.jsp?page=7") == 0, "page 6 added nothing: the series ends"


def test_list_series_bookkeeping() -> None:
    """Unit: a page adds rows or ends its series; a list that named its end is not paged past it."""

    def listing(url: str, rows: list[str], pagination: list[str], known_end: bool = False) -> Listing:
        return Listing(
            url=url,
            links=[Link(url=u, text=u) for u in rows + pagination],
            pagination=pagination,
            last_page_known=known_end,
        )

    series = ListSeries()
    root = "http://x.gov.cn/l"
    assert series.read(listing(root, ["http://x.gov.cn/a1", "http://x.gov.cn/a2"], [root + "?page=2"]), root)
    page2 = listing(root + "?page=2", ["http://x.gov.cn/a3"], [root + "?page=3"])
    assert series.read(page2, root) and series.page_after(page2, root, 1) is None  # page 3 is linked
    page3 = listing(root + "?page=3", ["http://x.gov.cn/a4"], [root + "?page=2"])
    assert series.read(page3, root) and series.page_after(page3, root, 1) == root + "?page=4"
    assert not series.read(listing(root + "?page=4", ["http://x.gov.cn/a4"], []), root)
    ended = ListSeries()
    ended.read(listing(root, ["http://x.gov.cn/a1"], [root + "?page=2"], known_end=True), root)
    assert ended.page_after(listing(root + "?page=2", ["http://x.gov.cn/a9"], []), root, 1) is None
