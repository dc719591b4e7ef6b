"""The dashboard served on 127.0.0.1 over a real database filled through the real parsers and ingest."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from parsers import content_hash, parse_page
from storage.database import Database
from storage.ingest import FetchedPage, ingest_page
from storage.sites import get_site, upsert_site
from tests.portals.server import SITES_DIR
from web.app import create_app

EXPECTED = json.loads((SITES_DIR / "trs" / "expected.json").read_text(encoding="utf-8"))


def fill(db: Database) -> str:
    report = EXPECTED["reports"][0]
    url = "http://www.ts.gov.cn" + report["url"]
    body = (SITES_DIR / "trs" / report["url"].lstrip("/")).read_bytes()
    with db.transaction() as s:
        site, _ = upsert_site(s, {"id": "trs", "name": "泰顺县人民政府", "region": "浙江省温州市泰顺县",
                                  "start_urls": ["http://www.ts.gov.cn/"]})
        site.baseline_done = True
    # The revision's text carries markup-looking characters, which the dashboard must escape.
    for text in (None, "<p>补充：新增段落&lt;img src=x onerror=alert(1)&gt;</p>"):
        page = body if text is None else body.replace(b"</p>", text.encode() + b"</p>", 1)
        parsed = parse_page(url, page, {"content-type": "text/html; charset=utf-8"}, site_name="泰顺县人民政府")
        with db.transaction() as s:
            ingest_page(s, get_site(s, "trs"), FetchedPage(url=url, body=page), parsed, content_hash(parsed.text))
    return report["title"]


@pytest.fixture
def served(db: Database) -> Iterator[tuple[str, str]]:
    title = fill(db)
    server = make_server("127.0.0.1", 0, create_app(db))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", title
    server.shutdown()


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.read().decode("utf-8")


def test_dashboard_pages(served: tuple[str, str]) -> None:
    base, title = served
    assert "泰顺县人民政府" in get(base + "/") and "正常" not in get(base + "/")  # never crawled: 未抓取
    listing = get(base + "/reports?year=" + str(EXPECTED["reports"][0]["year"]))
    assert title in listing and "按时" in listing
    assert "没有符合条件的报告" in get(base + "/reports?year=1999")
    detail = get(base + "/reports/1")
    assert title in detail and "版本（2）" in detail and "最近一次修订" in detail
    assert "<img src=x" not in detail and "&lt;img src=x onerror=alert(1)&gt;" in detail  # escaped
    assert "指标趋势" in get(base + "/indicators?key=reconsideration_received")


def test_unknown_report_is_404(served: tuple[str, str]) -> None:
    base, _ = served
    with pytest.raises(urllib.error.HTTPError) as err:
        get(base + "/reports/999")
    assert err.value.code == 404
