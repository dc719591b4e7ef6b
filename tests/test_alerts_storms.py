"""No alert storms: a first crawl is a quiet baseline, a flapping site alerts once per episode."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.database import Database
from storage.models import Event, OutboxItem
from storage.sites import finish_run, get_site, start_run, upsert_site
from storage.subscriptions import add_subscription
from tests.test_storage import TEXT, add_site, ingest, parsed


def crawl_outcomes(db: Database, *statuses: str) -> None:
    for status in statuses:
        with db.transaction() as s:
            run = start_run(s, "ts", "schedule")
            finish_run(s, run.id, status, {}, None if status == "ok" else f"HTTP 412 ({status})")


def alerts(db: Database) -> list[str]:
    with db.transaction() as s:
        return [e.kind for e in s.scalars(select(Event).where(Event.kind.like("site_%")).order_by(Event.id))]


@pytest.mark.parametrize("notify_existing", [False, True])
def test_first_crawl_alerts_old_reports_only_when_asked(db: Database, notify_existing: bool) -> None:
    add_site(db, baseline_done=False)
    with db.transaction() as s:
        get_site(s, "ts").options = {"notify_existing": notify_existing}
        add_subscription(s, ["json://127.0.0.1:9/hook"], {})
    ingest(db, "http://x.gov.cn/a.html", parsed())
    crawl_outcomes(db, "ok")  # the baseline crawl ends
    ingest(
        db,
        "http://x.gov.cn/b.html",
        parsed(TEXT + "\n二、2024年工作安排", title="泰顺县2024年法治政府建设年度报告"),
    )
    with db.transaction() as s:
        queued = s.scalar(select(func.count(OutboxItem.id)))
    assert queued == (2 if notify_existing else 1)  # a report found after the baseline is always news


def test_flapping_between_blocked_and_ok_alerts_once_and_recovers_once(db: Database) -> None:
    add_site(db)
    with db.transaction() as s:
        add_subscription(s, ["json://127.0.0.1:9/hook"], {})
    crawl_outcomes(db, "blocked", "ok", "blocked", "ok")
    assert alerts(db) == []  # two failures in five crawls are not an episode yet
    crawl_outcomes(db, "blocked")
    assert alerts(db) == ["site_blocked"]
    crawl_outcomes(db, *["ok", "blocked", "ok", "failed"] * 5)  # twenty more flaps, failing mixed in
    assert alerts(db) == ["site_blocked"]
    crawl_outcomes(db, "ok")
    with db.transaction() as s:
        assert get_site(s, "ts").state == "blocked", "one good crawl of a flapping site is not a recovery"
    crawl_outcomes(db, "ok")
    assert alerts(db) == ["site_blocked", "site_recovered"]
    with db.transaction() as s:
        recovered = s.scalars(select(Event).where(Event.kind == "site_recovered")).one()
        blocked = s.scalars(select(Event).where(Event.kind == "site_blocked")).one()
        assert recovered.payload["since"] == blocked.payload["since"]  # when the episode began
        assert recovered.payload["failures"] == blocked.payload["failures"] + 10
        assert get_site(s, "ts").state == "ok"
        assert s.scalar(select(func.count(OutboxItem.id))) == 2  # one delivery each, not one per crawl
    crawl_outcomes(db, "ok", "ok", "ok")
    assert alerts(db) == ["site_blocked", "site_recovered"]


def test_a_new_episode_after_a_real_recovery_is_news_again(db: Database) -> None:
    add_site(db)
    crawl_outcomes(db, "failed", "failed", "failed", "failed", "ok", "ok")
    crawl_outcomes(db, "ok", "ok", "ok", "failed", "failed", "failed")
    assert alerts(db) == ["site_failing", "site_recovered", "site_failing"]


def test_a_site_that_never_loaded_alerts_after_three_failures(db: Database) -> None:
    with db.transaction() as s:
        upsert_site(s, {"id": "ts", "name": "泰顺县司法局", "start_urls": ["http://x.gov.cn/"]})
    crawl_outcomes(db, "failed", "failed")
    assert alerts(db) == []
    crawl_outcomes(db, "failed")
    assert alerts(db) == ["site_failing"]
