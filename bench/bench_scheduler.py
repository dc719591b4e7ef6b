"""The daemon's own cost with a large registry (issue 14): how long it takes to schedule every site, the
daemon process's resident memory and CPU over a window of real crawling, the crawls it completes meanwhile,
and how long SIGTERM takes to stop it — with 3,000 and 30,000 sites.

    python bench/bench_scheduler.py --sites 3000,30000 --seconds 180

Each registry is served by ``--portals`` generated portals (tests/portals/generated) on 127.0.0.1; the real
`fzwatch daemon --runner pool` runs (2 crawl workers × 8 sites), on PostgreSQL when
FZWATCH_TEST_PG answers (a fresh database per size), else SQLite. First crawls of a large registry are spread
over the first interval by design, so the window measures the scheduler under a trickle of due crawls, not
worker throughput (bench/bench_scale.py measures that).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import REGION, fresh_db, rss_mb, tree_rss_mb
from sqlalchemy import func, select

from storage.database import Database
from storage.models import CrawlRun, Site
from tests.portals.generated.compose import generate
from tests.portals.generated.serve import GeneratedServer

REPO = Path(__file__).resolve().parents[1]


def register_many(db_url: str, n_sites: int, servers: list[GeneratedServer]) -> float:
    """Bulk insert (30,000 ORM upserts would measure the registry import, not the scheduler)."""
    start = time.monotonic()
    db = Database(db_url)
    rows = [
        {
            "id": f"s{i:05d}",
            "name": servers[i % len(servers)].portal.name,
            "region": REGION,
            "start_urls": [servers[i % len(servers)].url(servers[i % len(servers)].portal.home)],
            "options": {},
            "enabled": True,
        }
        for i in range(n_sites)
    ]
    with db.transaction() as session:
        for chunk in range(0, len(rows), 1000):
            session.execute(Site.__table__.insert(), rows[chunk : chunk + 1000])
    db.dispose()
    return time.monotonic() - start


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_pids(daemon_pid: int) -> list[int]:
    """The daemon's crawl workers: its children that lead their own session."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == daemon_pid and int(fields[3]) == int(entry.name):
            pids.append(int(entry.name))
    return pids


def one_size(n_sites: int, seconds: float, servers: list[GeneratedServer], tmp: str) -> dict[str, Any]:
    db_url, drop = fresh_db(tmp)
    try:
        insert_s = register_many(db_url, n_sites, servers)
        log_path = Path(tmp) / f"daemon-{n_sites}.log"
        env = {
            **os.environ,
            "FZWATCH_DB": db_url,
            "FZWATCH_DATA": str(Path(tmp) / f"data-{n_sites}"),
            "FZWATCH_ALLOW_PRIVATE": "1",
            "FZWATCH_SEASON_MONTHS": "",
        }
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "cli.main", "daemon", "--runner", "pool"],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=log,
            )
        start = time.monotonic()
        scheduled_after = None
        peak_daemon = peak_workers = 0.0
        while time.monotonic() - start < seconds and proc.poll() is None:
            time.sleep(2)
            text = log_path.read_text(errors="replace")
            if scheduled_after is None and text.count("scheduled site ") >= n_sites:
                scheduled_after = time.monotonic() - start
            peak_daemon = max(peak_daemon, rss_mb(proc.pid))
            peak_workers = max(peak_workers, sum(tree_rss_mb(p) for p in worker_pids(proc.pid)))
        daemon_cpu = cpu_seconds(proc.pid)
        window = time.monotonic() - start
        stop_at = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(300)
        except subprocess.TimeoutExpired:
            proc.kill()
        stop_s = time.monotonic() - stop_at
        db = Database(db_url)
        with db.transaction() as session:
            statuses = dict(
                session.execute(
                    select(CrawlRun.status, func.count(CrawlRun.id)).group_by(CrawlRun.status)
                ).all()
            )
        db.dispose()
        return {
            "sites": n_sites,
            "insert_s": round(insert_s, 1),
            "all_scheduled_after_s": round(scheduled_after, 1) if scheduled_after is not None else None,
            "window_s": round(window, 1),
            "daemon_cpu_s": round(daemon_cpu, 1),
            "daemon_rss_peak_mb": round(peak_daemon, 1),
            "workers_rss_peak_mb": round(peak_workers, 1),
            "runs": statuses,
            "sigterm_to_exit_s": round(stop_s, 1),
            "exit_code": proc.returncode,
        }
    finally:
        drop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", default="3000,30000")
    parser.add_argument("--portals", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--logs", type=Path, help="keep each daemon log in this directory")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="fzwatch-sched-") as tmp:
        servers = [GeneratedServer(generate(seed), Path(tmp) / "sites") for seed in range(args.portals)]
        for server in servers:
            server.start()
        try:
            for n in [int(x) for x in args.sites.split(",")]:
                row = one_size(n, args.seconds, servers, tmp)
                if args.logs:
                    args.logs.mkdir(parents=True, exist_ok=True)
                    shutil.copy(Path(tmp) / f"daemon-{n}.log", args.logs / f"daemon-{n}.log")
                results.append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)
        finally:
            for server in servers:
                server.stop()
    print(
        "\n| sites | all scheduled after | daemon RSS peak | daemon CPU in window | crawl runs | SIGTERM → exit |"
    )
    print("|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['sites']:,} | {r['all_scheduled_after_s']} s | {r['daemon_rss_peak_mb']} MB "
            f"| {r['daemon_cpu_s']} s / {r['window_s']} s | {r['runs']} | {r['sigterm_to_exit_s']} s |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
