"""Incremental recrawl (issue 3): an unchanged portal costs a fraction of its first crawl, yet a new report
is found on the first recrawl after it appears and a revision of an old report is seen."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.crawl_helpers import register_site, run_crawl
from tests.portals.server import SITES_DIR, PortalServer


def expected(site: str) -> dict[str, Any]:
    return json.loads((SITES_DIR / site / "expected.json").read_text(encoding="utf-8"))


def copy_report(server: PortalServer, template: str, new_path: str, old_year: int, new_year: int) -> str:
    """A new report page made from an existing one: same layout, another year (so another text)."""
    text = server.page_bytes(template).decode("utf-8")
    text = re.sub(rf"{old_year}(年|年度)", lambda m: f"{new_year}{m.group(1)}", text)
    server.set_page(new_path, text)
    return re.search(r"<title>([^_<]+)", text).group(1)  # type: ignore[union-attr]


def publish(server: PortalServer, site: str) -> str:
    """Publish a new report the way this CMS lists it; returns its path."""
    exp = expected(site)
    if site == "trs":
        path = "/zwgk/fzzfjsndbg/202503/t20250320_140001.html"
        title = copy_report(server, exp["reports"][3]["url"], path, 2021, 2024)
        server.add_list_item(
            "/zwgk/fzzfjsndbg/index.html", f'<li><a href="{path}">{title}</a><span>2025-03-20</span></li>'
        )
    elif site == "hanweb":
        path = "/art/2025/4/1/art_3945_2500001.html"
        title = copy_report(server, exp["reports"][1]["url"], path, 2023, 2022)
        server.add_jpage_record(
            "3945", f'<li><a href="{path}" title="{title}">{title}</a><span>2025-04-01</span></li>'
        )
    else:  # gkmlpt
        path = "/zwgk/xxgk/hsssfj/bmwj/content/post_3100001.html"
        title = copy_report(server, exp["reports"][0]["url"], path, 2022, 2024)
        server.add_gkmlpt_article(
            "2",
            {
                "id": 3100001,
                "title": title,
                "publisher": "鹤山市司法局",
                "date": 1742428800,
                "url": path,
                "attachment": [],
            },
        )
    return path


@pytest.mark.parametrize("site", ["trs", "hanweb", "gkmlpt"])
def test_recrawl_is_cheap_and_still_finds_new_and_revised_reports(site: str, sqlite_url: str) -> None:
    exp = expected(site)
    near_misses = {m["url"] for m in exp["near_misses"]}
    with PortalServer(site) as server:
        register_site(sqlite_url, site, exp["site_name"], server.url(exp["home"]))
        first = run_crawl(sqlite_url, site)
        assert first["new_reports"] == len(exp["reports"])
        first_requests, first_bytes = len(server.requests), server.bytes_sent()
        server.clear_log()

        second = run_crawl(sqlite_url, site)
        assert second["status"] == "ok" and second["new_reports"] == 0
        assert second["not_modified"] == len(exp["reports"]), "every known report re-checked conditionally"
        assert server.bytes_sent() <= 0.10 * first_bytes
        # <= 30% of the first crawl's requests, or the floor of a small portal: robots.txt, the start page,
        # the list that holds the reports and each known report (hanweb: 5 of 16).
        assert len(server.requests) <= max(0.30 * first_requests, 3 + len(exp["reports"]))
        assert not {r.path for r in server.requests} & near_misses, "judged near-misses are not fetched again"

        new_path = publish(server, site)
        oldest = [r["url"] for r in exp["reports"] if not r.get("attachments")][-1]  # body in the page
        server.replace_text(oldest, "</p>", "</p><p>补充说明：全年新增行政复议案件12件。</p>")
        third = run_crawl(sqlite_url, site)
        assert third["new_reports"] == 1, "a new report is found on the first recrawl after it appears"
        assert third["revisions"] == 1, "a revision of an old report is seen"
        assert server.count(new_path) == 1
