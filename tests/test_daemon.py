"""The daemon as users run it: a subprocess, killed with SIGKILL, restarted, stopped with SIGTERM."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select

from storage.database import Database
from storage.models import CrawlRun
from storage.sites import request_recrawl
from storage.subscriptions import add_subscription
from tests.crawl_helpers import REPO, crawl_env, register_site
from tests.portals.server import SITES_DIR, PortalServer
from tests.receivers import HttpReceiver

EXPECTED = json.loads((SITES_DIR / "trs" / "expected.json").read_text(encoding="utf-8"))


def start_daemon(db_url: str, log) -> subprocess.Popen[bytes]:  # type: ignore[no-untyped-def]
    cmd = [sys.executable, "-m", "cli.main", "daemon", "--sync-seconds", "1"]
    return subprocess.Popen(cmd, cwd=REPO, env=crawl_env(db_url), stdout=log, stderr=log)


def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


@pytest.fixture
def portal() -> Iterator[PortalServer]:
    with PortalServer("trs") as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with HttpReceiver() as r:
        yield r


def titles_received(receiver: HttpReceiver) -> Counter[str]:
    seen: Counter[str] = Counter()
    for req in list(receiver.requests):
        text = (req.json or {}).get("title", "") + (req.json or {}).get("message", "")
        for report in EXPECTED["reports"]:
            if report["title"] in text:
                seen[report["title"]] += 1
    return seen


def test_sigkill_at_random_points_loses_and_duplicates_nothing(
    db_url: str, portal: PortalServer, receiver: HttpReceiver, tmp_path
) -> None:
    # notify_existing: the first crawl alerts every report, so there is something to lose or duplicate.
    register_site(db_url, "trs", EXPECTED["site_name"], portal.url(EXPECTED["home"]), notify_existing=True)
    db = Database(db_url)
    with db.transaction() as s:
        add_subscription(s, [receiver.url_json], {"events": ["new_report"]})
    rng = random.Random(int(os.environ.get("FZWATCH_KILL_SEED", "7")))
    kills = 0
    with open(tmp_path / "daemon.log", "ab") as log:
        for _ in range(6):
            proc = start_daemon(db_url, log)
            time.sleep(rng.uniform(0.3, 3.0))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
        proc = start_daemon(db_url, log)
        try:
            complete = wait_for(lambda: len(titles_received(receiver)) == len(EXPECTED["reports"]), 120)
            time.sleep(3)  # anything still to come would be a duplicate
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    seen = titles_received(receiver)
    print(f"kills={kills} deliveries={sum(seen.values())} distinct={len(seen)}")
    assert complete, f"lost alerts: got {dict(seen)}; log: {(tmp_path / 'daemon.log').read_text()[-2000:]}"
    assert all(n == 1 for n in seen.values()), f"duplicated alerts: {dict(seen)}"
    db.dispose()


def test_recrawl_is_picked_up_within_seconds_and_sigterm_stops_cleanly(
    sqlite_url: str, portal: PortalServer, tmp_path
) -> None:
    register_site(sqlite_url, "trs", EXPECTED["site_name"], portal.url(EXPECTED["home"]))
    db = Database(sqlite_url)

    def runs() -> list[CrawlRun]:
        with db.transaction() as s:
            return list(s.scalars(select(CrawlRun).order_by(CrawlRun.id)))

    with open(tmp_path / "daemon.log", "ab") as log:
        proc = start_daemon(sqlite_url, log)
        try:
            assert wait_for(lambda: any(r.status == "ok" for r in runs()), 60), "first scheduled crawl"
            with db.transaction() as s:
                request_recrawl(s, "trs")
            asked = time.monotonic()
            assert wait_for(lambda: any(r.trigger == "recrawl" for r in runs()), 10)
            assert time.monotonic() - asked < 5.0 + 0.5
            # a site added while the daemon runs is scheduled without a restart
            register_site(sqlite_url, "trs-copy", "泰顺县人民政府（副本）", portal.url(EXPECTED["home"]))
            assert wait_for(lambda: any(r.site_id == "trs-copy" for r in runs()), 30)
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=60)
    assert code == 0
    assert wait_for(lambda: all(r.status != "running" for r in runs()), 10), "nothing left half-done"
    db.dispose()
