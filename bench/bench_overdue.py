"""The hourly overdue check and `fzwatch coverage` at scale: 3,000 sites and 30,000 reports.

    python bench/bench_overdue.py [--sites 3000] [--reports 30000] [--pg postgresql://postgres@127.0.0.1:5432/test]

The dataset is tests/scale_data.py (bulk INSERTs) with two active subscriptions (every event fans out to
the outbox). Measured: the first overdue check (raises every missing report: many events, written in
short batches), the steady-state hourly check (nothing new), coverage of one year, and coverage cold (a
one-shot `fzwatch coverage` process: publisher names not memoised yet) and warm, the longest single
write transaction of the check (what a crawl process writing the same SQLite file waits for at most).
With --pg a scratch database is created there and dropped after. Figures: docs/scale.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, event, text

from scheduler.conditions import check_conditions
from storage.coverage import coverage
from storage.database import Database
from storage.subscriptions import add_subscription
from tests.scale_data import generate

TODAY = date(2025, 6, 1)


@contextmanager
def scratch_pg(url: str) -> Any:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()


def longest_transaction(db: Database) -> list[float]:
    """Durations of every write transaction (BEGIN … COMMIT) on the engine, appended as they end."""
    spans: list[float] = []
    started: dict[int, float] = {}
    event.listen(db.engine, "begin", lambda conn: started.__setitem__(id(conn), time.perf_counter()))
    event.listen(
        db.engine, "commit", lambda conn: spans.append(time.perf_counter() - started.pop(id(conn), 0.0))
    )
    return spans


def measure(url: str, sites: int, reports: int) -> dict[str, Any]:
    db = Database(url)
    db.migrate()
    counts = generate(db, sites, reports)
    with db.transaction() as s:
        for target in ("json://127.0.0.1:9/a", "json://127.0.0.1:9/b"):
            add_subscription(s, [target], {}, mode="immediate")
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    t0 = time.perf_counter()
    with db.transaction() as s:
        coverage(s, 2023, today=TODAY)  # cold: nothing memoised yet (a one-shot `fzwatch coverage`)
    cold = time.perf_counter() - t0
    spans = longest_transaction(db)
    t0 = time.perf_counter()
    raised = check_conditions(db, today=TODAY)
    first = time.perf_counter() - t0
    longest = max(spans) if spans else 0.0
    t0 = time.perf_counter()
    again = check_conditions(db, today=TODAY)
    steady = time.perf_counter() - t0
    t0 = time.perf_counter()
    with db.transaction() as s:
        rows = coverage(s, 2024, today=TODAY)
    cov = time.perf_counter() - t0
    db.dispose()
    return {
        "backend": db.engine.dialect.name,
        **counts,
        "raised": raised,
        "again": again,
        "first_check_s": first,
        "longest_write_tx_s": longest,
        "hourly_check_s": steady,
        "coverage_s": cov,
        "coverage_cold_s": cold,
        "coverage_rows": len(rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=3000)
    parser.add_argument("--reports", type=int, default=30000)
    parser.add_argument("--pg", help="PostgreSQL URL: also measure there (scratch database)")
    args = parser.parse_args()
    os.environ.setdefault("FZWATCH_SECRET_KEY", Fernet.generate_key().decode())
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(measure(f"sqlite:///{tmp}/bench.sqlite3", args.sites, args.reports))
    if args.pg:
        with scratch_pg(args.pg) as url:
            results.append(measure(url, args.sites, args.reports))
    print(
        "| backend | sites | reports | first check (events) | longest write tx | hourly check | coverage cold / warm (rows) |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['backend']} | {r['sites']} | {r['reports']} | {r['first_check_s']:.2f} s ({r['raised']}) "
            f"| {r['longest_write_tx_s']:.3f} s | {r['hourly_check_s']:.2f} s | {r['coverage_cold_s']:.2f} s / {r['coverage_s']:.2f} s "
            f"({r['coverage_rows']}) |"
        )


if __name__ == "__main__":
    main()
