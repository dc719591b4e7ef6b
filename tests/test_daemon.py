"""The daemon as users run it: a subprocess, killed with SIGKILL, restarted, stopped with SIGTERM."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from storage.database import Database
from storage.models import CrawlRun, Event, OutboxItem, Version
from storage.owners import owner_dead
from storage.sites import request_recrawl
from storage.subscriptions import add_subscription
from tests.crawl_helpers import REPO, crawl_env, register_site
from tests.portals.server import SITES_DIR, PortalServer
from tests.receivers import HttpReceiver, HttpRequest

EXPECTED = json.loads((SITES_DIR / "trs" / "expected.json").read_text(encoding="utf-8"))
EXPECTED_BY_SITE = {
    site: json.loads((SITES_DIR / site / "expected.json").read_text(encoding="utf-8"))
    for site in ("trs", "nextpage", "hanweb")
}


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


KILL_SITES = ("trs", "nextpage", "hanweb")
KEY = re.compile(r"编号：(fzw-\d+-\d+)")


class TimedReceiver(HttpReceiver):
    """Also notes the wall-clock time each request arrived (to measure the send → commit window)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: list[tuple[str, float]] = []

    def _record(self, req: HttpRequest) -> None:
        super()._record(req)
        body = (req.json or {}).get("message") or req.form.get("message", "")
        m = KEY.search(body)
        with self._lock:
            self.arrived.append((m.group(1) if m else "?", time.time()))


@dataclass
class KillFigures:
    kills: int = 0
    during_crawl: int = 0
    during_delivery: int = 0
    revisions_made: int = 0
    events: Counter[str] = field(default_factory=Counter)
    expected: int = 0
    seen: int = 0
    distinct: int = 0
    duplicates: int = 0
    losses: int = 0
    unexpected: int = 0
    window_ms: list[float] = field(default_factory=list)
    duplicates_by_target: dict[str, int] = field(default_factory=dict)

    def report(self) -> str:
        w = sorted(self.window_ms) or [0.0]
        return (
            f"kill test: kills={self.kills} (during crawl {self.during_crawl}, during delivery "
            f"{self.during_delivery}), revisions made={self.revisions_made}, events produced="
            f"{sum(self.events.values())} {dict(self.events)}, deliveries expected={self.expected}, "
            f"seen={self.seen}, distinct={self.distinct}, duplicates={self.duplicates} {self.duplicates_by_target}, "
            f"losses={self.losses}, "
            f"unexpected={self.unexpected}; arrival→commit window at the plain receiver median {w[len(w) // 2]:.0f} ms, max {w[-1]:.0f} ms"
        )


def _phase(db: Database) -> tuple[bool, bool]:
    """(a crawl is running, a delivery is in flight) right now."""
    with db.transaction() as s:
        owners = s.scalars(select(CrawlRun.owner).where(CrawlRun.status == "running"))
        crawling = any(not owner_dead(owner) for owner in owners)
        sending = s.scalar(select(func.count(OutboxItem.id)).where(OutboxItem.status == "sending")) or 0
    return crawling, sending > 0


def _revise(
    portals: dict[str, PortalServer], rng: random.Random, n: int, marks: dict[tuple[str, str], int]
) -> str:
    site = rng.choice(KILL_SITES)
    path = rng.choice(EXPECTED_BY_SITE[site]["reports"])["url"]
    portals[site].replace_text(path, "</p>", f"</p><p>第{n}次修订：新增行政复议案件{100 + n}件。</p>")
    marks[(site, path)] = n
    return site


def _expected_keys(db: Database) -> dict[int, set[str]]:
    """subscription id → the delivery keys its outbox rows stand for."""
    with db.transaction() as s:
        rows = s.execute(select(OutboxItem.subscription_id, OutboxItem.event_id)).all()
    out: dict[int, set[str]] = {}
    for sub_id, event_id in rows:
        out.setdefault(sub_id, set()).add(f"fzw-{event_id}-{sub_id}")
    return out


