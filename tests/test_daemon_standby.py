"""Hot standby (issue 14): several daemons on one database, exactly one schedules; when it dies, another
takes over within the lease time. Also: `recrawl` says when no daemon runs, SIGTERM leaves no `failed` run."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage import leases
from storage.database import Database
from storage.models import CrawlRun
from storage.sites import request_recrawl
from tests.crawl_helpers import REPO, crawl_env, register_site
from tests.portals.server import PortalServer
from tests.test_daemon import wait_for

LEASE_SECONDS = "3"


def start(db_url: str, log_path: Path) -> subprocess.Popen[bytes]:
    env = crawl_env(db_url, FZWATCH_LEASE_SECONDS=LEASE_SECONDS)
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "cli.main", "daemon", "--sync-seconds", "1"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=log,
        )


def lease_pid(db: Database) -> int | None:
    with db.transaction() as s:
        lease = leases.holder(s, leases.SCHEDULER)
        return int(lease.owner.split(":")[1]) if lease else None


def finished_runs(db: Database) -> int:
    with db.transaction() as s:
        return int(s.scalar(select(func.count(CrawlRun.id)).where(CrawlRun.finished_at.is_not(None))))


@pytest.mark.slow
def test_one_daemon_schedules_and_a_standby_takes_over(db_url: str, tmp_path: Path) -> None:
    db = Database(db_url)
    with PortalServer("nextpage") as server:
        register_site(db_url, "np", "新蒲新区", server.url("/xwzx/tzgg/"))
        first = start(db_url, tmp_path / "a.log")
        second = None
        try:
            assert wait_for(lambda: lease_pid(db) == first.pid, 30), "the first daemon takes the lease"
            second = start(db_url, tmp_path / "b.log")
            assert wait_for(lambda: finished_runs(db) >= 1, 120), "the leader crawls the new site"
            assert wait_for(lambda: "standing by" in (tmp_path / "b.log").read_text(errors="replace"), 30)
            assert lease_pid(db) == first.pid
            runs = finished_runs(db)
            assert runs == 1, "the standby does not crawl the site a second time"
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            assert wait_for(lambda: lease_pid(db) == second.pid, 4 * float(LEASE_SECONDS) + 10), (
                "the standby takes the lease once it expires"
            )
            with db.transaction() as s:
                request_recrawl(s, "np")
            assert wait_for(lambda: finished_runs(db) > runs, 120), "the new leader serves a manual recrawl"
        finally:
            for proc in (first, second):
                if proc is not None and proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
                    proc.wait(60)
    with db.transaction() as s:
        statuses = set(s.scalars(select(CrawlRun.status)))
    assert "failed" not in statuses, statuses
    db.dispose()


def test_recrawl_says_when_no_daemon_runs(sqlite_url: str) -> None:
    register_site(sqlite_url, "np", "新蒲新区", "http://127.0.0.1:9/")
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", "recrawl", "np"],
        cwd=REPO,
        env=crawl_env(sqlite_url),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0
    assert "没有正在运行的守护进程" in proc.stderr and "fzwatch crawl np" in proc.stderr


def test_lease_is_exclusive_and_expires(sqlite_url: str) -> None:
    from datetime import timedelta

    db = Database(sqlite_url)
    with db.transaction() as s:
        assert leases.acquire(s, "scheduler", "a", timedelta(seconds=30))
    with db.transaction() as s:
        assert not leases.acquire(s, "scheduler", "b", timedelta(seconds=30))
        assert leases.acquire(s, "scheduler", "a", timedelta(seconds=30)), "the holder renews"
    with db.transaction() as s:
        assert leases.acquire(s, "scheduler", "a", timedelta(seconds=-1))  # expire it now
    with db.transaction() as s:
        assert leases.holder(s, "scheduler") is None
        assert leases.acquire(s, "scheduler", "b", timedelta(seconds=30)), "an expired lease is taken over"
    db.dispose()
