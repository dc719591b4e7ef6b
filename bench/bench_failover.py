"""Kill and takeover times with the daemon's default settings (issue 14): how long after a SIGKILL of the
scheduling daemon its standby holds the scheduler lease, how long after that a manual recrawl starts, and how
long after a SIGKILL of a crawl worker its run is closed.

    python bench/bench_failover.py [--kills 3]

Two `fzwatch daemon` processes (default FZWATCH_LEASE_SECONDS, pool runner) share one database
(PostgreSQL when FZWATCH_TEST_PG answers, else SQLite) and crawl fixture portals on 127.0.0.1
(tests/portals). The tests check the same behaviour with short leases (tests/test_daemon_standby.py,
tests/test_distributed.py, tests/test_crawl_worker.py); this measures it as shipped.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import fresh_db
from bench_scheduler import worker_pids
from sqlalchemy import select

from storage import leases
from storage.database import Database
from storage.models import CrawlRun
from storage.sites import request_recrawl
from tests.crawl_helpers import REPO, register_site
from tests.portals.server import PortalServer


def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.1) -> float | None:
    """Seconds until ``predicate`` held, or None."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(step)
    return None


def lease_pid(db: Database) -> int | None:
    with db.transaction() as s:
        lease = leases.holder(s, leases.SCHEDULER)
        return int(lease.owner.split(":")[1]) if lease else None


def runs(db: Database, site: str) -> list[CrawlRun]:
    with db.transaction() as s:
        found = list(s.scalars(select(CrawlRun).where(CrawlRun.site_id == site).order_by(CrawlRun.id)))
        s.expunge_all()
        return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=3)
    args = parser.parse_args(argv)
    results: dict[str, Any] = {"takeover_s": [], "recrawl_after_takeover_s": [], "worker_run_closed_s": []}
    with tempfile.TemporaryDirectory(prefix="fzwatch-failover-") as tmp:
        db_url, drop = fresh_db(tmp)
        env = {
            **os.environ,
            "FZWATCH_DB": db_url,
            "FZWATCH_DATA": str(Path(tmp) / "data"),
            "FZWATCH_ALLOW_PRIVATE": "1",
            "FZWATCH_SEASON_MONTHS": "",
            "FZWATCH_DOWNLOAD_DELAY": "1",  # a crawl lasts long enough to be killed in the middle
        }
        env.pop("FZWATCH_LEASE_SECONDS", None)
        servers = [PortalServer("nextpage").__enter__() for _ in range(2)]
        db = Database(db_url)
        procs: dict[str, subprocess.Popen[bytes]] = {}

        def start(name: str) -> None:
            with open(Path(tmp) / f"{name}.log", "ab") as log:
                procs[name] = subprocess.Popen(
                    [sys.executable, "-m", "cli.main", "daemon", "--sync-seconds", "1", "--runner", "pool"],
                    cwd=REPO,
                    env=env,
                    stdout=log,
                    stderr=log,
                )

        try:
            for i, server in enumerate(servers):
                register_site(db_url, f"s{i}", f"站点{i}", server.url("/xwzx/tzgg/"))
            start("a")
            assert wait_for(lambda: lease_pid(db) == procs["a"].pid, 60) is not None
            start("b")
            time.sleep(5)
            for _ in range(args.kills):
                leader = next(n for n, p in procs.items() if p.pid == lease_pid(db))
                other = "b" if leader == "a" else "a"
                procs[leader].send_signal(signal.SIGKILL)
                procs[leader].wait()
                took = wait_for(lambda other=other: lease_pid(db) == procs[other].pid, 180)
                results["takeover_s"].append(round(took, 1) if took is not None else None)
                before = len(runs(db, "s0"))
                with db.transaction() as s:
                    request_recrawl(s, "s0")
                started = wait_for(lambda before=before: len(runs(db, "s0")) > before, 120)
                results["recrawl_after_takeover_s"].append(round(started, 1) if started is not None else None)
                start(leader)  # back, as the standby
                time.sleep(3)
            # A crawl worker killed mid-crawl: its run is closed with the reason at once.
            leader_pid = lease_pid(db)
            assert leader_pid is not None
            with db.transaction() as s:
                request_recrawl(s, "s1")
            wait_for(lambda: any(r.status == "running" for r in runs(db, "s1")), 120)
            time.sleep(2)
            for pid in worker_pids(leader_pid):
                os.kill(pid, signal.SIGKILL)
            killed_at = time.monotonic()
            closed = wait_for(lambda: all(r.status != "running" for r in runs(db, "s1")), 120)
            results["worker_run_closed_s"].append(round(closed, 1) if closed is not None else None)
            results["worker_run_status"] = [(r.status, r.error) for r in runs(db, "s1")][-1]
            results["worker_kill_to_close_wall_s"] = round(time.monotonic() - killed_at, 1)
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in procs.values():
                try:
                    proc.wait(60)
                except subprocess.TimeoutExpired:
                    proc.kill()
            for server in servers:
                server.__exit__(None, None, None)
            db.dispose()
            drop()
    takeovers = [t for t in results["takeover_s"] if t is not None]
    results["takeover_median_s"] = statistics.median(takeovers) if takeovers else None
    print(json.dumps(results, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
