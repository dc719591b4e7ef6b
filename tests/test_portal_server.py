"""The fixture portal server and the fixture sites, read with parsers.listing only."""

from __future__ import annotations

import heapq
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from parsers.listing import (
    PRIORITY_REPORT,
    Link,
    Listing,
    canonical_url,
    detect_block,
    link_priority,
    read_gkmlpt,
    read_jpage_records,
    read_listing,
)
from tests.portals.server import SITES_DIR, PortalServer

UA = "fzwatch-test/1.0"
MAX_BODY = 2_000_000


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_PLAIN = urllib.request.build_opener(_NoRedirect)
_FOLLOW = urllib.request.build_opener()


@dataclass
class Fetched:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str


def fetch(
    url: str, headers: dict[str, str] | None = None, follow: bool = False, data: bytes | None = None
) -> Fetched:
    request = urllib.request.Request(url, data=data, headers={"User-Agent": UA, **(headers or {})})
    opener = _FOLLOW if follow else _PLAIN
    try:
        with opener.open(request, timeout=10) as response:
            return Fetched(response.status, dict(response.headers), response.read(MAX_BODY + 1), response.url)
    except urllib.error.HTTPError as error:
        return Fetched(error.code, dict(error.headers), error.read(), url)


def expected(site: str) -> dict[str, Any]:
    return json.loads((SITES_DIR / site / "expected.json").read_text("utf-8"))


@pytest.fixture
def portal(request: pytest.FixtureRequest) -> Iterator[PortalServer]:
    with PortalServer(request.param) as server:
        yield server


# --------------------------------------------------------------------------- a tiny crawler


@dataclass(order=True)
class _Task:
    rank: int
    order: int
    url: str = field(compare=False)
    kind: str = field(compare=False, default="html")
    method: str = field(compare=False, default="GET")


@dataclass
class CrawlResult:
    links: dict[str, Link]
    fetched: list[str]
    listings: list[Listing]


def crawl(server: PortalServer, budget: int = 400) -> CrawlResult:
    """Best-first crawl from the home page using only parsers.listing (robots.txt obeyed)."""
    robots = server.robots()
    home = server.url("/index.html")
    queue: list[_Task] = [_Task(-1000, 0, home)]
    queued = {canonical_url(home)}
    result = CrawlResult({}, [], [])
    signatures: set[frozenset[str]] = set()
    counter = 0
    while queue and len(result.fetched) < budget:
        task = heapq.heappop(queue)
        if not robots.can_fetch("*", task.url):
            continue
        listing = _read(task)
        result.fetched.append(task.url)
        if listing is None:
            continue
        result.listings.append(listing)
        for link in listing.links:
            result.links.setdefault(link.url, link)
        pages = set(listing.pagination)
        follow = [
            (link.url, link_priority(link, site=home), "html")
            for link in listing.links
            if link.url not in pages
        ]
        signature = frozenset(link.url for link in listing.links) - pages
        if signature not in signatures:  # a listing that repeats itself stops paging here
            follow += [(page, -task.rank, "html") for page in listing.pagination]
        follow += [(api.url, 80, api.kind) for api in listing.api_requests]
        signatures.add(signature)
        for url, rank, kind in follow:
            if rank is None or url in queued:
                continue
            queued.add(url)
            counter += 1
            heapq.heappush(queue, _Task(-rank, counter, url, kind))
    return result


def _read(task: _Task) -> Listing | None:
    got = fetch(task.url, follow=True)
    if got.status != 200 or len(got.body) > MAX_BODY or detect_block(got.status, got.headers, got.body):
        return None
    if task.kind == "jpage":
        return read_jpage_records(task.url, got.body)
    if task.kind == "gkmlpt":
        return read_gkmlpt(task.url, got.body)
    if task.kind == "json":
        from parsers.listing import read_json_list

        return read_json_list(task.url, got.body)
    content_type = got.headers.get("Content-Type", "")
    if "html" not in content_type:
        return None
    return read_listing(got.url, got.body, got.headers)


