"""`options.render: js` (issue 3): a list built by JavaScript is read through Debian's Chromium driven by
scrapy-playwright; without a browser the site is still crawled (no JavaScript) and a warning is logged."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from crawler.render import js_render_available, js_render_settings
from tests.crawl_helpers import register_site, run_crawl
from tests.portals.server import SITES_DIR, PortalServer

SHELL = "/js/fzzf/index.html"


def expected(site: str) -> dict[str, Any]:
    return json.loads((SITES_DIR / site / "expected.json").read_text(encoding="utf-8"))


def js_only_list(server: PortalServer) -> dict[str, Any]:
    """A channel page whose only link to a report is written by a script."""
    report = expected("trs")["reports"][0]
    html = (
        "<html><head><meta charset='utf-8'><title>法治政府建设</title></head><body><ul id='list'></ul>"
        "<script>document.getElementById('list').innerHTML = '<li><a href=\"" + report["url"] + "\">' + "
        "'" + report["title"] + "</a></li>';</script></body></html>"
    )
    server.set_page(SHELL, html)
    return report


@pytest.mark.skipif(
    not js_render_available(), reason="needs scrapy-playwright and chromium (apt-get install chromium)"
)
def test_render_js_site_reads_a_script_built_list(sqlite_url: str) -> None:
    with PortalServer("trs") as server:
        report = js_only_list(server)
        register_site(sqlite_url, "trs", "泰顺县人民政府", server.url(SHELL), render="js", max_depth=1)
        summary = run_crawl(sqlite_url, "trs")
        assert server.count(report["url"]) == 1
    assert summary["status"] == "ok" and summary["new_reports"] == 1


def test_without_a_browser_the_site_is_crawled_plainly(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FZWATCH_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable))
    assert js_render_settings() is None
    with PortalServer("trs") as server:
        js_only_list(server)
        register_site(sqlite_url, "trs", "泰顺县人民政府", server.url(SHELL), render="js", max_depth=1)
        summary = run_crawl(sqlite_url, "trs")
    assert summary["status"] == "ok" and summary["new_reports"] == 0


def test_ci_installs_chromium_from_debian_only() -> None:
    script = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "apt-get install" in script and "chromium" in script and "playwright install" not in script
