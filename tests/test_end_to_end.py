"""The whole pipeline against fixture portals on 127.0.0.1: crawl → parse → store → events → apprise."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from scheduler.delivery import drain
from storage.database import Database
from storage.models import Event, Version
from storage.reports import list_reports
from storage.subscriptions import add_subscription
from tests.crawl_helpers import register_site, run_crawl
from tests.portals.server import SITES_DIR, PortalServer
from tests.receivers import HttpReceiver

UA = "fzwatch"


def expected(site: str) -> dict:
    return json.loads((SITES_DIR / site / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with HttpReceiver() as r:
        yield r


def counts(db: Database) -> tuple[int, int]:
    with db.transaction() as s:
        return s.scalar(select(func.count(Version.id))), s.scalar(select(func.count(Event.id)))


@pytest.mark.parametrize("site", ["trs", "nextpage"])
def test_crawl_finds_exactly_the_reports(site: str, sqlite_url: str) -> None:
    exp = expected(site)
    with PortalServer(site) as server:
        register_site(sqlite_url, site, exp["site_name"], server.url(exp["home"]))
        summary = run_crawl(sqlite_url, site)
        assert summary["status"] == "ok"
        assert server.disallowed_requests(UA) == [], "robots.txt must be obeyed"
        assert all("fzwatch" in r.user_agent for r in server.requests)
        base = server.url("")
    db = Database(sqlite_url)
    with db.transaction() as s:
        found = {(r["url"].removeprefix(base.rstrip("/")), r["title"], r["year"]) for r in list_reports(s)}
    # Titles are stored as the page states them, with stray internal spaces normalized away.
    assert found == {(r["url"], "".join(r["title"].split()), r["year"]) for r in exp["reports"]}


def test_pipeline_on_each_backend_unchanged_revised_and_chrome_only(
    db_url: str, receiver: HttpReceiver
) -> None:
    """Second crawl of an unchanged site: nothing new. A revision: one version, one alert. Chrome: nothing."""
    exp = expected("trs")
    db = Database(db_url)
    with PortalServer("trs") as server:
        register_site(db_url, "trs", exp["site_name"], server.url(exp["home"]))
        with db.transaction() as s:
            add_subscription(
                s, [receiver.url_json], {"sites": ["trs"], "events": ["new_report", "report_revised"]}
            )
        first = run_crawl(db_url, "trs")
        assert first["reports_seen"] == len(exp["reports"])
        assert drain(db).sent == 0  # the first crawl is a baseline: old reports are not news
        baseline = counts(db)

        second = run_crawl(db_url, "trs")
        assert counts(db) == baseline
        assert second["not_modified"] == len(exp["reports"])  # known reports re-checked with conditional GET

        target = exp["reports"][0]
        server.bump_view_counter(target["url"])
        run_crawl(db_url, "trs")
        assert counts(db) == baseline, "a chrome-only change is not a revision"

        server.replace_text(target["url"], "</p>", "</p><p>补充说明：全年新增行政复议案件12件。</p>")
        third = run_crawl(db_url, "trs")
        assert third["revisions"] == 1
        assert counts(db) == (baseline[0] + 1, baseline[1] + 1)
        assert drain(db).sent == 1
    [request] = receiver.requests
    body = request.json
    assert target["title"] in body["title"] + body["message"]
    assert "补充说明" in body["message"]
    db.dispose()