def _assert_reports_found(server: PortalServer, site: str, result: CrawlResult) -> None:
    want = expected(site)
    found = result.links
    for report in want["reports"]:
        url = canonical_url(server.url(report["url"]))
        assert url in found, f"{report['title']} ({report['url']}) not reached"
        assert link_priority(found[url], site=server.base_url) == PRIORITY_REPORT, report["title"]
    for miss in want["near_misses"]:
        url = canonical_url(server.url(miss["url"]))
        if url in found:
            assert link_priority(found[url], site=server.base_url) != PRIORITY_REPORT, miss["title"]
    for path in want["robots_forbidden"]:
        assert canonical_url(server.url(path)) not in found
    assert server.disallowed_requests() == []


# --------------------------------------------------------------------------- server basics


@pytest.mark.parametrize("portal", ["trs"], indirect=True)
def test_serves_pages_and_logs_requests(portal: PortalServer) -> None:
    got = fetch(portal.url("/index.html"))
    assert got.status == 200 and "泰顺县人民政府" in got.body.decode("utf-8")
    assert got.headers["Content-Type"] == "text/html; charset=utf-8"
    assert fetch(portal.url("/no/such/page.html")).status == 404
    assert [(r.path, r.method, r.status, r.user_agent) for r in portal.requests] == [
        ("/index.html", "GET", 200, UA),
        ("/no/such/page.html", "GET", 404, UA),
    ]
    assert portal.requests[0].bytes_sent == len(got.body)
    assert portal.bytes_sent() == len(got.body) + portal.requests[1].bytes_sent
    assert portal.count("/index") == 1
    portal.clear_log()
    assert portal.count() == 0


@pytest.mark.parametrize("portal", ["trs"], indirect=True)
def test_conditional_get_answers_304(portal: PortalServer) -> None:
    first = fetch(portal.url("/zwgk/fzzfjsndbg/index.html"))
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert fetch(portal.url("/zwgk/fzzfjsndbg/index.html"), {"If-None-Match": etag}).status == 304
    assert fetch(portal.url("/zwgk/fzzfjsndbg/index.html"), {"If-Modified-Since": modified}).status == 304
    assert fetch(portal.url("/zwgk/fzzfjsndbg/index.html"), {"If-None-Match": '"other"'}).status == 200
    assert portal.requests[1].bytes_sent == 0


@pytest.mark.parametrize("portal", ["trs"], indirect=True)
def test_robots_txt_is_served_and_checked(portal: PortalServer) -> None:
    got = fetch(portal.url("/robots.txt"))
    assert got.status == 200 and b"Disallow: /oa/" in got.body
    fetch(portal.url("/oa/index.html"))
    assert [r.path for r in portal.disallowed_requests()] == ["/oa/index.html"]


# --------------------------------------------------------------------------- hooks


REPORT_000 = "/zwgk/fzzfjsndbg/202403/t20240312_123456.html"


@pytest.mark.parametrize("portal", ["trs"], indirect=True)
def test_revising_a_report_changes_etag_and_text(portal: PortalServer) -> None:
    before = fetch(portal.url(REPORT_000))
    portal.replace_text(REPORT_000, "新收行政复议案件105件", "新收行政复议案件106件")
    after = fetch(portal.url(REPORT_000), {"If-None-Match": before.headers["ETag"]})
    assert after.status == 200
    assert "新收行政复议案件106件" in after.body.decode() and "105件" not in after.body.decode()
    assert after.headers["Last-Modified"] != before.headers["Last-Modified"]
    with pytest.raises(ValueError):
        portal.replace_text(REPORT_000, "不存在的句子", "x")


@pytest.mark.parametrize("portal", ["trs"], indirect=True)
def test_view_counter_changes_only_chrome(portal: PortalServer) -> None:
    before = fetch(portal.url(REPORT_000)).body.decode()
    portal.bump_view_counter(REPORT_000)
    after = fetch(portal.url(REPORT_000)).body.decode()
    assert before != after
    assert before.split('<span class="views">')[0] == after.split('<span class="views">')[0]
    assert before.split("浏览次数")[1][40:] == after.split("浏览次数")[1][40:]


