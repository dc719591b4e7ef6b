"""Site search as a discovery fallback (issue 3): a report filed where no channel leads is found through the
portal's own search engine (TRS was5 found on the page, or a registry `options.search_url`)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from storage.database import Database
from tests.crawl_helpers import register_site, run_crawl
from tests.portals.server import SITES_DIR, PortalServer, Request, Response

HIDDEN = "/zwgk/qtgk/202403/t20240301_777001.html"


def expected(site: str) -> dict[str, Any]:
    return json.loads((SITES_DIR / site / "expected.json").read_text(encoding="utf-8"))


def hide_report(server: PortalServer, template: str, old_year: int, new_year: int) -> str:
    """A report page no channel links to (its title is returned)."""
    text = (server.page_bytes(template) or b"").decode("utf-8")
    text = re.sub(rf"{old_year}(年|年度)", lambda m: f"{new_year}{m.group(1)}", text)
    server.set_page(HIDDEN, text)
    return re.search(r"<title>([^_<]+)", text).group(1)  # type: ignore[union-attr]


def search_route(title: str, words: list[str]) -> Any:
    def answer(request: Request) -> Response:
        words.extend(
            v for values in parse_qs(urlsplit("?" + request.query_string).query).values() for v in values
        )
        html = (
            f"<html><head><meta charset='utf-8'><title>检索结果</title></head><body><ul>"
            f"<li><a href='{HIDDEN}'><font color='red'>法治政府建设</font>{title}</a><span>2020-03-01</span></li>"
            "</ul></body></html>"
        )
        return Response(
            200, html.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"}, conditional=False
        )

    return answer


def found_hidden(db_url: str) -> bool:
    from storage.reports import list_reports

    db = Database(db_url)
    with db.transaction() as s:
        hit = any(r["url"].endswith(HIDDEN) for r in list_reports(s))
    db.dispose()
    return hit


def test_trs_was5_search_found_on_the_home_page(sqlite_url: str) -> None:
    exp = expected("trs")
    words: list[str] = []
    with PortalServer("trs") as server:
        title = hide_report(server, exp["reports"][3]["url"], 2021, 2019)
        server.replace_text(
            "/index.html",
            "</body>",
            '<form action="/was5/web/search?channelid=229105" method="get"><input name="searchword">'
            "</form></body>",
        )
        server.add_route("/was5/web/search", search_route(title, words))
        register_site(sqlite_url, "trs", exp["site_name"], server.url(exp["home"]))
        summary = run_crawl(sqlite_url, "trs")
    assert "法治政府建设 报告" in words and "229105" in words
    assert summary["new_reports"] == len(exp["reports"]) + 1
    assert found_hidden(sqlite_url)


def test_registry_search_url(sqlite_url: str) -> None:
    exp = expected("nextpage")
    words: list[str] = []
    with PortalServer("nextpage") as server:
        title = hide_report(server, exp["reports"][1]["url"], 2023, 2019)
        server.add_route("/s/search.html", search_route(title, words))
        register_site(
            sqlite_url,
            "nextpage",
            exp["site_name"],
            server.url(exp["home"]),
            search_url="/s/search.html?kw={q}",
        )
        summary = run_crawl(sqlite_url, "nextpage")
    assert words == ["法治政府建设 报告"]
    assert summary["new_reports"] == len(exp["reports"]) + 1
    assert found_hidden(sqlite_url)
