"""The outbox as subscribers feel it: real apprise delivery to local receivers, on SQLite and PostgreSQL.

Delivery keys, digests due at their slot and sent as one message per (subscription, target),
exponential backoff with jitter up to the horizon, failed rows in the log, slow and failing
targets isolated from the others.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from alerting.schedule import next_digest_time, parse_digest_option
from scheduler.delivery import Deliverer, deliver_due, delivery_key
from storage.database import Database
from storage.events import emit_event
from storage.models import OutboxItem, utcnow
from storage.outbox import outbox_log, retry_delay
from storage.sites import get_site, upsert_site
from storage.subscriptions import add_subscription, get_subscription, update_subscription
from tests.receivers import HttpReceiver, SmtpReceiver

KEY = re.compile(r"编号：(fzw-[0-9a-z-]+)$")


@pytest.fixture
def http() -> Iterator[HttpReceiver]:
    with HttpReceiver() as receiver:
        yield receiver


@pytest.fixture
def site_db(db: Database) -> Database:
    with db.transaction() as s:
        upsert_site(
            s,
            {
                "id": "ts",
                "name": "泰顺县司法局",
                "region": "浙江省温州市泰顺县",
                "start_urls": ["http://x.gov.cn/"],
            },
        )
    return db


def report(i: int) -> dict:
    return {
        "site_id": "ts",
        "site_name": "泰顺县司法局",
        "region": "浙江省温州市泰顺县",
        "agency": "泰顺县司法局",
        "title": f"泰顺县司法局{1900 + i}年法治政府建设年度报告",
        "year": 1900 + i,
        "on_time": True,
        "published_at": "2025-03-20",
        "url": f"http://x.gov.cn/art/{i}.html",
    }


def emit(db: Database, n: int, start: int = 0, kind: str = "new_report") -> list[int]:
    with db.transaction() as s:
        site = get_site(s, "ts")
        return [emit_event(s, kind, site, report(i)).id for i in range(start, start + n)]  # type: ignore[union-attr]


def subscribe(db: Database, urls: list[str], digest: str | None = None, **filters: object) -> int:
    with db.transaction() as s:
        if digest:
            return add_subscription(
                s, urls, dict(filters), mode="digest", digest=parse_digest_option(digest)
            ).id
        return add_subscription(s, urls, dict(filters)).id


def bodies(receiver: HttpReceiver) -> list[str]:
    return [(r.json or {}).get("message") or r.form.get("message", "") for r in receiver.requests]


def keys(receiver: HttpReceiver) -> list[str]:
    return [m.group(1) for b in bodies(receiver) if (m := KEY.search(b))]


def rows(db: Database) -> list[OutboxItem]:
    with db.transaction() as s:
        return list(s.scalars(select(OutboxItem).order_by(OutboxItem.id)))


# -- keys --------------------------------------------------------------------------------------


def test_every_message_ends_with_a_stable_delivery_key(site_db: Database, http: HttpReceiver) -> None:
    sub = subscribe(site_db, [http.url_json, http.url_form])
    [event] = emit(site_db, 1)
    http.fail_next(1, 503)  # the json target fails once: its retry must carry the same key
    first = deliver_due(site_db, base_delay=0)
    assert (first.sent, first.retried) == (1, 1)
    assert deliver_due(site_db, now=utcnow() + timedelta(seconds=1)).sent == 1
    assert keys(http) == [f"fzw-{event}-{sub}"] * 3  # the failed attempt, the form copy, the retry
    assert all(b.endswith(f"\n\n编号：fzw-{event}-{sub}") for b in bodies(http))
    assert deliver_due(site_db, now=utcnow() + timedelta(hours=1)).sent == 0  # sent means sent once


def test_long_messages_are_split_and_each_part_keyed(
    site_db: Database, http: HttpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(__import__("scheduler.alerts.channels").alerts.channels._MAX_BODY_BYTES, "json", 700)
    sub = subscribe(site_db, [http.url_json], digest="daily@08:30")
    emit(site_db, 12)
    with site_db.transaction() as s:
        slot = next_digest_time(get_subscription(s, sub).digest, utcnow())
    assert deliver_due(site_db, now=slot).sent == 12
    parts = http.requests
    assert len(parts) > 1
    for i, req in enumerate(parts, 1):
        assert req.json["title"].endswith(f"（{i}/{len(parts)}）")
        assert len((req.json["title"] + "\r\n" + req.json["message"]).encode()) <= 700
        assert KEY.search(req.json["message"]).group(1).endswith(f"-p{i}of{len(parts)}")  # type: ignore[union-attr]
    joined = "".join(bodies(http))
    assert all(f"泰顺县司法局{1900 + i}年" in joined for i in range(12)), "split, not truncated"


# -- digests -----------------------------------------------------------------------------------


def test_digest_waits_for_its_slot_and_is_one_message_per_target(
    site_db: Database, http: HttpReceiver
) -> None:
    """More events than one claim batch (100) and two targets: still exactly one message per target."""
    with HttpReceiver() as other:
        sub = subscribe(site_db, [http.url_json, other.url_form], digest="weekly@wed 21:05")
        emit(site_db, 120)
        now = utcnow()
        slot = next_digest_time({"every": "weekly", "weekday": "wed", "at": "21:05"}, now)
        assert {r.next_attempt_at for r in rows(site_db)} == {slot}
        assert deliver_due(site_db, now=slot - timedelta(seconds=1)).sent == 0
        assert http.requests == [] and other.requests == []
        assert deliver_due(site_db, now=slot).sent == 240
        assert len(http.requests) == 1 and len(other.requests) == 1
        [form_body] = bodies(other)
    title = http.requests[0].json["title"]
    assert title.startswith("【fzwatch 汇总】") and "共120条" in title and "—" in title  # a week's range
    assert all(f"{1900 + i}年" in form_body for i in range(120))
    [digest_key] = keys(http)
    assert digest_key.startswith(f"fzw-digest-{sub}-") and keys(other) == [digest_key]


def test_changing_a_subscription_to_digest_reschedules_what_is_waiting(
    site_db: Database, http: HttpReceiver
) -> None:
    sub = subscribe(site_db, [http.url_json])
    emit(site_db, 3)
    with site_db.transaction() as s:
        update_subscription(
            s, get_subscription(s, sub), mode="digest", digest=parse_digest_option("daily@07:15")
        )
    assert deliver_due(site_db).sent == 0
    slot = rows(site_db)[0].next_attempt_at
    assert deliver_due(site_db, now=slot).sent == 3 and len(http.requests) == 1


# -- retries -----------------------------------------------------------------------------------


def test_backoff_doubles_with_jitter() -> None:
    for attempts in range(1, 8):
        delays = [retry_delay(attempts, 30) for _ in range(200)]
        nominal = 30 * 2 ** (attempts - 1)
        assert nominal * 0.8 <= min(delays) < max(delays) <= nominal * 1.2
    assert retry_delay(40, 30) <= 6 * 3600 * 1.2  # capped


def test_down_target_is_retried_until_the_horizon_then_failed_and_logged(
    site_db: Database, http: HttpReceiver
) -> None:
    with HttpReceiver() as down:
        url = down.url_json.replace("json://", "json://hookuser:pw-s3cret@")
    sub = subscribe(site_db, [url, http.url_json])  # target 0 refuses connections, target 1 works
    [event] = emit(site_db, 1)
    created = rows(site_db)[0].created_at
    horizon = timedelta(hours=2)
    now, gaps = utcnow(), []
    for _ in range(30):
        stats = deliver_due(site_db, horizon=horizon, base_delay=60, now=now, timeout=2)
        item = rows(site_db)[0]
        if item.status == "failed":
            break
        gaps.append((item.next_attempt_at - now).total_seconds())
        now = item.next_attempt_at
    assert item.status == "failed" and stats.failed == 1
    assert now == created + horizon, "the last retry is at the horizon itself"
    assert len(gaps) == item.attempts - 1 >= 5
    for n, gap in enumerate(gaps[:-1]):  # every gap but the one clipped to the horizon
        assert 60 * 2**n * 0.8 <= gap <= 60 * 2**n * 1.2
    assert [r.status for r in rows(site_db)] == ["failed", "sent"] and len(http.requests) == 1
    with site_db.transaction() as s:
        [logged] = outbox_log(s, failed_only=True)
    assert (logged["event_id"], logged["subscription_id"], logged["status"]) == (event, sub, "failed")
    assert "Connection" in logged["last_error"] and "pw-s3cret" not in logged["last_error"]


def test_failure_holds_back_only_its_own_target(site_db: Database, http: HttpReceiver) -> None:
    with HttpReceiver() as flaky:
        subscribe(site_db, [flaky.url_json])
        subscribe(site_db, [http.url_json])
        emit(site_db, 4)
        flaky.fail_next(1, 500)
        stats = deliver_due(site_db, base_delay=0)
        # the flaky target's first message failed: its other three wait for the retry with it
        assert len(flaky.requests) == 1 and len(http.requests) == 4
        assert (stats.sent, stats.retried) == (4, 4)
        assert deliver_due(site_db, now=utcnow() + timedelta(seconds=1)).sent == 4
        assert len(keys(flaky)) == 5 and len(set(keys(flaky))) == 4


def _wait_for(predicate, timeout: float) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError("timed out")
        time.sleep(0.01)
    return time.monotonic() - started


def test_slow_target_never_delays_a_fast_one(site_db: Database, http: HttpReceiver) -> None:
    """deliver_due sends targets in parallel; the daemon's Deliverer does not even wait for the slow one."""
    with HttpReceiver() as fast:
        subscribe(site_db, [http.url_json])  # the slow one
        subscribe(site_db, [fast.url_json])
        http.slow_next(3, 3.0)
        emit(site_db, 1)
        started = time.monotonic()
        worker = threading.Thread(target=deliver_due, args=(site_db,))
        worker.start()
        fast_latency = _wait_for(lambda: len(fast.requests) == 1, 5)
        worker.join()
        slow_round = time.monotonic() - started
        assert fast_latency < 1.0 and slow_round >= 3.0
        print(
            f"deliver_due: fast target {fast_latency * 1000:.0f} ms, round with slow target {slow_round:.1f} s"
        )

        deliverer = Deliverer(site_db, workers=4)
        try:
            emit(site_db, 1, start=1)
            started = time.monotonic()
            assert deliverer.poll() == 2  # both targets started, poll returned at once
            assert time.monotonic() - started < 1.0
            first = _wait_for(lambda: len(fast.requests) == 2, 5)
            emit(site_db, 1, start=2)  # the slow target is still busy with the previous event
            started = time.monotonic()
            assert deliverer.poll() == 1  # only the idle (fast) target is claimed
            second = _wait_for(lambda: len(fast.requests) == 3, 5)
            _wait_for(lambda: deliverer.busy() == 0, 10)
            assert deliverer.poll() == 1  # the slow target now gets its waiting message
            _wait_for(lambda: deliverer.busy() == 0, 10)
        finally:
            deliverer.close()
        print(
            f"Deliverer: fast target {first * 1000:.0f} ms and {second * 1000:.0f} ms while the slow one took 3 s"
        )
        assert first < 1.0 and second < 1.0
        assert len(http.requests) == 3 and len(set(keys(http))) == 3


