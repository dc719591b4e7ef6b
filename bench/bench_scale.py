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
import math
import os
import random
import resource
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scheduler.runner import WorkerPoolRunner
from storage.database import Database
from storage.sites import upsert_site
from tests.portals.generated.compose import generate
from tests.portals.generated.news import publish_news
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

        def crawl(site_id: str) -> Any:
            outcome = runner.run(site_id, "schedule")
            ended.append(time.monotonic() - start)
            return outcome

        ended: list[float] = []
        outcomes = list(pool.map(crawl, site_ids))
    elapsed = time.monotonic() - start
    # A daemon with a backlog never waits for a pass's slowest sites (robots Crawl-delay): the rate until
    # 90 % of the crawls ended is what a continuous stream of crawls gets; the whole pass is the lower bound.
    n90 = max(math.ceil(len(ended) * 0.9), 1)
    t90 = sorted(ended)[n90 - 1]
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
        "per_minute_first_90pct": round(n90 / t90 * 60, 1),
        "worker_cpu_s_per_crawl": round((worker_cpu + reaped) / len(site_ids), 3),
        "runner_and_servers_cpu_s": round(
            (self1.ru_utime + self1.ru_stime) - (self0.ru_utime + self0.ru_stime), 1
        ),
        "pages": sum(int(o.summary.get("pages") or 0) for o in outcomes),
        "page_errors": sum(int(o.summary.get("errors") or 0) for o in outcomes),
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


def advance_one_day(db_url: str) -> None:
    """A day passes for the revisit policy: every page's next visit comes one day closer (bench only)."""
    engine = sqlalchemy.create_engine(db_url)
    with engine.begin() as conn:
        rows = conn.execute(
            sqlalchemy.text("SELECT id, next_visit_at FROM crawl_pages WHERE next_visit_at IS NOT NULL")
        )
        shifted = [{"id": r[0], "at": r[1] - timedelta(days=1)} for r in rows]
        if shifted:
            conn.execute(
                sqlalchemy.text("UPDATE crawl_pages SET next_visit_at = :at WHERE id = :id"), shifted
            )
    engine.dispose()


# Tables holding a site's data, copied by fill_database (host slots, leases and subscriptions are shared).
_SITE_TABLES = (
    "sites",
    "crawl_decisions",
    "crawl_pages",
    "crawl_runs",
    "documents",
    "reports",
    "versions",
    "events",
    "indicator_values",
    "outbox",
)
_ID_OFFSET = 10_000_000  # copy k's integer ids are the originals minus k × this (negative: no clash)


def fill_database(db_url: str, target_sites: int) -> int:
    """Grow a seeded PostgreSQL database to about ``target_sites`` sites by copying every site's rows under
    new ids (URLs and event keys made unique): the crawls measured then run against tables and indexes of
    that size. The copies are never crawled. Returns the number of sites now registered."""
    engine = sqlalchemy.create_engine(db_url)
    meta = sqlalchemy.MetaData()
    meta.reflect(engine, only=_SITE_TABLES)
    with engine.begin() as conn:
        real = conn.execute(
            sqlalchemy.text("SELECT count(*) FROM sites WHERE id NOT LIKE '%~%'")
        ).scalar_one()
        have = conn.execute(sqlalchemy.text("SELECT count(*) FROM sites")).scalar_one() // real - 1
        conn.execute(sqlalchemy.text("SET session_replication_role = replica"))  # FK checks off while copying
        for k in range(have + 1, target_sites // real):
            for name in _SITE_TABLES:
                table = meta.tables[name]
                exprs = [_copied(name, col, k) for col in table.columns]
                cols = ", ".join(f'"{c.name}"' for c in table.columns)
                where = " WHERE id > 0" if name != "sites" else " WHERE id NOT LIKE '%~%'"
                conn.execute(
                    sqlalchemy.text(
                        f'INSERT INTO "{name}" ({cols}) SELECT {", ".join(exprs)} FROM "{name}"{where}'
                    )
                )
        total = conn.execute(sqlalchemy.text("SELECT count(*) FROM sites")).scalar_one()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sqlalchemy.text("ANALYZE"))
    engine.dispose()
    return int(total)


