"""Crawl hygiene (issue 3): blocked sites, Retry-After, traps, republished reports, encodings."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.database import Database
from storage.models import CrawlRun, Document, Event, Report, Version
from storage.sites import SUCCESSES_BEFORE_RECOVERED
from tests.crawl_helpers import REPO, crawl_env, register_site, run_crawl
from tests.portals.server import SITES_DIR, PortalServer, Request, Response


def expected(site: str) -> dict[str, Any]:
    return json.loads((SITES_DIR / site / "expected.json").read_text(encoding="utf-8"))


def register(db_url: str, server: PortalServer, **options: Any) -> dict[str, Any]:
    exp = expected(server.name)
    register_site(db_url, server.name, exp["site_name"], server.url(exp["home"]), **options)
    return exp


def scalar(db_url: str, statement: Any) -> Any:
    db = Database(db_url)
    with db.transaction() as s:
        value = s.scalar(statement)
    db.dispose()
    return value


def last_run_stats(db_url: str) -> dict[str, Any]:
    stats = scalar(db_url, select(CrawlRun.stats).order_by(CrawlRun.id.desc()).limit(1))
    return dict(stats.get("stats") or {})


def events(db_url: str, kind: str) -> int:
    return int(scalar(db_url, select(func.count(Event.id)).where(Event.kind == kind)))


def sites_list(db_url: str) -> list[dict[str, Any]]:
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", "sites", "list", "--json"],
        cwd=REPO,
        env=crawl_env(db_url),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(proc.stdout)


def test_blocked_site_is_recorded_alerted_once_and_never_a_removal(sqlite_url: str) -> None:
    with PortalServer("trs") as server:
        exp = register(sqlite_url, server)
        assert run_crawl(sqlite_url, "trs")["status"] == "ok"
        versions = scalar(sqlite_url, select(func.count(Version.id)))
        server.challenge("/index.html", "ruishu")
        server.challenge("/zwgk/*", "ruishu")  # the reports themselves answer a challenge too
        statuses = [run_crawl(sqlite_url, "trs")["status"] for _ in range(4)]
        assert statuses == ["blocked"] * 4
        assert events(sqlite_url, "site_blocked") == 1, "once per episode, after repeated failures"
        [row] = sites_list(sqlite_url)
        assert (
            row["state"] == "blocked"
            and "ruishu" in row["last_error"]
            and row["reports"] == len(exp["reports"])
        )
        server.reset()
        # storage.sites ends an episode after SUCCESSES_BEFORE_RECOVERED good crawls in a row.
        for _ in range(SUCCESSES_BEFORE_RECOVERED):
            assert run_crawl(sqlite_url, "trs")["status"] == "ok"
    assert events(sqlite_url, "site_recovered") == 1
    assert scalar(sqlite_url, select(func.count(Report.id))) == len(exp["reports"]), "a block removes nothing"
    assert scalar(sqlite_url, select(func.count(Version.id))) == versions
    assert sites_list(sqlite_url)[0]["state"] == "ok"


def _cookie_loop(request: Request) -> Response:
    """A cookie 302-to-self that never accepts its cookie."""
    return Response(302, b"", {"Location": request.path, "Set-Cookie": "CT6T=1; path=/"}, conditional=False)


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("jiasule", "blocked"),
        ("js_shell", "blocked"),
        ("cookie_loop", "blocked"),
        ("cookie_shell", "ok"),
    ],
)
def test_challenge_kinds(kind: str, status: str, sqlite_url: str) -> None:
    """412/521/JS shells are blocks; a cookie 302-to-self is passed with the cookie jar when the cookie
    works, and is a block when it does not."""
    with PortalServer("trs") as server:
        exp = register(sqlite_url, server)
        if kind == "cookie_loop":
            server.add_route("/index.html", _cookie_loop)
        else:
            server.challenge("/index.html", kind)
        summary = run_crawl(sqlite_url, "trs")
    assert summary["status"] == status
    if status == "ok":
        assert summary["new_reports"] == len(exp["reports"])
    else:
        assert summary["new_reports"] == 0


def test_retry_after_is_honoured(sqlite_url: str) -> None:
    served: list[int] = []
    with PortalServer("trs") as server:
        exp = register(sqlite_url, server)
        channel = "/zwgk/fzzfjsndbg/index.html"
        body = server.page_bytes(channel)

        def busy_once(request: Request) -> Response:
            served.append(1)
            if len(served) == 1:
                return Response(
                    429, b"busy", {"Retry-After": "2", "Content-Type": "text/html"}, conditional=False
                )
            return Response(200, body or b"", {"Content-Type": "text/html; charset=utf-8"})

        server.add_route(channel, busy_once)
        summary = run_crawl(sqlite_url, "trs")
        times = [r.time for r in server.requests if r.path == channel]
    assert summary["new_reports"] == len(exp["reports"])
    assert len(times) == 2 and times[1] - times[0] >= 1.9


def test_traps_stay_bounded_and_cuts_are_counted(sqlite_url: str) -> None:
    with PortalServer("traps") as server:
        register(sqlite_url, server)
        first = run_crawl(sqlite_url, "traps")
        stats = last_run_stats(sqlite_url)
        first_paths = [r.path for r in server.requests]
        server.clear_log()
        run_crawl(sqlite_url, "traps")
        second_paths = [r.path for r in server.requests]
        assert server.disallowed_requests("fzwatch") == []
    assert first["status"] == "ok" and first["new_reports"] == 1
    assert len(first_paths) < 30, first_paths
    for reason in ("repeat", "size", "binary", "redirect_loop"):
        assert stats.get(f"fzwatch/cut_{reason}", 0) >= 1, reason
    assert first["cut"] >= 4
    assert stats.get("fzwatch/offsite_links", 0) >= 1, "the mirror link is not followed"
    assert sum(p.startswith("/news/index.html") for p in first_paths) == 1, "session-id variants are one page"
    assert sum(p.startswith("/loop/") for p in first_paths) <= 2
    assert sum(p.startswith("/repeat/") for p in first_paths) <= 2
    assert not {"/big.html", "/download/data.html", "/missing/1.html"} & set(second_paths), "dead pages rest"


def test_one_report_on_two_urls_and_gbk_without_declaration(sqlite_url: str) -> None:
    """A report republished on a second official URL is one report (same normalized text); pages
    re-served as GBK/GB18030, with or without a charset declaration, read the same (no revision)."""
    with PortalServer("trs") as server:
        exp = register(sqlite_url, server)
        original = exp["reports"][0]
        copy = "/xwzx/tzgg/202403/t20240313_990001.html"
        server.set_page(copy, server.page_bytes(original["url"]) or b"")
        server.add_list_item(
            "/xwzx/tzgg/index.html",
            f'<li><a href="{copy}">{original["title"]}</a><span>2024-03-13</span></li>',
        )
        first = run_crawl(sqlite_url, "trs")
        assert server.count(copy) == 1
        server.serve_encoding(exp["reports"][1]["url"], "gbk", declare=True)
        server.mutate(exp["reports"][2]["url"], lambda text: text.replace("charset=utf-8", ""))
        server.serve_encoding(exp["reports"][2]["url"], "gb18030", declare=False)
        second = run_crawl(sqlite_url, "trs")
    assert first["new_reports"] == len(exp["reports"])
    assert scalar(sqlite_url, select(func.count(Report.id))) == len(exp["reports"])
    assert scalar(sqlite_url, select(func.count(Document.id)).where(Document.duplicate_of.is_not(None))) == 1
    assert second["revisions"] == 0 and second["new_reports"] == 0, "re-encoding changes no text"


def test_lists_whose_reports_failed_to_store_are_read_again(sqlite_url: str) -> None:
    """Issue 12: after "database or disk is full" the next crawl must still find every report. The error is
    real — a trigger makes SQLite refuse every new version, as a full disk would — and is lifted afterwards."""
    db = Database(sqlite_url)
    with PortalServer("trs") as server:
        exp = register(sqlite_url, server)
        with db.engine.begin() as conn:
            conn.exec_driver_sql(
                "CREATE TRIGGER disk_full BEFORE INSERT ON versions "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
            )
        first = run_crawl(sqlite_url, "trs")
        assert first["errors"] >= len(exp["reports"]), "each page that could not be stored is counted"
        assert scalar(sqlite_url, select(func.count(Report.id))) == 0
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TRIGGER disk_full")
        second = run_crawl(sqlite_url, "trs")
    assert second["status"] == "ok"
    assert scalar(sqlite_url, select(func.count(Report.id))) == len(exp["reports"]), (
        "the lists were re-read, not answered 304 from validators saved while their reports failed"
    )
    db.dispose()
