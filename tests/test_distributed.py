"""Distributed runner (issue 14) and two daemons on one PostgreSQL (issue 12), end to end: a real RabbitMQ on
127.0.0.1, three `fzwatch worker` processes, `fzwatch daemon`s, fixture portals, PostgreSQL.

A worker is killed the way a machine dies: its whole process group and the crawl process it started."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from kombu import Connection
from sqlalchemy import func, select

from scheduler.celery_runner import CeleryRunner
from storage import leases
from storage.database import Database
from storage.models import CrawlRun, Event, OutboxItem
from storage.sites import request_recrawl
from storage.subscriptions import add_subscription
from tests.crawl_helpers import REPO, crawl_env, register_site
from tests.portals.server import PortalServer, Request, Response
from tests.receivers import HttpReceiver
from tests.test_daemon import wait_for

BROKER = os.environ.get("FZWATCH_TEST_BROKER", "amqp://guest:guest@127.0.0.1:5672//")
pytestmark = [pytest.mark.slow, pytest.mark.parametrize("db_url", ["postgres"], indirect=True)]


@pytest.fixture
def queue() -> Iterator[str]:
    """A queue of this test's own on the real broker, deleted afterwards (skip when no broker answers)."""
    name = f"fzwatch.test.{uuid.uuid4().hex[:10]}"
    try:
        with Connection(BROKER, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:  # noqa: BLE001 - any failure to connect means: no broker here
        pytest.skip(f"no AMQP broker at {BROKER}: {exc}")
    yield name
    with Connection(BROKER) as conn:
        channel = conn.channel()
        try:
            channel.queue_delete(name)
        finally:
            channel.close()


class Cluster:
    """Workers and daemons as separate processes, each in its own process group, logging to files."""

    def __init__(self, db_url: str, queue: str, logs: Path) -> None:
        self.env = crawl_env(
            db_url,
            FZWATCH_BROKER=BROKER,
            FZWATCH_QUEUE=queue,
            FZWATCH_LEASE_SECONDS="3",
            FZWATCH_SITE_LEASE_SECONDS="6",
            FZWATCH_SECRET_KEY=Fernet.generate_key().decode(),
        )
        self.logs = logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        # Workers get only the database and broker URLs: no secret key, and a key file path of their own, so
        # a worker that touched the encrypted subscription URLs would fail or leave a new key file there.
        self.worker_key_file = logs / "worker-data" / "secret.key"
        self.worker_env = {k: v for k, v in self.env.items() if k != "FZWATCH_SECRET_KEY"}
        self.worker_env["FZWATCH_SECRET_KEY_FILE"] = str(self.worker_key_file)

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        with open(self.logs / f"{name}.log", "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "cli.main", *args],
                cwd=REPO,
                env=env or self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        self.procs[name] = proc
        return proc

    def worker(self, name: str) -> subprocess.Popen[bytes]:
        return self.start(
            name, "worker", "--concurrency", "1", "--hostname", f"{name}@%h", env=self.worker_env
        )

    def daemon(self, name: str) -> subprocess.Popen[bytes]:
        return self.start(name, "daemon", "--sync-seconds", "1")

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def kill(self, name: str, db: Database | None = None) -> None:
        """SIGKILL a process group; for a worker also the crawl it runs (its own group), as when a host dies."""
        crawls = running_crawl_pids(db) if db is not None else []
        os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait(10)
        for pid in crawls:
            _killpg(pid)

    def close(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                _killpg(proc.pid)


def _killpg(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def running_crawl_pids(db: Database) -> list[int]:
    with db.transaction() as s:
        owners = s.scalars(select(CrawlRun.owner).where(CrawlRun.status == "running"))
        return [int(o.split(":")[1]) for o in owners if o and o.count(":") == 2]


def statuses(db: Database) -> list[str]:
    with db.transaction() as s:
        return list(s.scalars(select(CrawlRun.status)))


def slow_start(server: PortalServer, gate: threading.Event) -> None:
    """The portal's list page answers only once `gate` is set: a crawl of it is reliably in progress."""
    page = (server.site_dir / "xwzx/tzgg/index.html").read_bytes()

    def handler(_request: Request) -> Response:
        gate.wait(60)
        return Response(200, page, {"Content-Type": "text/html; charset=utf-8"}, conditional=False)

    server.add_route("/xwzx/tzgg/index.html", handler)
    server.add_route("/xwzx/tzgg/", handler)


def check_no_double_announcement(db: Database) -> int:
    """Each report is announced once (one event, one outbox row for the one subscription target)."""
    with db.transaction() as s:
        per_report = s.execute(
            select(Event.report_id, func.count(Event.id))
            .where(Event.kind == "new_report")
            .group_by(Event.report_id)
        ).all()
        outbox = s.scalar(
            select(func.count(OutboxItem.id))
            .join(Event, Event.id == OutboxItem.event_id)
            .where(Event.kind == "new_report")
        )
    assert per_report, "the crawls announced their reports"
    assert all(n == 1 for _, n in per_report), f"a report announced twice: {per_report}"
    assert outbox == len(per_report), "one outbox row per announcement (one subscription target)"
    return len(per_report)


LOG_LINE = re.compile(
    r"^(\S+ \S+) INFO crawler\.distributed: (crawling|crawl of) (\S+) \(run (\d+)\)", re.MULTILINE
)


def crawl_intervals(logs: list[str]) -> dict[str, list[tuple[datetime, datetime]]]:
    """Per site, the [start, end] of every crawl as the workers logged them."""
    started: dict[str, datetime] = {}
    spans: dict[str, list[tuple[datetime, datetime]]] = {}
    for text in logs:
        for stamp, what, site, run in LOG_LINE.findall(text):
            at = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f")
            if what == "crawling":
                started[run] = at
            elif run in started:
                spans.setdefault(site, []).append((started.pop(run), at))
    return spans


def assert_never_two_at_once(spans: dict[str, list[tuple[datetime, datetime]]]) -> None:
    for site, runs in spans.items():
        runs.sort()
        for (_, end), (start, _) in pairwise(runs):
            assert start >= end, f"site {site} crawled by two workers at once: {runs}"


def test_crawls_spread_over_workers_and_a_killed_worker_s_site_completes_elsewhere(
    db_url: str, queue: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(db_url)
    cluster = Cluster(db_url, queue, tmp_path)
    monkeypatch.setenv("FZWATCH_SECRET_KEY", cluster.env["FZWATCH_SECRET_KEY"])
    gate = threading.Event()
    servers = [PortalServer("nextpage") for _ in range(3)]
    try:
        for i, server in enumerate(servers):
            server.__enter__()
            register_site(db_url, f"s{i}", f"站点{i}", server.url("/xwzx/tzgg/"), notify_existing=True)
        slow_start(servers[0], gate)
        with db.transaction() as s:
            add_subscription(s, ["json://127.0.0.1:9/"], {})
        for n in range(3):
            cluster.worker(f"w{n}")
        runner = CeleryRunner(db, BROKER, timeout_seconds=300, queue=queue)
        outcomes: dict[str, str] = {}
        threads = [
            threading.Thread(
                target=lambda sid=f"s{i}": outcomes.__setitem__(sid, runner.run(sid, "schedule").status)
            )
            for i in range(3)
        ]
        for t in threads:
            t.start()
        # s0 hangs on its list page; find the worker crawling it and kill that "host".
        # Generous waits: on a loaded 2-core machine one crawl of the fixture portal can take 40 s.
        assert wait_for(lambda: any("crawling s0" in cluster.log(f"w{n}") for n in range(3)), 180)
        victim = next(f"w{n}" for n in range(3) if "crawling s0" in cluster.log(f"w{n}"))
        assert wait_for(lambda: len(outcomes) == 2, 180), "the other sites finish meanwhile"
        killed_at = datetime.now()
        cluster.kill(victim, db)
        gate.set()
        for t in threads:
            t.join(180)
        crawled_on = {n for n in range(3) if "crawling s" in cluster.log(f"w{n}")}
        assert len(crawled_on) >= 2, "crawls are spread over the workers"
        others = [f"w{n}" for n in range(3) if f"w{n}" != victim]
        assert wait_for(lambda: any("crawling s0" in cluster.log(w) for w in others), 120), (
            "the killed worker's site is taken by another worker"
        )
        assert wait_for(lambda: "running" not in statuses(db), 180)
        with db.transaction() as s:
            s0 = list(s.scalars(select(CrawlRun.status).where(CrawlRun.site_id == "s0")))
        assert "ok" in s0, f"s0 completes on another worker: {s0}"
        check_no_double_announcement(db)
        assert not cluster.worker_key_file.exists(), "workers queue announcements without the secret key"
        retaken = min(
            datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f")
            for w in others
            for stamp, what, site, _ in LOG_LINE.findall(cluster.log(w))
            if what == "crawling" and site == "s0"
        )
        print(
            f"\nworker SIGKILLed mid-crawl -> its site started on another worker {(retaken - killed_at).total_seconds():.1f} s later"
        )
    finally:
        gate.set()
        cluster.close()
        for server in servers:
            server.__exit__(None, None, None)
        db.dispose()


def leader_pid(db: Database) -> int | None:
    with db.transaction() as s:
        lease = leases.holder(s, leases.SCHEDULER)
        return int(lease.owner.split(":")[1]) if lease else None


def ok_runs(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        rows = s.execute(
            select(CrawlRun.site_id, func.count(CrawlRun.id))
            .where(CrawlRun.status == "ok")
            .group_by(CrawlRun.site_id)
        ).all()
    return {site: int(n) for site, n in rows}


def test_daemons_fail_over_while_workers_crawl_and_nothing_runs_or_is_delivered_twice(
    db_url: str, queue: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12's fault injection on the distributed runner: two daemons, the scheduling one SIGKILLed at
    random moments (and restarted as the standby) while manual recrawls are under way."""
    db = Database(db_url)
    cluster = Cluster(db_url, queue, tmp_path)
    monkeypatch.setenv("FZWATCH_SECRET_KEY", cluster.env["FZWATCH_SECRET_KEY"])
    sites = ["a0", "a1", "a2"]
    servers = [PortalServer("nextpage") for _ in sites]
    receiver = HttpReceiver().start()
    rng = random.Random(14)
    try:
        for site, server in zip(sites, servers, strict=True):
            server.__enter__()
            register_site(db_url, site, f"站点{site}", server.url("/xwzx/tzgg/"), notify_existing=True)
        with db.transaction() as s:
            add_subscription(s, [receiver.url_json], {"events": ["new_report"]})
        for n in range(3):
            cluster.worker(f"w{n}")
        daemons = {"d0": cluster.daemon("d0")}
        assert wait_for(lambda: leader_pid(db) == daemons["d0"].pid, 30), "the first daemon schedules"
        daemons["d1"] = cluster.daemon("d1")
        assert wait_for(lambda: all(ok_runs(db).get(x, 0) >= 1 for x in sites), 120), (
            "first crawls on the workers"
        )
        for round_ in range(3):
            with db.transaction() as s:
                for site in sites:
                    request_recrawl(s, site)
            time.sleep(rng.uniform(0.5, 4.0))  # a random moment: request taken, crawl queued or running
            leader = next(name for name, proc in daemons.items() if proc.pid == leader_pid(db))
            standby = next(name for name in daemons if name != leader)
            cluster.kill(leader)
            killed = time.monotonic()
            standby_pid = daemons[standby].pid
            assert wait_for(lambda pid=standby_pid: leader_pid(db) == pid, 30), (
                f"round {round_}: the standby takes over"
            )
            print(
                f"\nround {round_}: standby holds the scheduler lease {time.monotonic() - killed:.1f} s after the kill"
            )
            daemons[leader] = cluster.daemon(leader)  # back, as the standby
        # Every round's requests are served: each site has been crawled again since its first crawl.
        assert wait_for(lambda: all(ok_runs(db).get(x, 0) >= 2 for x in sites), 120), ok_runs(db)
        before = ok_runs(db)["a0"]
        with db.transaction() as s:
            request_recrawl(s, "a0")
        asked = time.monotonic()
        assert wait_for(lambda: ok_runs(db)["a0"] > before, 60), "a manual recrawl reaches a worker"
        print(f"manual recrawl asked -> crawl finished on a worker in {time.monotonic() - asked:.1f} s")
        assert wait_for(lambda: "running" not in statuses(db), 60)
        announced = check_no_double_announcement(db)
        assert wait_for(lambda: len(receiver.requests) >= announced, 60), "every announcement is delivered"
        time.sleep(3)  # a duplicate delivery would arrive now
        bodies = [r.raw for r in receiver.requests]
        assert len(bodies) == announced and len(set(bodies)) == len(bodies), (
            "each announcement delivered once"
        )
        assert_never_two_at_once(crawl_intervals([cluster.log(f"w{n}") for n in range(3)]))
        assert "failed" not in statuses(db)
        assert not cluster.worker_key_file.exists(), "workers queue announcements without the secret key"
        logs = "".join(cluster.log(f"w{n}") for n in range(3))
        crawls = len(re.findall(r"crawler\.distributed: crawl of \S+ \(run \d+\) ended", logs))
        starts = len(re.findall(r"crawler\.worker_pool: crawl worker \d+ started", logs))
        print(f"{crawls} crawls on the workers, {starts} crawl processes started")
        assert 0 < starts < crawls, "a worker's crawl process takes many crawls, not one each"
    finally:
        cluster.close()
        receiver.stop()
        for server in servers:
            server.__exit__(None, None, None)
        db.dispose()
