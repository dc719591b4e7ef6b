"""Databases for the web tests, filled through the real parsers and ingest (no hand-made rows)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from flask import Flask
from waitress.server import create_server

from monitor.ingest import FetchedPage, ingest_page
from parsers import content_hash, parse_page
from storage.database import Database
from storage.sites import get_site, upsert_site
from tests.portals.server import SITES_DIR

EXPECTED = json.loads((SITES_DIR / "trs" / "expected.json").read_text(encoding="utf-8"))
HOST = "http://www.ts.gov.cn"
XSS = "<img src=x onerror=alert(1)><script>alert(2)</script>"


def report_page(path: str) -> bytes:
    return (SITES_DIR / "trs" / path.lstrip("/")).read_bytes()


def ingest(db: Database, site_id: str, url: str, body: bytes, site_name: str, **override: object) -> None:
    parsed = parse_page(url, body, {"content-type": "text/html; charset=utf-8"}, site_name=site_name)
    if override:
        parsed = replace(parsed, **override)  # type: ignore[arg-type]
    with db.transaction() as s:
        ingest_page(
            s, get_site(s, site_id), FetchedPage(url=url, body=body), parsed, content_hash(parsed.text)
        )


def fill(db: Database) -> dict[str, object]:
    """The four trs reports, a revision of the 2023 one with changed numbers, and one report whose
    title, text, publisher, link and attachment carry script payloads."""
    with db.transaction() as s:
        site, _ = upsert_site(
            s,
            {
                "id": "trs",
                "name": "泰顺县人民政府",
                "region": "浙江省温州市泰顺县",
                "start_urls": [HOST + "/"],
            },
        )
        site.baseline_done = True
        upsert_site(
            s,
            {"id": "evil", "name": "恶意站点", "region": "测试省测试市", "start_urls": ["http://evil.test/"]},
        )
    for report in EXPECTED["reports"]:
        ingest(db, "trs", HOST + report["url"], report_page(report["url"]), "泰顺县人民政府")
    first = EXPECTED["reports"][0]
    revised = report_page(first["url"]).replace("纠错29件".encode(), "纠错31件".encode(), 1)
    assert revised != report_page(first["url"])
    ingest(db, "trs", HOST + first["url"], revised, "泰顺县人民政府")
    evil = report_page(first["url"]).replace(
        first["title"].encode(), (first["title"] + XSS.replace("<", "&lt;").replace(">", "&gt;")).encode()
    )
    ingest(
        db,
        "evil",
        "http://evil.test/r.html",
        evil,
        "恶意站点",
        agency="司法局" + XSS,
        text="正文" + XSS + "\n行政复议 纠错率 javascript:alert(3)",
        attachments=["javascript:alert(4)"],
    )
    return {"first": first}


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """The app under waitress (the production server) on a free 127.0.0.1 port; yields the base URL."""
    server = create_server(app, host="127.0.0.1", port=0, threads=4)

    def run() -> None:
        try:
            server.run()
        except OSError:  # the socket was closed under select() by close(): that is how it stops
            pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=5)
