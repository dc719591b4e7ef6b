"""List idioms (issue 9) on pages written from domain.md §3: tests/fixtures/listing/<case>/.

Each case holds ``page.html`` (a list page), ``script.js`` (a script a page loads) or ``body.json`` (a list
API answer), its ``url.txt`` (optional ``headers.json``) and ``expected.json``: the further pages, rows and
list-API requests a person reading the page would find.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from parsers.listing import (
    ApiRequest,
    Listing,
    following_page,
    jpage_as_post,
    jpage_refused,
    page_slot,
    paging_step,
    read_json_list,
    read_listing,
    read_script_apis,
    slot_url,
)

FIXTURES = Path(__file__).parent / "fixtures" / "listing"


def _cases(kind: str) -> list[str]:
    return sorted(p.name for p in FIXTURES.iterdir() if (p / kind).exists())


def _load(name: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    case = FIXTURES / name
    headers_file = case / "headers.json"
    headers = json.loads(headers_file.read_text("utf-8")) if headers_file.exists() else {}
    return (
        (case / "url.txt").read_text("utf-8").strip(),
        headers,
        json.loads((case / "expected.json").read_text("utf-8")),
    )


def _params(api: ApiRequest) -> dict[str, str]:
    params = dict(parse_qsl(urlsplit(api.url).query, keep_blank_values=True))
    params.update(api.data or {})
    return params


def _matches(api: ApiRequest, want: dict[str, Any]) -> bool:
    params = _params(api)
    return (
        urlsplit(api.url).path == want["path"]
        and all(params.get(k) == v for k, v in want["params"].items())
        and api.method.upper() == want.get("method", api.method).upper()
    )


def _check_apis(apis: list[ApiRequest], expected: dict[str, Any]) -> None:
    for want in expected.get("api", []):
        assert any(_matches(api, want) for api in apis), (want, [(a.method, a.url, a.data) for a in apis])
    for absent in expected.get("api_absent_params", []):
        assert not [a.url for a in apis if all(_params(a).get(k) == v for k, v in absent.items())]


@pytest.mark.parametrize("name", _cases("page.html"))
def test_list_page(name: str) -> None:
    url, headers, exp = _load(name)
    listing = read_listing(url, (FIXTURES / name / "page.html").read_bytes(), headers)
    urls = {link.url for link in listing.links}
    if "pages" in exp:
        assert sorted(listing.pagination) == sorted(exp["pages"])
    assert set(exp.get("pages_include", [])) <= set(listing.pagination)
    assert [u for u in exp.get("rows", []) if u not in urls] == []
    texts = {link.url: link.text for link in listing.links}
    assert {u: texts.get(u) for u in exp.get("row_texts", {})} == exp.get("row_texts", {})
    assert len(listing.links) >= exp.get("row_count_at_least", 0)
    _check_apis(listing.api_requests, exp)
    if exp.get("no_dataproxy"):
        assert [a.url for a in listing.api_requests if "dataproxy" in a.url] == []
    if "is_shell" in exp:
        assert listing.is_shell is exp["is_shell"]
    assert set(exp.get("scripts", [])) <= set(listing.scripts)
    assert set(exp.get("scripts_absent", [])) & set(listing.scripts) == set()


@pytest.mark.parametrize("name", _cases("script.js"))
def test_script_api_endpoints(name: str) -> None:
    url, _, exp = _load(name)
    apis = read_script_apis(url, (FIXTURES / name / "script.js").read_bytes())
    _check_apis(apis, exp)
    assert len(apis) == len(exp["api"]), "no other endpoint (detail APIs, library calls) is taken for a list"
    for want in exp["api"]:
        assert next(a for a in apis if _matches(a, want)).kind == want.get("kind", "json")


@pytest.mark.parametrize("name", _cases("body.json"))
def test_json_list_rows(name: str) -> None:
    url, _, exp = _load(name)
    listing: Listing = read_json_list(url, (FIXTURES / name / "body.json").read_bytes())
    texts = {link.url: link.text for link in listing.links}
    dates = {link.url: link.date for link in listing.links}
    assert {u: texts.get(u) for u in exp["rows"]} == exp["rows"]
    assert {u: dates.get(u) for u in exp.get("dates", {})} == exp.get("dates", {})
    query = dict(parse_qsl(urlsplit(url).query))
    size = int(next(v for k, v in query.items() if k in ("size", "pageSize", "rows", "limit")))
    assert len(listing.api_requests) == math.ceil(exp["total"] / size) - 1


# --------------------------------------------------------------------------- series: the page after the last known


@pytest.mark.parametrize(
    ("current", "page", "step", "after"),
    [
        (
            "http://x.edu.cn/xxgk/ndbg.htm",
            "http://x.edu.cn/xxgk/ndbg/5.htm",
            -1,
            "http://x.edu.cn/xxgk/ndbg/4.htm",
        ),
        (
            "http://x.gov.cn/tzgg/index.html",
            "http://x.gov.cn/tzgg/index_1.html",
            1,
            "http://x.gov.cn/tzgg/index_2.html",
        ),
        (
            "http://x.gov.cn/news/tzgg",
            "http://x.gov.cn/news/tzgg?page=2",
            1,
            "http://x.gov.cn/news/tzgg?page=3",
        ),
        (
            "http://x.gov.cn/l.jsp?catid=3&pageNo=4",
            "http://x.gov.cn/l.jsp?catid=3&pageNo=3",
            -1,
            "http://x.gov.cn/l.jsp?catid=3&pageNo=2",
        ),
        ("http://x.gov.cn/gsgg/", "http://x.gov.cn/gsgg/2.html", 1, "http://x.gov.cn/gsgg/3.html"),
    ],
)
def test_paging_direction_and_following_page(current: str, page: str, step: int, after: str) -> None:
    assert paging_step(current, page) == step
    assert following_page(page, step) == after


def test_series_stops_at_page_one_and_ignores_articles() -> None:
    assert following_page("http://x.edu.cn/xxgk/ndbg/1.htm", -1) is None  # VSB: 1.htm is the oldest page
    assert page_slot("http://x.gov.cn/zwgk/202403/t20240312_123456.html") is None
    assert page_slot("http://x.gov.cn/art/2024/3/1/art_3945_2412458.html") is None
    slot = page_slot("http://x.gov.cn/tzgg/index_3.html")
    assert (
        slot is not None
        and slot.number == 3
        and slot_url(slot.series, 0) == "http://x.gov.cn/tzgg/index.html"
    )


def test_article_links_with_numeric_names_are_not_pages() -> None:
    body = (
        "<ul><li><a href='/info/1021/3460.htm'>学院关于2024年工作安排的通知</a></li>"
        "<li><a href='/info/1021/3459.htm'>12</a></li></ul>"
    ).encode()
    assert read_listing("http://x.edu.cn/xxgk/ndbg.htm", body).pagination == []


def test_last_page_known_only_when_the_page_says_so() -> None:
    window = "<a href='?page=2'>2</a> <a href='?page=3'>3</a> <a href='?page=2'>下一页</a>"
    assert read_listing("http://x.gov.cn/l", window.encode()).last_page_known is False
    assert read_listing(
        "http://x.gov.cn/l", (window + " <a href='?page=9'>尾页</a>").encode()
    ).last_page_known
    assert read_listing("http://x.gov.cn/l", (window + " 第1页/共9页").encode()).last_page_known


# --------------------------------------------------------------------------- scripts and shells


def test_posted_json_list_pages_through_its_form() -> None:
    body = json.dumps(
        {"data": {"records": [{"title": f"t{i}", "url": f"/d/{i}.html"} for i in range(15)], "total": 40}}
    )
    listing = read_json_list(
        "http://x.gov.cn/portal/article/page", body, form={"current": "1", "size": "15", "catalogId": "fzzf"}
    )
    assert [(a.method, a.url, a.data) for a in listing.api_requests] == [
        (
            "POST",
            "http://x.gov.cn/portal/article/page",
            {"current": str(n), "size": "15", "catalogId": "fzzf"},
        )
        for n in (2, 3)
    ]


def test_relative_api_path_resolves_against_the_page_not_the_script() -> None:
    apis = read_script_apis(
        "http://x.gov.cn/static/js/app.js",
        "fetch('api/list?pageNo=1&pageSize=10')",
        page_url="http://x.gov.cn/zwgk/tzgg/index.html",
    )
    assert [a.url for a in apis] == ["http://x.gov.cn/zwgk/tzgg/api/list?pageNo=1&pageSize=10"]


def test_unreadable_scripts_yield_nothing() -> None:
    for body in (b"", b"\xff\xfe\x00garbage(((", b"fetch(", b"$.ajax({url: ", b"fetch(`${a}${b}`)"):
        assert read_script_apis("http://x.gov.cn/a.js", body) == []


def test_a_list_with_rows_and_a_script_is_not_a_shell() -> None:
    listing = read_listing(
        "http://x.gov.cn/",
        b"<html><body><ul>"
        + "".join(
            f"<li><a href='/a/{i}.html'>\u6cd5\u6cbb\u653f\u5e9c\u5efa\u8bbe\u7b2c{i}\u671f\u52a8\u6001</a></li>"
            for i in range(3)
        ).encode()
        + b"</ul><script src='/app.js'></script></body></html>",
    )
    assert listing.is_shell is False


def test_a_page_count_without_a_position_is_not_stretched_from_a_middle_page() -> None:
    """DedeCMS page 3 of 4 says only 共 4页: the count cannot be placed, so no page 5, 6 … is made up."""
    pager = "".join(f"<li><a href='list.php?tid=5&PageNo={n}'>{n}</a></li>" for n in (1, 2, 4))
    body = (
        f"<ul class='pagelist'>{pager}<li><a href='list.php?tid=5&PageNo=4'>下一页</a></li>"
        "<li><span class='pageinfo'>共 <strong>4</strong>页<strong>36</strong>条</span></li></ul>"
    ).encode()
    pages = read_listing("http://x.gov.cn/plus/list.php?tid=5&PageNo=3", body).pagination
    assert sorted(pages) == [f"http://x.gov.cn/plus/list.php?PageNo={n}&tid=5" for n in (1, 2, 4)]


def test_hanweb_group_asked_by_post_keeps_the_range_in_the_query() -> None:
    get = ApiRequest(
        url="http://x.gov.cn/module/web/jpage/dataproxy.jsp?columnid=77&endrecord=90&perpage=15"
        "&startrecord=46&unitid=8861&webid=14",
        kind="jpage",
    )
    post = jpage_as_post(get)
    assert (post.method, post.url, post.data) == (
        "POST",
        "http://x.gov.cn/module/web/jpage/dataproxy.jsp?endrecord=90&perpage=15&startrecord=46",
        {"columnid": "77", "unitid": "8861", "webid": "14"},
    )
    assert jpage_refused(405, b"Method Not Allowed")
    assert jpage_refused(200, b"<html><body>error</body></html>")
    assert not jpage_refused(
        200, b"<datastore><recordset></recordset><totalrecord>0</totalrecord></datastore>"
    )


def test_a_list_in_a_frame_is_a_link_and_a_pdf_viewer_is_not() -> None:
    body = (
        "<iframe src='/xxgk/fzzf/list.html' title='法治政府建设'></iframe>"
        "<iframe src='/pdfjs/web/viewer.html?file=%2Fa.pdf'></iframe>"
    ).encode()
    listing = read_listing("http://x.gov.cn/xxgk/index.html", body)
    assert [(link.url, link.text) for link in listing.links] == [
        ("http://x.gov.cn/xxgk/fzzf/list.html", "法治政府建设")
    ]
    assert listing.attachments == ["http://x.gov.cn/a.pdf"]


def test_rows_opened_by_scripts_are_links() -> None:
    body = (
        "<ul><li onclick=\"window.open('/xxgk/2024/0301/77.html')\"><span>2023年法治政府建设年度报告</span>"
        "<span>2024-03-01</span></li>"
        "<li><a href=\"javascript:openDetail('../info/1021/3460.htm')\">区司法局关于2023年度法治政府建设情况的报告</a></li>"
        "<li><a href='javascript:void(0)' onclick='print()'>打印</a></li></ul>"
    ).encode()
    listing = read_listing("http://x.gov.cn/xxgk/list.html", body)
    found = {link.url: (link.text, link.date) for link in listing.links}
    assert found == {
        "http://x.gov.cn/xxgk/2024/0301/77.html": ("2023年法治政府建设年度报告", "2024-03-01"),
        "http://x.gov.cn/info/1021/3460.htm": ("区司法局关于2023年度法治政府建设情况的报告", None),
    }


def test_pager_driven_by_a_page_function() -> None:
    """JSP portal: ``javascript:goPage(N)`` anchors and a jumper calling the same function."""
    body = (
        "<script>function goPage(p){ var f = 1;\n location.href = 'list.jsp?catid=9&pageNo=' + p; }</script>"
        "<div class='page'>第1页/共5页 <a href='javascript:goPage(2)'>下一页</a> "
        "<a href=\"javascript:goPage('5');\">尾页</a>"
        "<select onchange='goPage(this.value)'><option value='1'>1</option><option value='3'>3</option></select>"
        "</div>"
    ).encode()
    listing = read_listing("http://x.gov.cn/zwgk/list.jsp?catid=9", body)
    assert sorted(listing.pagination) == [
        f"http://x.gov.cn/zwgk/list.jsp?catid=9&pageNo={n}" for n in range(2, 6)
    ]
    assert listing.last_page_known


@pytest.mark.parametrize(
    ("pager", "pages"),
    [
        ("<a href='?page=1'>1</a><a href='?page=5'>尾页</a>", [2, 3, 4, 5]),  # page=1 is this page again
        (
            "<a href='?page=1'>下一页</a><a href='?page=4'>尾页</a>",
            [1, 2, 3, 4],
        ),  # a 0-based list: page=1 is the next
    ],
)
def test_page_one_of_an_unnumbered_first_page(pager: str, pages: list[int]) -> None:
    listing = read_listing("http://x.gov.cn/tzgg/list", pager.encode())
    assert sorted(listing.pagination) == [f"http://x.gov.cn/tzgg/list?page={n}" for n in pages]


def test_a_folder_url_is_not_a_vsb_page() -> None:
    assert paging_step("http://x.gov.cn/zwgk/fzzf", "http://x.gov.cn/zwgk/fzzf/index_1.html") == 1


def test_an_app_mounted_in_a_static_template_is_a_shell() -> None:
    nav = "".join(f"<a href='/zwgk/c{i}/'>政府信息公开专栏第{i}项</a>" for i in range(8))
    body = (
        f"<html><body><div class='nav'>{nav}</div><div id='app'></div>"
        "<div class='foot'>版权所有：某某市人民政府办公室 主办 技术支持 网站标识码 ICP备05012345号</div>"
        "<script src='/static/js/app.91ab.js'></script></body></html>"
    ).encode()
    listing = read_listing("http://x.gov.cn/zwgk/fzzf/", body)
    assert listing.is_shell and listing.scripts == ["http://x.gov.cn/static/js/app.91ab.js"]
