"""Issue 10 on real databases: canonical publishers stored and reparsed, attribution in coverage and
overdue, and every time a user sees shown in labelled Beijing time (CLI, whatever the host's zone)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from cli.main import cli
from monitor.ingest import FetchedPage, ingest_page
from monitor.intel import check_overdue
from monitor.reparse import reparse
from parsers import content_hash, parse_page
from storage.coverage import coverage
from storage.database import Database
from storage.events import emit_event
from storage.models import Document, Event, OutboxItem, Report, Site
from storage.sites import get_site, upsert_site
from storage.subscriptions import add_subscription
from tests.fixtures.parsers.build_pub import page, report_body
from web.app import create_app

FIXTURES = Path(__file__).parent / "fixtures" / "parsers"
REGION = "浙江省温州市泰顺县"
FETCHED = datetime(2025, 3, 31, 16, 30, tzinfo=UTC)  # 2025-04-01 00:30 北京时间


def add_site(db: Database, site_id: str = "ts", name: str = "中国泰顺", **options: object) -> None:
    with db.transaction() as s:
        site, _ = upsert_site(
            s,
            {
                "id": site_id,
                "name": name,
                "region": REGION,
                "start_urls": [f"http://{site_id}.gov.cn/"],
                "options": options,
            },
        )
        site.baseline_done = True


def ingest_fixture(db: Database, case: str, url: str, site_id: str = "ts") -> int | None:
    body = (FIXTURES / case / "page.html").read_bytes()
    with db.transaction() as s:
        site = get_site(s, site_id)
        parsed = parse_page(url, body, site_name=site.name, region=site.region)
        return ingest_page(
            s, site, FetchedPage(url=url, body=body, fetched_at=FETCHED), parsed, content_hash(parsed.text)
        ).report_id


def ingest_html(db: Database, url: str, title: str, day: str, source: str = "") -> int | None:
    html = page(
        title,
        "中国泰顺",
        report_body(title[:6], 2023, "县委、县政府"),
        f"发布时间：{day}" + (f" 来源：{source}" if source else ""),
    )
    with db.transaction() as s:
        site = get_site(s, "ts")
        parsed = parse_page(url, html.encode(), site_name=site.name, region=site.region)
        return ingest_page(
            s,
            site,
            FetchedPage(url=url, body=html.encode(), fetched_at=FETCHED),
            parsed,
            content_hash(parsed.text),
        ).report_id


def test_a_department_report_never_satisfies_its_government(db: Database) -> None:
    add_site(db, expected_publishers=["县司法局"])
    ingest_html(
        db, "http://ts.gov.cn/art/2024/2/26/art_1_1.html", "县司法局2023年法治政府建设年度报告", "2024-02-26"
    )
    with db.transaction() as s:
        rows = {r["publisher"]: r for r in coverage(s, 2023, today=date(2024, 6, 1))}
        assert rows["泰顺县人民政府"]["status"] == "missing" and rows["泰顺县人民政府"]["report_id"] is None
        assert rows["泰顺县司法局"]["published_at"] == "2024-02-26"
        raised = check_overdue(s, today=date(2024, 6, 1))
        assert [e.payload["agency"] for e in raised] == ["泰顺县人民政府"]
    ingest_html(
        db, "http://ts.gov.cn/art/2024/3/29/art_1_2.html", "泰顺县2023年度法治政府建设情况", "2024-03-29"
    )
    with db.transaction() as s:
        gov = {r["publisher"]: r for r in coverage(s, 2023, today=date(2024, 6, 1))}["泰顺县人民政府"]
        assert (gov["published_at"], gov["status"]) == ("2024-03-29", "on_time")


def test_reports_of_other_bodies_are_listed_not_credited(db: Database) -> None:
    add_site(db)
    ingest_html(
        db,
        "http://ts.gov.cn/art/2024/2/26/art_1_3.html",
        "县教育局关于2023年度法治政府建设情况的报告",
        "2024-02-26",
    )
    with db.transaction() as s:
        rows = coverage(s, 2023, today=date(2024, 6, 1))
    assert [(r["publisher"], r["expected"], r["status"]) for r in rows] == [
        ("泰顺县人民政府", True, "missing"),
        ("泰顺县教育局", False, "on_time"),
    ]


def test_a_page_no_longer_a_report_never_counts(db: Database) -> None:
    add_site(db)
    report_id = ingest_html(
        db, "http://ts.gov.cn/art/2024/3/1/art_1_4.html", "泰顺县2023年法治政府建设年度报告", "2024-03-01"
    )
    with db.transaction() as s:
        doc_id = s.get(Report, report_id).document_id
        s.execute(update(Document).where(Document.id == doc_id).values(is_report=False))
    with db.transaction() as s:
        assert coverage(s, 2023, today=date(2024, 6, 1))[0]["status"] == "missing"


def test_reparse_all_brings_old_rows_to_canonical_names(db: Database) -> None:
    add_site(db)
    report_id = ingest_fixture(
        db, "titleless_county_2024", "https://www.ts.gov.cn/art/2025/3/18/art_1229_5500001.html"
    )
    with db.transaction() as s:
        report = s.get(Report, report_id)
        assert report.agency == "泰顺县人民政府"
        report.agency = "泰顺县"  # as an older parser stored it: a second series for the same body
    with db.transaction() as s:
        counts = reparse(s, everything=True)
    assert counts["updated"] == 1
    with db.transaction() as s:
        assert s.get(Report, report_id).agency == "泰顺县人民政府"
    with db.transaction() as s:
        assert reparse(s, everything=True)["unchanged"] == 1  # idempotent


@pytest.fixture
def new_york() -> Iterator[None]:
    old = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


def test_cli_shows_labelled_beijing_time_on_any_host(db_url: str, db: Database, new_york: None) -> None:
    add_site(db)
    report_id = ingest_fixture(
        db, "titleless_county_2024", "https://www.ts.gov.cn/art/2025/3/18/art_1229_5500001.html"
    )
    with db.transaction() as s:
        s.get(Site, "ts").last_crawl_at = FETCHED
        add_subscription(s, ["json://127.0.0.1:9/hook"], {})
        s.execute(update(Event).values(created_at=FETCHED))
    with db.transaction() as s:
        emit_event(s, "site_failing", get_site(s, "ts"), {"site_id": "ts", "since": FETCHED.isoformat()})
        s.execute(update(Event).values(created_at=FETCHED))
        s.execute(update(OutboxItem).values(next_attempt_at=FETCHED))
        assert s.scalar(select(OutboxItem.id)) is not None
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["--db", db_url, *args])
        assert result.exit_code == 0, result.output
        return result.output

    for args in (["events"], ["sites", "list"], ["notify", "log"]):
        out = run(*args)
        assert "北京时间" in out and "2025-04-01 00:30" in out, (args, out)
        assert "2025-03-31" not in out and "T16:30" not in out, (args, out)
    shown = run("show", str(report_id), "--no-text")
    assert "首次发现：2025-04-01 00:30（北京时间）" in shown
    assert "发布：2025-03-18 09:30" in shown  # the page's own time: already Beijing time
    table = run("reports")
    assert "2025-04-01" in table and "北京时间" in table


def test_dashboard_shows_labelled_beijing_time(sqlite_url: str, new_york: None) -> None:
    db = Database(sqlite_url)
    add_site(db)
    report_id = ingest_fixture(
        db, "titleless_county_2024", "https://www.ts.gov.cn/art/2025/3/18/art_1229_5500001.html"
    )
    with db.transaction() as s:
        s.get(Site, "ts").last_crawl_at = FETCHED
    client = create_app(db).test_client()
    sites = client.get("/sites").get_data(as_text=True)
    assert "最近抓取（北京时间）" in sites and "2025-04-01 00:30" in sites
    detail = client.get(f"/reports/{report_id}").get_data(as_text=True)
    assert "首次发现：2025-04-01 00:30（北京时间）" in detail and "2025-03-31" not in detail
    listing = client.get("/reports").get_data(as_text=True)
    # The list shows the publication date as the page stated it (a Beijing date), never shifted by the host.
    assert "泰顺县人民政府" in listing and "2025-03-18" in listing and "2025-03-17" not in listing
    db.dispose()