@pytest.mark.parametrize("portal", ["trs"], indirect=True)
def test_new_report_added_to_a_list_and_page_removed(portal: PortalServer) -> None:
    new_path = "/zwgk/fzzfjsndbg/202503/t20250320_140001.html"
    portal.set_page(new_path, "<html><body><h1>泰顺县司法局2024年法治政府建设年度报告</h1></body></html>")
    portal.add_list_item(
        "/zwgk/fzzfjsndbg/index.html",
        f'<li><a href="{new_path}">泰顺县司法局2024年法治政府建设年度报告</a><span>2025-03-20</span></li>',
    )
    listing = read_listing(
        portal.url("/zwgk/fzzfjsndbg/index.html"), fetch(portal.url("/zwgk/fzzfjsndbg/index.html")).body
    )
    new = next(link for link in listing.links if link.url.endswith("t20250320_140001.html"))
    assert (new.date, link_priority(new)) == ("2025-03-20", PRIORITY_REPORT)
    assert fetch(portal.url(new_path)).status == 200
    portal.remove_page(REPORT_000)
    assert fetch(portal.url(REPORT_000)).status == 404
    portal.reset()
    assert fetch(portal.url(REPORT_000)).status == 200
    assert fetch(portal.url(new_path)).status == 404


@pytest.mark.parametrize("portal", ["trs"], indirect=True)
@pytest.mark.parametrize(("kind", "status"), [("ruishu", 412), ("jiasule", 521), ("js_shell", 200)])
def test_challenges_are_served_then_stop(portal: PortalServer, kind: str, status: int) -> None:
    portal.challenge("/zwgk/*", kind, times=1)
    got = fetch(portal.url(REPORT_000))
    assert got.status == status
    assert detect_block(got.status, got.headers, got.body) == kind
    normal = fetch(portal.url(REPORT_000))
    assert normal.status == 200 and detect_block(200, normal.headers, normal.body) is None


@pytest.mark.parametrize("portal", ["trs"], indirect=True)
def test_cookie_shell_passes_with_the_cookie(portal: PortalServer) -> None:
    portal.challenge(REPORT_000, "cookie_shell")
    got = fetch(portal.url(REPORT_000))
    assert got.status == 302 and got.headers["Location"] == REPORT_000
    assert detect_block(got.status, got.headers, got.body, url=portal.url(REPORT_000)) == "cookie_shell"
    cookie = got.headers["Set-Cookie"].split(";")[0]
    assert fetch(portal.url(REPORT_000), {"Cookie": cookie}).status == 200


@pytest.mark.parametrize("portal", ["trs"], indirect=True)
@pytest.mark.parametrize("declare", [True, False])
def test_gbk_bytes_hook(portal: PortalServer, declare: bool) -> None:
    portal.serve_encoding(REPORT_000, "gbk", declare=declare)
    got = fetch(portal.url(REPORT_000))
    with pytest.raises(UnicodeDecodeError):
        got.body.decode("utf-8")
    assert ("charset=gbk" in got.headers["Content-Type"]) is declare
    assert "泰顺县司法局2023年法治政府建设年度报告" in got.body.decode("gbk")
    listing = read_listing(portal.url(REPORT_000), got.body, got.headers)
    assert any(link.text == "政务公开" for link in listing.links)


# --------------------------------------------------------------------------- sites


@pytest.mark.parametrize("portal", ["trs"], indirect=True)
def test_trs_channel_pagination(portal: PortalServer) -> None:
    base = "/zwgk/fzzfjsndbg/"
    listing = read_listing(portal.url(base + "index.html"), fetch(portal.url(base + "index.html")).body)
    assert listing.pagination == [portal.url(f"{base}index_{n}.html") for n in (1, 2, 3)]
    report_pages = set()
    for page in ["index.html", *(f"index_{n}.html" for n in (1, 2, 3))]:
        got = fetch(portal.url(base + page))
        assert got.status == 200
        for link in read_listing(portal.url(base + page), got.body).links:
            if link_priority(link) == PRIORITY_REPORT:
                report_pages.add(page)
    assert "index.html" not in report_pages and len(report_pages) >= 2


