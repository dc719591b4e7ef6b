"""Housekeeping at scale (issue 14) on real SQLite and PostgreSQL: parse results stored compressed and read
back whole (also rows written before migration ops01), crawl-run and outbox retention that keeps what
`sites list`, the dashboard and delivery need, a compact crawl-run record, indexes the polls use."""

from __future__ import annotations

import json
from datetime import timedelta

from alembic import command
from sqlalchemy import func, insert, select, text, update

from scheduler.daemon import Daemon, DaemonConfig
from storage.database import Database
from storage.migrate import alembic_config
from storage.models import CrawlRun, Event, OutboxItem, Subscription, Version, utcnow
from storage.outbox import prune_outbox
from storage.sites import finish_run, last_runs, prune_runs, start_run
from tests.test_storage import add_site, ingest, parsed

SCRAPY_STATS = {
    "downloader/request_count": 40,
    "downloader/response_count": 40,
    "downloader/response_bytes": 812345,
    "downloader/request_method_count/GET": 40,
    "downloader/response_status_count/200": 38,
    "downloader/response_status_count/304": 2,
    "log_count/INFO": 12,
    "log_count/DEBUG": 180,
    "scheduler/enqueued/memory": 40,
    "scheduler/dequeued/memory": 40,
    "request_depth_max": 3,
    "httpcompression/response_count": 30,
    "memusage/startup": 90000000,
    "memusage/max": 120000000,
    "start_time": "2026-01-01T00:00:00",
    "finish_time": "2026-01-01T00:01:00",
    "finish_reason": "finished",
    "elapsed_time_seconds": 60.1,
    "fzwatch/start_pages": 1,
    "fzwatch/cut_calendar": 2,
    "fzwatch/rendered": 1,
    "playwright/browser_count": 1,
    "response_received_count": 40,
    "item_scraped_count": 3,
}


def _raw_parsed(db: Database) -> object:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT parsed FROM versions ORDER BY id LIMIT 1")).scalar()


def test_parse_result_is_stored_compressed_and_read_back_whole(db: Database) -> None:
    add_site(db)
    page = parsed(text="泰顺县司法局2023年法治政府建设年度报告\n" + "全年办理行政复议案件105件。" * 200)
    ingest(db, "http://x.gov.cn/a.html", page)
    raw = bytes(_raw_parsed(db))
    assert raw[:2] == b"\x78\xda" or raw[:1] == b"\x78"  # zlib
    as_json = json.dumps(page.to_dict(), ensure_ascii=False).encode("utf-8")
    assert len(raw) * 5 < len(as_json)
    with db.transaction() as s:
        assert s.scalars(select(Version)).one().parsed == json.loads(as_json)


def test_migration_ops01_compresses_rows_written_before_it(db: Database) -> None:
    add_site(db)
    ingest(db, "http://x.gov.cn/a.html", parsed())
    with db.transaction() as s:
        before = s.scalars(select(Version)).one().parsed
    cfg = alembic_config(db.engine.url.render_as_string(hide_password=False))
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006")
    old = _raw_parsed(db)
    assert (json.loads(old) if isinstance(old, str | bytes) else old) == before  # plain JSON again
    db.migrate()
    assert bytes(_raw_parsed(db))[:1] == b"\x78"
    with db.transaction() as s:
        assert s.scalars(select(Version)).one().parsed == before


def test_crawl_run_record_is_compact_but_keeps_what_health_shows(db: Database) -> None:
    add_site(db)
    with db.transaction() as s:
        run = start_run(s, "ts", "schedule")
        finish_run(s, run.id, "ok", {"pages": 40, "new_reports": 1, "stats": dict(SCRAPY_STATS)})
    with db.transaction() as s:
        stored = s.get(CrawlRun, run.id).stats
    assert stored["pages"] == 40 and stored["new_reports"] == 1
    kept = stored["stats"]
    assert kept["fzwatch/cut_calendar"] == 2 and kept["playwright/browser_count"] == 1
    assert kept["downloader/response_count"] == 40 and kept["finish_reason"] == "finished"
    assert not any(
        k.startswith(("log_count/", "scheduler/", "downloader/response_status_count/")) for k in kept
    )
    assert len(json.dumps(stored)) * 2 < len(json.dumps({"pages": 40, "stats": SCRAPY_STATS}))


def test_retention_prunes_old_runs_and_delivered_outbox_rows_only(db: Database) -> None:
    add_site(db)
    old = utcnow() - timedelta(days=200)
    with db.transaction() as s:
        ids = []
        for _ in range(7):
            run = start_run(s, "ts", "schedule")
            finish_run(s, run.id, "ok", {})
            ids.append(run.id)
        s.execute(update(CrawlRun).where(CrawlRun.id.in_(ids[:-1])).values(finished_at=old, started_at=old))
        event = Event(kind="new_report", site_id="ts", payload={})
        sub = Subscription(urls=["json://127.0.0.1:9/x"], filters={})
        s.add_all([event, sub])
        s.flush()
        rows = [
            ("sent", old, old),
            ("failed", None, old),
            ("pending", None, old),
            ("sending", None, old),
            ("sent", utcnow(), utcnow()),
        ]
        s.execute(
            insert(OutboxItem),
            [
                {
                    "event_id": event.id,
                    "subscription_id": sub.id,
                    "target": i,
                    "status": st,
                    "sent_at": sent,
                    "created_at": created,
                    "next_attempt_at": created,
                }
                for i, (st, sent, created) in enumerate(rows)
            ],
        )
    daemon = Daemon(db, DaemonConfig(run_retention_days=90, outbox_retention_days=30))
    assert daemon.retention() == 6 + 2
    with db.transaction() as s:
        assert list(s.scalars(select(CrawlRun.id))) == [ids[-1]]
        assert sorted(s.scalars(select(OutboxItem.status))) == ["pending", "sending", "sent"]
        assert s.scalar(select(func.count(Event.id))) == 1  # events are history: kept
        s.execute(update(CrawlRun).values(finished_at=old))
    with db.transaction() as s:
        assert prune_runs(s, 90) == 0  # a site's latest run is kept however old: `sites list` shows it
        assert set(last_runs(s)) == {"ts"}
        assert prune_outbox(s, 30) == 0


def test_pending_recrawl_poll_uses_an_index(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    with db.engine.connect() as conn:
        plans = [
            " ".join(r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql).fetchall())
            for sql in (
                "SELECT site_id FROM recrawl_requests WHERE picked_at IS NULL",
                "SELECT id FROM crawl_runs WHERE finished_at < '2020-01-01'",
            )
        ]
    db.dispose()
    assert all("USING" in p and "INDEX" in p for p in plans), plans
