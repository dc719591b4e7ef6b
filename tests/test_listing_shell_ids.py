"""JavaScript shells whose list API rows carry only ``id`` and ``title`` (issue 9, domain.md "JavaScript
shells": "rows carry title, url or id, date … so does reading the URL templates in the bundle").

The bundle builds each row's href from its id (``'/xwzx/detail/' + row.id + '.html'`` or
``/x/${item.id}.html``); a reader of the bundle learns that template and the API rows become links, and
the list API is paged on (``total`` and the page size) like one whose rows carry a URL.
"""

from __future__ import annotations

import json

import pytest

from parsers.listing import read_json_list, read_script_apis
from tests.portals.server import PortalServer, Request, Response
from tests.test_discovery_lists import REPORTS, SHELL, crawl, found, no_browser, server, shell_page

__all__ = ["server"]  # the TRS fixture portal (pytest fixture)

PAGE = "http://x.gov.cn/xwzx/fzzf/index.html"
CONCAT_BUNDLE = """(function(){
var app = document.getElementById('app');
function render(rows, p){
  var h = '<ul class="list">';
  rows.forEach(function(row){ h += '<li><a href="' + ('/xwzx/fzzf/detail/' + row.id + '.html') + '">' + row.title
    + '</a><span>' + String(row['pubDate']).slice(0, 10) + '</span></li>'; });
  app.innerHTML = h + '</ul>';
}
function load(p){ axios.get('/api/content/list', {params: {channelId: 31, pageNo: p, pageSize: 20}})
  .then(function(res){ render(res.data.data.list, p); }); }
load(1);
})();"""
TEMPLATE_BUNDLE = """const load=(n)=>fetch(`/api/info/articles?page=${n}&size=20`).then(r=>r.json())
.then(d=>{el.innerHTML=d.data.map(item=>`<li><a href="/zwgk/art/${item.id}.shtml">${item.title}</a></li>`).join('')});"""


def _answer(ids: list[int], total: int) -> str:
    rows = [
        {"id": i, "title": f"某区2024年法治政府建设年度报告{i}", "pubDate": "2025-03-01 10:00:00"}
        for i in ids
    ]
    return json.dumps({"data": {"list": rows}, "total": total, "code": 0}, ensure_ascii=False)


def test_concatenated_detail_template_turns_id_rows_into_links_and_pages_on() -> None:
    apis = read_script_apis("http://x.gov.cn/static/js/app.1a2b.js", CONCAT_BUNDLE, page_url=PAGE)
    assert [a.url for a in apis] == ["http://x.gov.cn/api/content/list?channelId=31&pageNo=1&pageSize=20"]
    api = apis[0]
    assert api.detail == "http://x.gov.cn/xwzx/fzzf/detail/{id}.html"
    first = read_json_list(api.url, _answer(list(range(100, 120)), 45), detail=api.detail)
    assert [link.url for link in first.links][:2] == [
        "http://x.gov.cn/xwzx/fzzf/detail/100.html",
        "http://x.gov.cn/xwzx/fzzf/detail/101.html",
    ]
    assert first.links[0].text == "某区2024年法治政府建设年度报告100" and first.links[0].date == "2025-03-01"
    # The later pages are asked, and they keep the template.
    assert [(a.url, a.detail) for a in first.api_requests] == [
        (f"http://x.gov.cn/api/content/list?channelId=31&pageNo={n}&pageSize=20", api.detail) for n in (2, 3)
    ]
    last = read_json_list(first.api_requests[-1].url, _answer([140, 141], 45), detail=api.detail)
    assert [link.url for link in last.links] == [
        "http://x.gov.cn/xwzx/fzzf/detail/140.html",
        "http://x.gov.cn/xwzx/fzzf/detail/141.html",
    ]


def test_template_literal_detail_template() -> None:
    apis = read_script_apis("http://x.gov.cn/static/js/app.js", TEMPLATE_BUNDLE, page_url=PAGE)
    assert [(a.url, a.detail) for a in apis] == [
        ("http://x.gov.cn/api/info/articles?page=1&size=20", "http://x.gov.cn/zwgk/art/{id}.shtml")
    ]
    listing = read_json_list(
        apis[0].url, json.dumps({"data": [{"id": 7, "title": "通知"}], "total": 1}), detail=apis[0].detail
    )
    assert [link.url for link in listing.links] == ["http://x.gov.cn/zwgk/art/7.shtml"]


def test_id_rows_without_a_template_are_not_links() -> None:
    listing = read_json_list("http://x.gov.cn/api/content/list?pageNo=1&pageSize=20", _answer([1, 2], 2))
    assert listing.links == []


def test_a_bundle_building_no_detail_url_gives_no_template() -> None:
    bundle = "fetch('/api/list?pageNo=' + p + '&pageSize=10'); var img = '/static/img/' + row.id + '.png';"
    assert [a.detail for a in read_script_apis("http://x.gov.cn/app.js", bundle)] == [None]


def test_crawl_pages_an_id_only_api_to_the_report_on_its_second_page(
    server: PortalServer, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shell's bundle links rows as '/zwgk/fzzfjsndbg/202203/t20220329_' + row.id + '.html'; the API
    answers 20 rows a page, id and title only, and the report is row 23 (page 2)."""
    no_browser(monkeypatch)
    target = REPORTS[3]  # /zwgk/fzzfjsndbg/202203/t20220329_109815.html
    rows = [{"id": 100 + i, "title": f"通知{i}"} for i in range(25)]
    rows[22] = {"id": 109815, "title": target["title"]}

    def articles(request: Request) -> Response:
        number, size = int(request.query.get("pageNo", 1)), int(request.query.get("pageSize", 20))
        body = {"code": 0, "total": len(rows), "data": {"list": rows[(number - 1) * size : number * size]}}
        return Response(
            200, json.dumps(body, ensure_ascii=False).encode("utf-8"), {"Content-Type": "application/json"}
        )

    server.add_route("/api/content/list", articles)
    server.set_page(
        "/static/js/app.5d1e.js",
        CONCAT_BUNDLE.replace("/xwzx/fzzf/detail/", "/zwgk/fzzfjsndbg/202203/t20220329_"),
        content_type="application/javascript",
    )
    server.set_page(SHELL, shell_page(["/static/js/app.5d1e.js"]))
    crawl(sqlite_url, server, SHELL, max_depth=1)
    assert found(sqlite_url, server) == {target["url"]}
    assert server.count("/api/content/list?channelId=31&pageNo=2&pageSize=20") == 1
