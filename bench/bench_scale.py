"""Throughput of crawl worker processes on one machine (issue 14): site crawls a minute, CPU-seconds per site
crawl, resident memory of the scheduler side and of the workers, for 1, 2 and 4 worker processes, first and
incremental crawls (the second crawl, and "steady": the third, what a site costs day after day).

    python bench/bench_scale.py --sites 300 --portals 20 --workers 1,2,4 [--sites-per-worker 16] [--db URL]

A registry of ``--sites`` sites is served by ``--portals`` generated portals (tests/portals/generated) on
127.0.0.1: several sites share one portal (as departments share their government's 集约化 portal), each site
its own Scrapy crawler with default politeness (DOWNLOAD_DELAY 0.5 s, AutoThrottle, robots.txt). For each
worker count a fresh database gets one first and one incremental crawl of every site, fed by WorkerPoolRunner
as the daemon feeds it (one thread per crawl slot). The database is PostgreSQL when FZWATCH_TEST_PG answers
(a fresh database per run), else SQLite.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scheduler.runner import WorkerPoolRunner
from storage.database import Database
from storage.sites import upsert_site
from tests.portals.generated.compose import generate
from tests.portals.generated.serve import GeneratedServer

REGION = "浙江省温州市某县"


def fresh_db(tmp: str) -> tuple[str, Any]:
    """A migrated empty database URL and a function dropping it."""
    admin = os.environ.get("FZWATCH_TEST_PG")
    if admin:
        try:
            import psycopg

            name = f"fzw_bench_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            url = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"
            Database(url).migrate()

            def drop() -> None:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

            return url, drop
        except Exception as exc:  # noqa: BLE001 - no PostgreSQL here: measure on SQLite
            print(f"PostgreSQL not usable ({exc}); using SQLite", file=sys.stderr)
    url = f"sqlite:///{tmp}/bench-{uuid.uuid4().hex[:6]}.sqlite3"
    Database(url).migrate()
    return url, lambda: None


def register(db_url: str, n_sites: int, servers: list[GeneratedServer]) -> list[str]:
    db = Database(db_url)
    ids = []
    with db.transaction() as session:
        for i in range(n_sites):
            server = servers[i % len(servers)]
            site_id = f"s{i:05d}"
            upsert_site(
                session,
                {
                    "id": site_id,
                    "name": server.portal.name,
                    "region": REGION,
                    "start_urls": [server.url(server.portal.home)],
                    "options": {},
                },
            )
            ids.append(site_id)
    db.dispose()
    return ids


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_rss_mb(pid: int) -> float:
    """A worker with its parse pool (forkserver and its workers): the processes of its session."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            sid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[3])
        except (OSError, IndexError, ValueError):
            continue
        if sid == pid:
            total += rss_mb(int(entry.name))
    return total


def one_pass(runner: WorkerPoolRunner, site_ids: list[str], threads: int) -> dict[str, Any]:
    peak = {"workers": 0.0}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(2):
            peak["workers"] = max(peak["workers"], sum(tree_rss_mb(p) for p in runner.worker_pids()))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    children0, self0 = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = _worker_cpu(runner)
    start = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        outcomes = list(pool.map(lambda s: runner.run(s, "schedule"), site_ids))
    elapsed = time.monotonic() - start
    worker_cpu = _worker_cpu(runner) - cpu0
    done.set()
    children1, self1 = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
    reaped = (children1.ru_utime + children1.ru_stime) - (children0.ru_utime + children0.ru_stime)
    statuses: dict[str, int] = {}
    for outcome in outcomes:
        statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
    return {
        "sites": len(site_ids),
        "seconds": round(elapsed, 1),
        "per_minute": round(len(site_ids) / elapsed * 60, 1),
        "worker_cpu_s_per_crawl": round((worker_cpu + reaped) / len(site_ids), 3),
        "runner_and_servers_cpu_s": round(
            (self1.ru_utime + self1.ru_stime) - (self0.ru_utime + self0.ru_stime), 1
        ),
        "pages": sum(int(o.summary.get("pages") or 0) for o in outcomes),
        "statuses": statuses,
        "worker_rss_peak_mb": round(peak["workers"], 1),
        "bench_process_rss_mb": round(rss_mb(os.getpid()), 1),
    }


def _worker_cpu(runner: WorkerPoolRunner) -> float:
    """CPU-seconds so far of the live workers and their parse pools (processes of their sessions)."""
    pids = set(runner.worker_pids())
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) in pids:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=300)
    parser.add_argument("--portals", type=int, default=20)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--sites-per-worker", type=int, default=16)
    parser.add_argument(
        "--first-delay",
        type=float,
        default=None,
        help="DOWNLOAD_DELAY of the first pass only (seeding faster); default: the project's",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    os.environ.update(
        {
            "FZWATCH_ALLOW_PRIVATE": "1",
            "FZWATCH_LOG_LEVEL": "ERROR",
            "FZWATCH_SEASON_MONTHS": "",
            "SCRAPY_SETTINGS_MODULE": "crawler.settings",
        }
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="fzwatch-scale-") as tmp:
        servers = [GeneratedServer(generate(seed), Path(tmp) / "sites") for seed in range(args.portals)]
        for server in servers:
            server.start()
        try:
            for workers in [int(w) for w in args.workers.split(",")]:
                db_url, drop = fresh_db(tmp)
                os.environ["FZWATCH_DB"] = db_url
                site_ids = register(db_url, args.sites, servers)
                db = Database(db_url)
                try:
                    # "incremental" still finishes what the first crawl left (pages over its budget or cut by
                    # trap guards); "steady" is the crawl a site gets day after day once that is done.
                    for label in ("first", "incremental", "steady"):
                        # Workers read the politeness delay at start: a runner (new workers) per pass.
                        delay = (
                            args.first_delay if label == "first" and args.first_delay is not None else None
                        )
                        os.environ.pop("FZWATCH_DOWNLOAD_DELAY", None)
                        if delay is not None:
                            os.environ["FZWATCH_DOWNLOAD_DELAY"] = str(delay)
                        runner = WorkerPoolRunner(db, 1800, workers, args.sites_per_worker, max_crawls=10_000)
                        try:
                            row = {
                                "workers": workers,
                                "crawl": label,
                                "delay": delay if delay is not None else "default",
                                **one_pass(runner, site_ids, runner.capacity),
                            }
                        finally:
                            runner.stop()
                            time.sleep(2)
                        results.append(row)
                        print(json.dumps(row, ensure_ascii=False), flush=True)
                finally:
                    db.dispose()
                    drop()
        finally:
            for server in servers:
                server.stop()
    if not args.json:
        print(
            "\n| workers | crawl | delay | sites | site crawls/min | CPU-s/crawl | worker RSS peak (MB) | runner RSS (MB) |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for r in results:
            print(
                f"| {r['workers']} | {r['crawl']} | {r['delay']} | {r['sites']} | {r['per_minute']} | {r['worker_cpu_s_per_crawl']} "
                f"| {r['worker_rss_peak_mb']} | {r['bench_process_rss_mb']} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