def database_size(db_url: str) -> dict[str, Any]:
    engine = sqlalchemy.create_engine(db_url)
    with engine.connect() as conn:
        sites = conn.execute(sqlalchemy.text("SELECT count(*) FROM sites")).scalar_one()
        size = (
            conn.execute(sqlalchemy.text("SELECT pg_database_size(current_database())")).scalar_one()
            if engine.dialect.name == "postgresql"
            else 0
        )
    engine.dispose()
    return {"db_sites": int(sites), "db_mb": round(size / 2**20)}


def _copied(table: str, col: sqlalchemy.Column[Any], k: int) -> str:
    name = f'"{col.name}"'
    if col.name == "site_id" or (table == "sites" and col.name == "id"):
        return f"{name} || '~{k}'"
    if isinstance(col.type, sqlalchemy.Integer) and (col.primary_key or col.foreign_keys):
        if any(fk.column.table.name == "subscriptions" for fk in col.foreign_keys):
            return name
        return f"{name} - {k * _ID_OFFSET}"
    if (table, col.name) in {("documents", "url"), ("events", "dedup_key")}:
        return f"{name} || '#~{k}'"
    return name


def measured_pass(
    db: Database, label: str, workers: int, per_worker: int, site_ids: list[str], delay: float | None
) -> dict[str, Any]:
    """One pass over ``site_ids`` with fresh workers (they read the politeness delay and season at start)."""
    os.environ.pop("FZWATCH_DOWNLOAD_DELAY", None)
    if delay is not None:
        os.environ["FZWATCH_DOWNLOAD_DELAY"] = str(delay)
    runner = WorkerPoolRunner(db, 1800, workers=workers, sites_per_worker=per_worker, max_crawls=10_000)
    try:
        row = {
            "workers": workers,
            "per_worker": per_worker,
            "crawl": label,
            "delay": delay if delay is not None else "default",
            **one_pass(runner, site_ids, runner.capacity),
        }
    finally:
        runner.stop()
        time.sleep(2)
    print(json.dumps(row, ensure_ascii=False), flush=True)
    return row


def per_worker_count(
    args: argparse.Namespace, tmp: str, servers: list[GeneratedServer]
) -> list[dict[str, Any]]:
    """Each worker count on a fresh database: first, second ("incremental") and third ("steady") crawl."""
    results = []
    for workers in [int(w) for w in args.workers.split(",")]:
        db_url, drop = fresh_db(tmp)
        os.environ["FZWATCH_DB"] = db_url
        site_ids = register(db_url, args.sites, servers)
        db = Database(db_url)
        try:
            # "incremental" still finishes what the first crawl left (pages over its budget or cut by
            # trap guards); "steady" is the crawl a site gets right after, when nothing changed.
            for label in args.passes.split(","):
                delay = args.first_delay if label == "first" else None
                results.append(measured_pass(db, label, workers, args.sites_per_worker, site_ids, delay))
        finally:
            db.dispose()
            drop()
    return results