def test_rows_of_a_cancelled_subscription_are_not_sent(site_db: Database, http: HttpReceiver) -> None:
    sub = subscribe(site_db, [http.url_json])
    emit(site_db, 2)
    with site_db.transaction() as s:
        get_subscription(s, sub).active = False
    assert deliver_due(site_db).sent == 0 and http.requests == []
    assert {r.status for r in rows(site_db)} == {"failed"}


def test_mail_through_the_outbox(site_db: Database) -> None:
    with SmtpReceiver() as smtp:
        sub = subscribe(site_db, [smtp.url(to="legal@example.org")])
        [event] = emit(site_db, 1)
        assert deliver_due(site_db).sent == 1
        [mail] = smtp.messages
    assert mail.subject == "【新报告】泰顺县司法局1900年法治政府建设年度报告"
    assert mail.rcpt_tos == ["legal@example.org"]
    assert f"fzw-{event}-{sub}" in mail.text("plain")


def test_key_of_a_digest_depends_only_on_its_events() -> None:
    from storage.outbox import Delivery

    now = utcnow()
    a = Delivery([1, 2], 7, "json://h/x", "digest", [(3, "new_report", {}), (9, "new_report", {})], 1, now)
    b = Delivery([5, 6], 7, "json://h/x", "digest", [(9, "new_report", {}), (3, "new_report", {})], 2, now)
    assert (
        delivery_key(a)
        == delivery_key(b)
        != delivery_key(Delivery([1], 7, "", "digest", [(3, "x", {})], 1, now))
    )