def test_sigkill_at_random_points_while_events_flow(db_url: str, tmp_path) -> None:
    """Several sites and subscriptions, revisions made while the daemon runs, SIGKILL at random points of
    crawls and deliveries; then one clean run. Every (event, subscription) must arrive; duplicates are
    bounded by the messages in flight at each kill, and the delivery key makes them recognizable."""
    rng = random.Random(int(os.environ.get("FZWATCH_KILL_SEED", "7")))
    rounds = int(os.environ.get("FZWATCH_KILL_ROUNDS", "10"))
    db = Database(db_url)
    fig = KillFigures()
    marks: dict[tuple[str, str], int] = {}
    with ExitStack() as stack:
        portals = {site: stack.enter_context(PortalServer(site)) for site in KILL_SITES}
        fast, slow = stack.enter_context(TimedReceiver()), stack.enter_context(TimedReceiver())
        for (
            site
        ) in KILL_SITES:  # notify_existing: first crawls alert every report, so much is in flight early
            exp = EXPECTED_BY_SITE[site]
            register_site(
                db_url, site, exp["site_name"], portals[site].url(exp["home"]), notify_existing=True
            )
        with db.transaction() as s:
            everything = add_subscription(s, [fast.url_json], {}).id
            revisions = add_subscription(s, [slow.url_form], {"events": ["new_report", "report_revised"]}).id
        log = stack.enter_context(open(tmp_path / "daemon.log", "ab"))
        for n in range(rounds):
            proc = start_daemon(db_url, log)
            slow.slow_next(rng.randint(1, 4), rng.uniform(0.5, 2.0))  # widen the send → commit window
            life = rng.uniform(1.0, 8.0)
            time.sleep(life * rng.random())
            if n:  # a report is revised (and a recrawl asked for) at a random moment of the daemon's life
                fig.revisions_made += 1
                with db.transaction() as s:
                    request_recrawl(s, _revise(portals, rng, n, marks))
            if n % 3 == 2:  # every third life ends while a message is in flight, if one is within its life
                wait_for(lambda: _phase(db)[1], life, step=0.05)
            else:
                time.sleep(life * rng.random())
            crawling, sending = _phase(db)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            fig.kills += 1
            fig.during_crawl += crawling
            fig.during_delivery += sending
        proc = start_daemon(db_url, log)
        try:
            asked = time.time() - 1
            for site in KILL_SITES:  # a final pass picks up every revision not crawled before a kill
                with db.transaction() as s:
                    request_recrawl(s, site)

            def settled() -> bool:
                with db.transaction() as s:
                    runs = list(s.scalars(select(CrawlRun)))
                    busy = s.scalar(
                        select(func.count(OutboxItem.id)).where(OutboxItem.status.in_(("pending", "sending")))
                    )
                done = {r.site_id for r in runs if r.status == "ok" and r.started_at.timestamp() >= asked}
                return done >= set(KILL_SITES) and busy == 0

            complete = wait_for(settled, 180, step=0.5)
            time.sleep(3)  # anything still to come would be a duplicate
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
        expected = _expected_keys(db)
        seen = {everything: [k for k, _ in fast.arrived], revisions: [k for k, _ in slow.arrived]}
        with db.transaction() as s:
            fig.events = Counter(kind for (kind,) in s.execute(select(Event.kind)))
            statuses = Counter(s.scalars(select(OutboxItem.status)))
            sent_at = {
                f"fzw-{e}-{sub}": t
                for e, sub, t in s.execute(
                    select(OutboxItem.event_id, OutboxItem.subscription_id, OutboxItem.sent_at)
                )
            }
            texts = [(v.document.url, v.text) for v in s.scalars(select(Version))]
            mark_urls = {portals[site].url(path): n for (site, path), n in marks.items()}
            runs = [
                (r.site_id, r.trigger, r.status, r.error)
                for r in s.scalars(select(CrawlRun).order_by(CrawlRun.id))
            ]
    for sub_id, keys in seen.items():
        fig.expected += len(expected.get(sub_id, set()))
        fig.seen += len(keys)
        fig.distinct += len(set(keys))
        fig.duplicates += len(keys) - len(set(keys))
        fig.duplicates_by_target["json" if sub_id == everything else "form (slow)"] = len(keys) - len(
            set(keys)
        )
        fig.losses += len(expected.get(sub_id, set()) - set(keys))
        fig.unexpected += len(set(keys) - expected.get(sub_id, set()))
    last_arrival = dict(fast.arrived)  # the plain receiver: the slow one stretches the window by its delays
    fig.window_ms = [
        (done.timestamp() - t) * 1000 for k, t in last_arrival.items() if (done := sent_at.get(k))
    ]
    print("\n" + fig.report())
    tail = (tmp_path / "daemon.log").read_text(errors="replace")[-3000:]
    assert complete, f"not settled: {fig.report()}; runs: {runs}; log: {tail}"
    assert fig.losses == 0 and fig.unexpected == 0, fig.report()
    assert set(statuses) == {"sent"}, statuses
    # The crawl side is checked apart: a report or revision that no crawl stored never became an event.
    missed_reports = sum(len(EXPECTED_BY_SITE[s]["reports"]) for s in KILL_SITES) - fig.events["new_report"]
    missed_revisions = [
        (url, n)
        for url, n in mark_urls.items()
        if not any(u == url and f"第{n}次修订" in text for u, text in texts)
    ]
    print(
        f"crawl side: reports never stored={missed_reports}, revisions never stored={len(missed_revisions)}"
    )
    # An interrupted crawl saves no list validators, so the next crawl reaches what the killed one did not.
    assert missed_reports == 0 and not missed_revisions, (
        f"crawl lost reports/revisions across kills; runs: {runs}"
    )
    # at-least-once: only a message in flight at a kill (one per target) can arrive twice
    assert fig.duplicates <= 2 * fig.kills, fig.report()
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
