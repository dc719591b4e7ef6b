"""Storage on real databases (SQLite always, PostgreSQL when one answers)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from monitor.ingest import FetchedPage, ingest_page, parse_fetched
from parsers.normalize import content_hash
from parsers.types import ParsedPage
from storage.database import Database
from storage.models import Document, Event, OutboxItem, Report, Site, Version, utcnow
from storage.outbox import claim_due, mark_failed_attempt, mark_sent, recover_in_flight
from storage.reports import list_reports, raw_bytes, report_versions
from storage.sites import finish_run, get_site, request_recrawl, start_run, take_recrawl_requests, upsert_site
from storage.subscriptions import add_subscription

TEXT = "泰顺县司法局2023年法治政府建设年度报告\n一、2023年工作总结\n全年办理行政复议案件105件。"


def parsed(
    text: str = TEXT, title: str = "泰顺县司法局2023年法治政府建设年度报告", is_report: bool = True
) -> ParsedPage:
    return ParsedPage(
        url="http://x.gov.cn/a.html",
        title=title,
        text=text,
        published_at="2024-03-13T16:19:00",
        agency="泰顺县司法局",
        agency_aliases=[],
        year=2023,
        is_report=is_report,
        confidence=0.99,
        reasons=["title"],
    )


def add_site(db: Database, baseline_done: bool = True) -> None:
    with db.transaction() as s:
        site, _ = upsert_site(
            s,
            {
                "id": "ts",
                "name": "泰顺县司法局",
                "region": "浙江省温州市泰顺县",
                "start_urls": ["http://x.gov.cn/"],
            },
        )
        site.baseline_done = baseline_done


def ingest(db: Database, url: str, p: ParsedPage, body: bytes = b"<html>raw</html>"):
    with db.transaction() as s:
        return ingest_page(
            s, get_site(s, "ts"), FetchedPage(url=url, body=body, etag='"e1"'), p, content_hash(p.text)
        )


def test_new_report_creates_document_version_report_event_and_outbox(db: Database) -> None:
    add_site(db)
    with db.transaction() as s:
        add_subscription(s, ["json://127.0.0.1:9/hook", "form://127.0.0.1:9/f"], {"events": ["new_report"]})
        add_subscription(s, ["json://127.0.0.1:9/other"], {"events": ["site_failing"]})
    result = ingest(db, "http://x.gov.cn/a.html", parsed(), body=b"<html>\xe6\xb3\x95</html>")
    assert result.version_created and result.events == ["new_report"]
    with db.transaction() as s:
        report = s.get(Report, result.report_id)
        assert report.year == 2023 and report.agency == "泰顺县司法局" and report.on_time is True
        [version] = report_versions(s, report)
        assert raw_bytes(version) == b"<html>\xe6\xb3\x95</html>" and version.etag == '"e1"'
        # one row per target of the matching subscription only
        assert s.scalar(select(func.count(OutboxItem.id))) == 2
        rows = list_reports(s, year=2023)
        assert [r["title"] for r in rows] == ["泰顺县司法局2023年法治政府建设年度报告"] and rows[0][
            "versions"
        ] == 1


def test_unchanged_and_chrome_only_pages_create_nothing(db: Database) -> None:
    add_site(db)
    ingest(db, "http://x.gov.cn/a.html", parsed())
    # re-flowed whitespace is no change either
    again = ingest(db, "http://x.gov.cn/a.html", parsed(TEXT.replace("\n", "\n\n  ")))
    assert not again.version_created and again.events == []
    with db.transaction() as s:
        assert s.scalar(select(func.count(Version.id))) == 1
        assert s.scalar(select(func.count(Event.id))) == 1


def test_revision_creates_one_version_and_one_event_with_summary(db: Database) -> None:
    add_site(db)
    ingest(db, "http://x.gov.cn/a.html", parsed())
    result = ingest(db, "http://x.gov.cn/a.html", parsed(TEXT + "\n二、存在的不足和原因\n基层力量薄弱。"))
    assert result.version_created and result.events == ["report_revised"]
    with db.transaction() as s:
        event = s.scalars(select(Event).where(Event.kind == "report_revised")).one()
        assert event.payload["version_no"] == 2
        assert event.payload["diff"]["added"] == 2 and event.payload["diff"]["removed"] == 0


def test_first_crawl_of_a_site_is_a_quiet_baseline(db: Database) -> None:
    add_site(db, baseline_done=False)
    with db.transaction() as s:
        add_subscription(s, ["json://127.0.0.1:9/hook"], {})
    ingest(db, "http://x.gov.cn/a.html", parsed())
    with db.transaction() as s:
        assert s.scalar(select(func.count(Event.id))) == 1  # recorded for history
        assert s.scalar(select(func.count(OutboxItem.id))) == 0  # but not sent


def test_republication_under_another_url_is_one_report(db: Database) -> None:
    add_site(db)
    ingest(db, "http://x.gov.cn/a.html", parsed())
    again = ingest(db, "http://x.gov.cn/mirror/a.html", parsed())
    assert again.report_id is None and again.events == []
    with db.transaction() as s:
        assert s.scalar(select(func.count(Report.id))) == 1
        dup = s.scalars(select(Document).where(Document.url.endswith("mirror/a.html"))).one()
        assert dup.duplicate_of is not None


def test_site_failing_and_recovered_are_said_once_per_episode(db: Database) -> None:
    add_site(db)
    for _ in range(6):
        with db.transaction() as s:
            run = start_run(s, "ts", "schedule")
            finish_run(s, run.id, "failed", {}, "start pages unreachable")
    for _ in range(2):
        with db.transaction() as s:
            run = start_run(s, "ts", "schedule")
            finish_run(s, run.id, "ok", {})
    with db.transaction() as s:
        kinds = [e.kind for e in s.scalars(select(Event).order_by(Event.id))]
        assert kinds == ["site_failing", "site_recovered"]
        assert get_site(s, "ts").state == "ok"


def test_claim_is_exclusive_and_outcomes_are_recorded(db: Database) -> None:
    add_site(db)
    with db.transaction() as s:
        add_subscription(s, ["json://127.0.0.1:9/hook"], {})
    ingest(db, "http://x.gov.cn/a.html", parsed())
    with db.transaction() as s:
        first = claim_due(s, "h:1:a")
    with db.transaction() as s:
        second = claim_due(s, "h:1:b")
    assert len(first) == 1 and second == []
    with db.transaction() as s:
        gave_up = mark_failed_attempt(
            s, first[0].outbox_ids, "HTTP 500", horizon=timedelta(hours=48), base_delay=0
        )
        assert not gave_up
    with db.transaction() as s:
        again = claim_due(s, "h:1:c", now=utcnow() + timedelta(seconds=5))
        assert len(again) == 1 and again[0].attempts == 2
        mark_sent(s, again[0].outbox_ids)
    with db.transaction() as s:
        assert s.scalars(select(OutboxItem)).one().status == "sent"


def test_rows_claimed_by_a_dead_process_are_recovered(db: Database) -> None:
    add_site(db)
    with db.transaction() as s:
        add_subscription(s, ["json://127.0.0.1:9/hook"], {})
    ingest(db, "http://x.gov.cn/a.html", parsed())
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    import socket

    with db.transaction() as s:
        claim_due(s, f"{socket.gethostname()}:{dead.stdout.strip()}:x")
    with db.transaction() as s:
        claim_due(s, f"{socket.gethostname()}:{os.getpid()}:y")  # nothing left to claim
        assert recover_in_flight(s) == 1
    with db.transaction() as s:
        assert len(claim_due(s, "h:2:z")) == 1


def test_recrawl_requests_are_taken_once(db: Database) -> None:
    add_site(db)
    with db.transaction() as s:
        request_recrawl(s, "ts")
        request_recrawl(s, "ts")
    with db.transaction() as s:
        assert take_recrawl_requests(s) == ["ts"]
    with db.transaction() as s:
        assert take_recrawl_requests(s) == []


def test_recrawl_taken_by_a_killed_daemon_is_requeued(db: Database) -> None:
    from storage.sites import requeue_unserved_recrawls

    add_site(db)
    with db.transaction() as s:
        request_recrawl(s, "ts")
    with db.transaction() as s:
        assert take_recrawl_requests(s) == ["ts"]  # taken, then the daemon dies before crawling
    with db.transaction() as s:
        assert requeue_unserved_recrawls(s) == 1
    with db.transaction() as s:
        assert take_recrawl_requests(s) == ["ts"]
        start_run(s, "ts", "recrawl")  # this time a crawl starts
    with db.transaction() as s:
        assert requeue_unserved_recrawls(s) == 0


def test_a_url_another_crawl_stored_a_moment_before_is_stored_not_an_error(db_url: str) -> None:
    """Two crawls (departments on their government's shared portal) store one URL at once: the later insert
    loses the race on the unique URL; storing is run again and updates the row the other crawl committed."""
    url = "http://127.0.0.1:9/fzzfjs/2024/report.html"
    db, other = Database(db_url), Database(db_url)
    with db.transaction() as s:
        for site_id in ("dept-a", "dept-b"):
            upsert_site(
                s, {"id": site_id, "name": site_id, "region": "浙江省温州市泰顺县", "start_urls": [url]}
            )
    body = "<html><head><title>2024年法治政府建设年度报告</title></head><body><p>一年来……</p></body></html>"
    page = FetchedPage(url=url, body=body.encode("utf-8"), content_type="text/html; charset=utf-8")
    parsed = parse_fetched(page, "泰顺县司法局", "浙江省温州市泰顺县")
    attempts: list[int] = []

    def other_crawl_commits_first(session: Any, _context: Any, _instances: Any) -> None:
        # Between our look-up (no row yet) and our insert, the other crawl commits the same URL.
        if len(attempts) == 1 and any(isinstance(o, Document) for o in session.new):
            attempts.append(0)
            with other.transaction() as s2:
                s2.add(Document(site_id="dept-b", url=url))

    def store(session: Any) -> Any:
        attempts.append(1)
        sa_event.listen(session, "before_flush", other_crawl_commits_first)
        return ingest_page(session, session.get(Site, "dept-a"), page, parsed, "h1")

    result = db.run_in_transaction(store)
    assert attempts == [1, 0, 1], "the first attempt lost the race, the second stored"
    with db.transaction() as s:
        [doc] = s.scalars(select(Document).where(Document.url == url)).all()
        assert doc.id == result.document_id
        assert s.scalar(select(func.count(Version.id)).where(Version.document_id == doc.id)) == 1
    db.dispose()
    other.dispose()
