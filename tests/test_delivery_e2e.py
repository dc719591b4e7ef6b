"""Crawl → event → outbox → digest delivered at its time, through a real crawl of a fixture portal."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from alerting.schedule import next_digest_time, parse_digest_option
from scheduler.delivery import deliver_due, drain
from storage.database import Database
from storage.models import OutboxItem, utcnow
from storage.subscriptions import add_subscription
from tests.crawl_helpers import register_site, run_crawl
from tests.portals.server import SITES_DIR, PortalServer
from tests.receivers import HttpReceiver, SmtpReceiver

EXPECTED = json.loads((SITES_DIR / "trs" / "expected.json").read_text(encoding="utf-8"))


def test_revisions_found_by_a_crawl_arrive_as_one_digest_at_its_time(db_url: str) -> None:
    db = Database(db_url)
    digest = parse_digest_option("daily@08:30")
    with PortalServer("trs") as portal, HttpReceiver() as hook, SmtpReceiver() as smtp:
        register_site(db_url, "trs", EXPECTED["site_name"], portal.url(EXPECTED["home"]))
        with db.transaction() as s:
            add_subscription(
                s,
                [hook.url_json, smtp.url()],
                {"sites": ["trs"], "events": ["report_revised"]},
                mode="digest",
                digest=digest,
            )
            add_subscription(s, [hook.url_form], {"events": ["report_revised"]})  # immediate, for contrast
        assert run_crawl(db_url, "trs")["status"] == "ok"  # baseline: nothing queued
        revised = EXPECTED["reports"][:2]
        for n, report in enumerate(revised, 1):
            portal.replace_text(report["url"], "</p>", f"</p><p>补充说明{n}：全年新增行政复议案件{n}件。</p>")
        assert run_crawl(db_url, "trs")["revisions"] == 2
        assert drain(db).sent == 2  # the immediate subscription's two messages, now
        assert len(hook.requests) == 2 and smtp.messages == []
        slot = next_digest_time(digest, utcnow())
        with db.transaction() as s:
            due = {
                r.next_attempt_at
                for r in s.scalars(select(OutboxItem).where(OutboxItem.subscription_id == 1))
            }
        assert due == {slot}
        assert deliver_due(db, now=slot - timedelta(minutes=1)).sent == 0
        assert deliver_due(db, now=slot).sent == 4  # two events × two targets
        [digest_post] = hook.requests[2:]
        [mail] = smtp.messages
    title = digest_post.json["title"]
    assert title.startswith(f"【fzwatch 汇总】{slot.month}月{slot.day}日 共2条（报告修订2）")
    assert mail.subject == title
    for report in revised:
        assert "".join(report["title"].split()) in digest_post.json["message"]
        assert "".join(report["title"].split()) in mail.text("plain")
    assert "编号：fzw-digest-1-" in digest_post.json["message"]
    db.dispose()