@pytest.mark.parametrize("portal", ["nextpage"], indirect=True)
def test_nextpage_list_follows_next_and_last(portal: PortalServer) -> None:
    got = fetch(portal.url("/xwzx/tzgg/"))
    listing = read_listing(portal.url("/xwzx/tzgg/"), got.body)
    assert portal.url("/xwzx/tzgg/?page=2") in listing.pagination
    assert portal.url("/xwzx/tzgg/?page=6") in listing.pagination
    where = {}
    for number in range(1, 7):
        url = portal.url(f"/xwzx/tzgg/?page={number}")
        for link in read_listing(url, fetch(url).body).links:
            if link_priority(link) == PRIORITY_REPORT:
                where[link.text] = number
    assert where == {"2020年度新蒲新区法治政府建设 工作报告": 3, "城东镇2023年度法治政府建设情况报告": 5}


@pytest.mark.parametrize(
    "portal", ["trs", "nextpage", "hanweb", "gkmlpt", "dedecms", "jsonapi"], indirect=True
)
def test_every_report_is_reachable_from_the_home_page(portal: PortalServer) -> None:
    result = crawl(portal)
    _assert_reports_found(portal, portal.name, result)
    assert len(result.fetched) < 400  # the crawl ends by itself: no endless pagination


@pytest.mark.parametrize("portal", ["traps"], indirect=True)
def test_traps_site_report_found_and_traps_contained(portal: PortalServer) -> None:
    result = crawl(portal, budget=150)
    _assert_reports_found(portal, "traps", result)
    assert portal.count("/repeat/") == 2  # page 2 repeats page 1: paging stops
    assert not any("mirror.example.invalid" in url for url in result.fetched)
    assert canonical_url(portal.url("/fzzf/202403/t20240320_5001.html;jsessionid=8F3A2B1C9D")) in result.links
    assert portal.count("/news/index.html") == 1  # session-id variants are one page
    assert portal.count("/private/") == 0


@pytest.mark.parametrize("portal", ["traps"], indirect=True)
def test_traps_endpoints(portal: PortalServer) -> None:
    big = fetch(portal.url("/big.html"))
    assert big.status == 200 and len(big.body) == MAX_BODY + 1  # we stopped reading
    assert portal.requests[-1].bytes_sent == 5 * 1024 * 1024
    loop = fetch(portal.url("/loop/a"))
    assert (loop.status, loop.headers["Location"]) == (302, "/loop/b")
    binary = fetch(portal.url("/download/data.html"))
    assert binary.headers["Content-Type"].startswith("text/html") and b"\x00" in binary.body
    assert read_listing(portal.url("/download/data.html"), binary.body, binary.headers).links == []
    calendar = read_listing(
        portal.url("/events/?month=2024-12"), fetch(portal.url("/events/?month=2024-12")).body
    )
    assert portal.url("/events/?month=2025-01") in [link.url for link in calendar.links]
    assert fetch(portal.url("/missing/1.html")).status == 404


@pytest.mark.parametrize("portal", ["hanweb"], indirect=True)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_hanweb_dataproxy(portal: PortalServer, method: str) -> None:
    shell = read_listing(
        portal.url("/col/col3945/index.html"), fetch(portal.url("/col/col3945/index.html")).body
    )
    assert len([link for link in shell.links if "/art/" in link.url]) == 15  # inline records
    first = shell.api_requests[0]
    url, data = first.url, None
    if method == "POST":  # the Hanweb way: record range in the query, column in the form body
        url, _, form = first.url.partition("&appid")
        data = ("appid" + form).encode()
    got = fetch(url, data=data)
    records = read_jpage_records(first.url, got.body)
    assert len(records.links) == 45
    assert any(link.url.endswith("art_3945_2412458.html") for link in records.links)
    assert [r.url.split("startrecord=")[1].split("&")[0] for r in records.api_requests] == ["46"]
    portal.add_jpage_record(
        "3945", '<li><a href="/art/2025/4/1/art_3945_9.html">新报告</a><span>2025-04-01</span></li>'
    )
    again = read_jpage_records(first.url, fetch(url, data=data).body)
    assert again.links[0].text == "新报告"