def seeded_days(args: argparse.Namespace, tmp: str, servers: list[GeneratedServer]) -> list[dict[str, Any]]:
    """One database seeded by two crawls of every site (``--seed-workers``, ``--first-delay``); then, per
    worker count, a day passes and a sample of sites gets its daily crawl (in the publication season:
    every channel's first page is due again); then a news day (``--news``: lists changed)."""
    db_url, drop = fresh_db(tmp)
    os.environ["FZWATCH_DB"] = db_url
    site_ids = register(db_url, args.sites, servers)
    db = Database(db_url)
    results = []
    rng = random.Random(args.sites)
    # In the publication season every channel's first page is due again after half a day: the dearest
    # daily crawl, and the season in which 50,000 site crawls a day matter.
    os.environ["FZWATCH_SEASON_MONTHS"] = ",".join(str(m) for m in range(1, 13))
    try:
        for label in ("first", "second"):
            results.append(
                measured_pass(db, label, args.seed_workers, args.sites_per_worker, site_ids, args.first_delay)
            )
        day = 0
        for entry in [e for e in args.fill_to.split(",") if e] or ["0"]:
            size, _, own_shapes = entry.partition(":")
            level = int(size)
            if level:
                start = time.monotonic()
                total = fill_database(db_url, level)
                print(f"database filled to {total} sites in {time.monotonic() - start:.0f} s", flush=True)
            shapes = [
                _shape(w, args.sites_per_worker)
                for w in (own_shapes or args.workers).replace("+", ",").split(",")
            ]
            days = [("daily, in season", shape) for shape in shapes]
            if args.news:
                days.append((f"news day ({args.news:.0%} of lists changed)", shapes[-1]))
            for label, (workers, per_worker) in days:
                day += 1
                advance_one_day(db_url)
                if label.startswith("news"):
                    changed = sum(len(publish_news(s.portal, day, args.news)) for s in servers)
                    print(f"news day: {changed} pages changed on {len(servers)} portals", flush=True)
                sample = rng.sample(site_ids, min(args.sample or len(site_ids), len(site_ids)))
                row = measured_pass(db, label, workers, per_worker, sample, None)
                results.append({**row, **database_size(db_url)})
    finally:
        os.environ["FZWATCH_SEASON_MONTHS"] = ""
        db.dispose()
        drop()
    return results


def _shape(text: str, per_worker: int) -> tuple[int, int]:
    """ "2" (2 workers, --sites-per-worker each) or "2x16" (2 workers, 16 crawls at once each)."""
    workers, _, each = text.partition("x")
    return int(workers), int(each or per_worker)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=300)
    parser.add_argument("--portals", type=int, default=20)
    parser.add_argument(
        "--workers", default="1,2,4", help='worker counts; with --seed-workers also shapes such as "2x16"'
    )
    parser.add_argument("--sites-per-worker", type=int, default=16)
    parser.add_argument(
        "--first-delay",
        type=float,
        default=None,
        help="DOWNLOAD_DELAY of the first pass (with --seed-workers: of both seeding passes); default: the project's",
    )
    parser.add_argument(
        "--seed-workers",
        type=int,
        default=0,
        help="seed one database with this many workers, then measure daily crawls per --workers count",
    )
    parser.add_argument("--sample", type=int, default=0, help="sites crawled per daily pass (default: all)")
    parser.add_argument(
        "--news", type=float, default=0.0, help="add a news day: this share of list pages changed"
    )
    parser.add_argument(
        "--fill-to",
        default="",
        help="with --seed-workers on PostgreSQL: after seeding, copy the sites' rows until the database holds "
        "this many sites, then measure the daily passes; a list measures at each size, and a size may name its own "
        'shapes ("3000,30000:2x32+4x32")',
    )
    parser.add_argument(
        "--passes",
        default="first,incremental,steady",
        help="without --seed-workers: the passes to run, in order",
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
    with tempfile.TemporaryDirectory(prefix="fzwatch-scale-") as tmp:
        servers = [GeneratedServer(generate(seed), Path(tmp) / "sites") for seed in range(args.portals)]
        for server in servers:
            server.start()
        try:
            results = (seeded_days if args.seed_workers else per_worker_count)(args, tmp, servers)
        finally:
            for server in servers:
                server.stop()
    if not args.json:
        print(
            "\n| workers × crawls at once | crawl | delay | database (sites, MB) | sites | pages | site crawls/min (first 90 %) | CPU-s/crawl | worker RSS peak (MB) | runner RSS (MB) |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        for r in results:
            print(
                f"| {r['workers']}×{r['per_worker']} | {r['crawl']} | {r['delay']} | {r.get('db_sites', '')} {r.get('db_mb', '')} | {r['sites']} | {r['pages']} | {r['per_minute']} ({r['per_minute_first_90pct']}) "
                f"| {r['worker_cpu_s_per_crawl']} | {r['worker_rss_peak_mb']} | {r['bench_process_rss_mb']} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
