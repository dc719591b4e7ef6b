"""Discovery on every fixture portal (issue 3): each CMS idiom finds exactly its reports, never a near-miss,
never a page robots.txt forbids; attachments become report bodies; GBK pages come out right."""

from __future__ import annotations

import json
import zlib
from hashlib import sha256
from typing import Any

import pytest
from pypdf import PdfWriter
from sqlalchemy import select

from storage.database import Database
from storage.models import Document, Report, Version
from storage.reports import list_reports
from tests.crawl_helpers import register_site, run_crawl
from tests.portals.server import SITES_DIR, PortalServer

SITES = ["trs", "nextpage", "hanweb", "gkmlpt", "dedecms", "jsonapi", "traps"]


def expected(site: str) -> dict[str, Any]:
    return json.loads((SITES_DIR / site / "expected.json").read_text(encoding="utf-8"))


def register(db_url: str, server: PortalServer, **options: Any) -> dict[str, Any]:
    """Register the fixture site as its registry entry would (site.json "registry" holds its options)."""
    exp = expected(server.name)
    register_site(
        db_url,
        server.name,
        exp["site_name"],
        server.url(exp["home"]),
        **{**server.config.get("registry", {}), **options},
    )
    return exp


def found_reports(db_url: str, server: PortalServer) -> dict[str, dict[str, Any]]:
    base = server.url("").rstrip("/")
    db = Database(db_url)
    with db.transaction() as s:
        reports = {r["url"].removeprefix(base): r for r in list_reports(s)}
    db.dispose()
    return reports


@pytest.mark.parametrize("site", SITES)
def test_each_idiom_finds_exactly_its_reports(site: str, sqlite_url: str) -> None:
    with PortalServer(site) as server:
        exp = register(sqlite_url, server)
        summary = run_crawl(sqlite_url, site)
        assert summary["status"] == "ok"
        assert server.disallowed_requests("fzwatch") == [], "robots.txt must be obeyed"
        assert all("fzwatch" in r.user_agent for r in server.requests)
        reports = found_reports(sqlite_url, server)
    assert set(reports) == {r["url"] for r in exp["reports"]}, "every report, and no false report"
    near_misses = {m["url"] for m in exp["near_misses"]} | set(exp["robots_forbidden"])
    assert not near_misses & set(reports)
    for report in exp["reports"]:
        assert reports[report["url"]]["year"] == report["year"]


def test_jsonapi_by_heuristics_alone(sqlite_url: str) -> None:
    """Without the registry's list_api, the `$.ajax({url: …})` of the shell page is found and read."""
    with PortalServer("jsonapi") as server:
        exp = expected("jsonapi")
        register_site(sqlite_url, "jsonapi", exp["site_name"], server.url(exp["home"]))
        run_crawl(sqlite_url, "jsonapi")
        assert server.count("/api/content/list") >= 2
        reports = found_reports(sqlite_url, server)
    assert set(reports) == {r["url"] for r in exp["reports"]}


def _scanned_pdf() -> bytes:
    """A PDF page without a text layer, like a scanned report."""
    import io

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_gkmlpt_attachment_bodies_and_a_scanned_pdf(sqlite_url: str) -> None:
    """PDF-only and DOCX-only reports: the file's text is the body and its bytes and hash are kept; a scanned
    PDF (no text) is kept and flagged, not dropped."""
    exp = expected("gkmlpt")
    pdf_report, docx_report = exp["reports"][1], exp["reports"][2]
    scanned = _scanned_pdf()
    with PortalServer("gkmlpt") as server:
        register(sqlite_url, server)
        run_crawl(sqlite_url, "gkmlpt")
        docx_bytes = server.page_bytes(docx_report["attachments"][0])
        server.set_page(pdf_report["attachments"][0], scanned, "application/pdf")
        # A second site entry on a fresh database sees only the scanned file.
        scanned_db = sqlite_url.replace("fzwatch.sqlite3", "scanned.sqlite3")
        Database(scanned_db).migrate()
        register(scanned_db, server)
        run_crawl(scanned_db, "gkmlpt")
        base = server.url("").rstrip("/")
        assert pdf_report["url"] in found_reports(scanned_db, server), "a scanned report is still a report"
    versions = _versions_by_path(sqlite_url, base)
    docx = versions[docx_report["url"]]
    assert docx.attachment_url.endswith(docx_report["attachments"][0])
    assert docx.attachment_sha256 == sha256(docx_bytes).hexdigest()
    assert zlib.decompress(docx.attachment_zlib) == docx_bytes
    assert len(docx.text) > 200 and "法治" in docx.text
    assert len(versions[pdf_report["url"]].text) > 200
    flagged = _versions_by_path(scanned_db, base)[pdf_report["url"]]
    assert "attachment_without_text" in flagged.parsed["flags"]
    assert flagged.attachment_sha256 == sha256(scanned).hexdigest()


def _versions_by_path(db_url: str, base: str) -> dict[str, Version]:
    db = Database(db_url)
    with db.transaction() as s:
        rows = s.execute(
            select(Document.url, Version)
            .join(Version, Version.document_id == Document.id)
            .join(Report, Report.document_id == Document.id)
        ).all()
        out = {url.removeprefix(base): version for url, version in rows}
        s.expunge_all()
    db.dispose()
    return out


def test_gbk_pages_with_and_without_declarations(sqlite_url: str) -> None:
    """dedecms serves GBK with no charset header; one report declares gb2312 in <meta>, one declares
    nothing; numbers split across <font>/<span> come out joined."""
    exp = expected("dedecms")
    with PortalServer("dedecms") as server:
        register(sqlite_url, server)
        run_crawl(sqlite_url, "dedecms")
        base = server.url("").rstrip("/")
    versions = _versions_by_path(sqlite_url, base)
    for report in exp["reports"]:
        version = versions[report["url"]]
        assert "".join(report["title"].split()) == version.title
        assert "\ufffd" not in version.text and "法治政府" in version.text
    assert "合法性审查371件" in versions[exp["reports"][1]["url"]].text