@pytest.mark.parametrize("portal", ["gkmlpt"], indirect=True)
def test_gkmlpt_api(portal: PortalServer) -> None:
    index = read_listing(portal.url("/gkmlpt/index"), fetch(portal.url("/gkmlpt/index")).body)
    api = index.api_requests[0].url
    assert api == portal.url("/gkmlpt/api/all/2?page=1&sid=HS755533")
    page0 = fetch(api.replace("page=1", "page=0")).body
    assert page0 == fetch(api).body  # pages 0 and 1 are the same
    first = read_gkmlpt(api, page0)
    assert len(first.links) == 10 and len(first.api_requests) == 2
    every = {
        link.url
        for r in [api, *(x.url for x in first.api_requests)]
        for link in read_gkmlpt(r, fetch(r).body).links
    }
    assert len(every) == 25
    pdf_url = portal.url("/attachment/0/530/530112/3012345.pdf")
    assert pdf_url in read_gkmlpt(api, page0).attachments
    assert fetch(pdf_url).body.startswith(b"%PDF-1.4")
    assert fetch(portal.url("/gkmlpt/api/all/2?page=1&sid=wrong")).body.startswith(
        b'{"classify":{"post_count":0}'
    )


def test_attachments_carry_the_report_text() -> None:
    import docx
    import pypdf

    root = SITES_DIR / "gkmlpt" / "attachment" / "0"
    pdf = pypdf.PdfReader(root / "530" / "530112" / "3012345.pdf")
    assert "鹤山市司法局2023年法治政府建设年度报告" in pdf.pages[0].extract_text()
    document = docx.Document(str(root / "470" / "470881" / "2512345.docx"))
    assert document.paragraphs[0].text == "鹤山市人民政府关于2021年度法治政府建设情况的报告"


@pytest.mark.parametrize("portal", ["dedecms"], indirect=True)
def test_dedecms_gbk_and_pageno(portal: PortalServer) -> None:
    got = fetch(portal.url("/plus/list.php?tid=5"))
    assert "charset" not in got.headers["Content-Type"]
    listing = read_listing(portal.url("/plus/list.php?tid=5"), got.body, got.headers)
    assert listing.pagination[-1].endswith("list.php?PageNo=4&TotalResult=36&tid=5")
    undeclared = fetch(portal.url("/a/fzjs/20230310/987.html"))
    assert b"charset" not in undeclared.body[:600] and "法治".encode("gbk") in undeclared.body
    assert "<font>1</font><span>" in undeclared.body.decode("gbk")


@pytest.mark.parametrize("portal", ["jsonapi"], indirect=True)
def test_json_api_shell(portal: PortalServer) -> None:
    from parsers.listing import read_json_list

    shell = read_listing(portal.url("/xxgk/fzzf/index.html"), fetch(portal.url("/xxgk/fzzf/index.html")).body)
    assert not any("content_" in link.url for link in shell.links)
    api = shell.api_requests[0]
    assert api.kind == "json"
    page1 = read_json_list(api.url, fetch(api.url).body)
    assert len(page1.links) == 10 and page1.links[0].date
    assert len(page1.api_requests) == 3
    portal.add_json_item(
        {"title": "新增", "url": "/xxgk/fzzf/content_9.html", "publishTime": "2025-03-01 10:00:00"}
    )
    assert read_json_list(api.url, fetch(api.url).body).links[0].text == "新增"


@pytest.mark.parametrize("site", ["trs", "nextpage", "hanweb", "gkmlpt", "dedecms", "jsonapi", "traps"])
def test_expected_json_is_complete(site: str) -> None:
    data = expected(site)
    assert data["reports"], site
    for report in data["reports"]:
        assert report["url"].startswith("/") and report["year"] and "法治政府建设" in report["title"]
        assert (SITES_DIR / site / report["url"].lstrip("/")).is_file()


def test_build_is_deterministic(tmp_path: Path) -> None:
    from tests.portals import build

    for name in build.BUILDERS:
        site = build.BUILDERS[name]()
        for relative, data in site.files.items():
            assert (SITES_DIR / name / relative).read_bytes() == data, relative
