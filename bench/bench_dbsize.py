"""Database size per site per year: a year of daily crawls of a typical site, measured on SQLite.

    python bench/bench_dbsize.py [--site trs] [--crawls 8] [--revisions 4]

A fixture portal (tests/portals/sites/trs: a county TRS portal with several years of reports among news
and near-misses) is served on 127.0.0.1 and crawled as the daemon crawls it (a child process per crawl). The
first crawl stores the site's history; each further daily crawl adds what a quiet day adds (a crawl-run
record; crawl bookkeeping and decisions are replaced, not added). ``--revisions`` report pages are edited
and recrawled to measure what a new version costs. The year is: first crawl + 364 × a quiet crawl +
the revisions (a typical site publishes or revises a few reports a year). Sizes are the pages in use
after a WAL checkpoint (page_count − freelist_count) × page_size; per table from SQLite's dbstat.
Figures: docs/scale.md "Database at scale".
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storage.database import Database
from storage.models import Version
from tests.crawl_helpers import register_site, run_crawl
from tests.portals.server import SITES_DIR, PortalServer


def used_bytes(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages, free, size = (
            conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count", "freelist_count", "page_size")
        )
    return (pages - free) * size


def run_row_bytes(path: Path) -> float:
    """Average stored size of a crawl-run row: its columns plus ~64 bytes of header, rowid and index entries."""
    with sqlite3.connect(path) as conn:
        sql = (
            "SELECT avg(length(stats) + length(coalesce(error, '')) + length(coalesce(owner, ''))"
            ' + length(status) + length("trigger") + length(site_id) * 2 + 64) FROM crawl_runs'
        )
        return float(conn.execute(sql).fetchone()[0] or 0)


def per_table(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        try:
            rows = conn.execute(
                "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
            ).fetchall()
        except sqlite3.OperationalError:  # SQLite built without dbstat
            return {}
    return {name: int(size) for name, size in rows}


def parsed_ratio(url: str) -> tuple[int, int]:
    """(bytes stored, bytes as plain JSON) of every version's parse result."""
    db = Database(url)
    stored = plain = 0
    with db.engine.connect() as conn:
        for (raw,) in conn.exec_driver_sql("SELECT parsed FROM versions"):
            stored += len(bytes(raw))
    with db.transaction() as s:
        for version in s.query(Version):
            plain += len(json.dumps(version.parsed, ensure_ascii=False).encode("utf-8"))
    db.dispose()
    return stored, plain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", default="trs")
    parser.add_argument("--crawls", type=int, default=8, help="quiet crawls measured after the first")
    parser.add_argument("--revisions", type=int, default=4, help="report pages edited and recrawled")
    args = parser.parse_args()
    expected = json.loads((SITES_DIR / args.site / "expected.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp, PortalServer(args.site) as server:
        path = Path(tmp) / "size.sqlite3"
        url = f"sqlite:///{path}"
        Database(url).migrate()
        register_site(url, "site", expected["site_name"], server.url(expected["home"]))
        empty = used_bytes(path)
        run_crawl(url, "site")
        first = used_bytes(path) - empty
        for _ in range(args.crawls):
            run_crawl(url, "site")
        # A quiet crawl adds one crawl-run row and replaces the bookkeeping: less than a page, so the page
        # count cannot show it; the row's own bytes (+ rowid, index entries, record header) can.
        quiet = max((used_bytes(path) - empty - first) / max(args.crawls, 1), run_row_bytes(path))
        before = used_bytes(path)
        reports = [r["url"] for r in expected["reports"]][: args.revisions]
        for n, report in enumerate(reports):
            body = (server.site_dir / report.lstrip("/")).read_bytes()
            server.set_page(report, body.replace(b"</p>", f"（更正{n}）</p>".encode(), 1))
        run_crawl(url, "site")
        revision = (used_bytes(path) - before - quiet) / max(len(reports), 1)
        year = first + 364 * quiet + len(reports) * revision
        stored, plain = parsed_ratio(url)
        run_row_bytes_seen = run_row_bytes(path)
        tables = per_table(path)
    print(f"first crawl (site history): {first / 1024:.0f} KB")
    print(
        f"quiet daily crawl:          {quiet / 1024:.2f} KB (crawl-run row {run_row_bytes_seen / 1024:.2f} KB)"
    )
    print(f"new report version:         {revision / 1024:.1f} KB")
    print(f"one year (365 crawls, {len(reports)} revisions): {year / 1024 / 1024:.2f} MB per site")
    print(f"parse results: {stored / 1024:.0f} KB stored compressed vs {plain / 1024:.0f} KB as JSON")
    print(
        "largest tables and indexes after the year's sample:",
        ", ".join(f"{k} {v / 1024:.0f} KB" for k, v in list(tables.items())[:8]),
    )


if __name__ == "__main__":
    main()
