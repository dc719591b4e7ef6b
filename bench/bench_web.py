"""Web app response times over a large generated database: 10,000 reports, 100,000 indicator values.

    python bench/bench_web.py [--pg postgresql://postgres@127.0.0.1:5432/test] [--no-sqlite]
                              [--repeat 5] [--json]

Rows are generated (500 sites in 25 regions, 5 publishers × 4 years per site, report texts built from
a real report with varied numbers, 10 indicator values per report) and inserted with bulk INSERTs; the
search index fills through the migration's triggers as in production. The app is served by waitress on
127.0.0.1 and each URL is fetched ``--repeat`` times after one warm-up; the median is printed.
Without --pg only SQLite is measured; with it, a scratch database is created there and dropped after.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from parsers import parse_page
from storage.database import Database
from storage.models import Document, IndicatorValue, Report, Site, Version
from tests.portals.server import SITES_DIR
from tests.web_data import serving
from web.app import create_app

N_SITES, PUBLISHERS, YEARS = 500, 5, (2021, 2022, 2023, 2024)
KEYS = [
    "reconsideration_received",
    "reconsideration_corrected",
    "reconsideration_correction_rate",
    "litigation_received",
    "litigation_lost",
    "litigation_loss_rate",
    "head_appearance_rate",
    "legality_review_coverage",
    "law_exam_pass_rate",
    "fines_amount",
]
AGENCIES = ["人民政府", "司法局", "市场监督管理局", "生态环境局", "自然资源局"]
URLS = [
    ("page", "/"),
    ("page", "/reports"),
    ("page", "/reports?q=行政复议+纠错率"),
    ("page", "/reports?region=省03&year=2023"),
    ("page", "/reports/5000"),
    ("page", "/coverage?region=省03"),
    ("page", "/indicators?key=reconsideration_received"),
    ("page", "/events"),
    ("page", "/sites"),
    ("api", "/api/reports?per_page=50"),
    ("api", "/api/reports?q=行政复议+纠错率"),
    ("api", "/api/reports/5000"),
    ("api", "/api/indicators?key=reconsideration_received"),
    ("api", "/api/coverage?region=省03&year=2023"),
    ("api", "/api/reports/export?format=csv&year=2024"),
]


def sample_text() -> str:
    expected = json.loads((SITES_DIR / "trs" / "expected.json").read_text(encoding="utf-8"))
    url = expected["reports"][0]["url"]
    body = (SITES_DIR / "trs" / url.lstrip("/")).read_bytes()
    return parse_page("http://x" + url, body, {"content-type": "text/html; charset=utf-8"}).text


def generate(db: Database) -> None:
    base = sample_text()
    now = datetime.now(UTC)
    raw = zlib.compress(b"<html></html>")
    sites, docs, versions, reports, values = [], [], [], [], []
    rid = 0
    for s in range(N_SITES):
        region = f"省{s % 25:02d}市{s:03d}县"
        sites.append(
            {
                "id": f"site{s:03d}",
                "name": f"{region}人民政府",
                "region": region,
                "start_urls": ["http://x/"],
                "options": {"expected_publishers": [f"{region}{a}" for a in AGENCIES[1:]]},
                "state": "ok" if s % 10 else "failing",
                "baseline_done": True,
                "last_crawl_at": now,
            }
        )
        for p, agency in enumerate(AGENCIES[:PUBLISHERS]):
            for year in YEARS:
                rid += 1
                text = base.replace("105件", f"{rid % 300}件").replace("纠错29件", f"纠错{rid % 40}件")
                if rid % 3:
                    text = text.replace("行政复议", "复议")  # a third of reports do not say 行政复议 in full
                docs.append(
                    {
                        "id": rid,
                        "site_id": f"site{s:03d}",
                        "url": f"http://x/{s}/{p}/{year}.html",
                        "is_report": True,
                        "first_seen": now - timedelta(days=rid % 900),
                    }
                )
                versions.append(
                    {
                        "id": rid,
                        "document_id": rid,
                        "version_no": 1,
                        "title": f"{region}{agency}{year}年法治政府建设年度报告",
                        "content_hash": hashlib.sha256(text.encode()).hexdigest(),
                        "text": text,
                        "raw_zlib": raw,
                        "raw_sha256": "0" * 64,
                        "parsed": {},
                        "fetched_at": now,
                    }
                )
                reports.append(
                    {
                        "id": rid,
                        "document_id": rid,
                        "site_id": f"site{s:03d}",
                        "title": f"{region}{agency}{year}年法治政府建设年度报告",
                        "agency": f"{region}{agency}",
                        "region": region,
                        "year": year,
                        "published_at": f"{year + 1}-03-{1 + rid % 28:02d}",
                        "first_seen": now,
                        "on_time": rid % 7 != 0,
                        "complete": rid % 5 != 0,
                        "sections": ["measures", "shortcomings", "responsibility", "plan"],
                        "latest_version_id": rid,
                    }
                )
                values += [
                    {
                        "report_id": rid,
                        "version_id": rid,
                        "key": k,
                        "value": float((rid * (i + 3)) % 500),
                        "unit": "%" if k.endswith(("rate", "coverage")) else "件",
                        "text": f"{k} 原文句子",
                    }
                    for i, k in enumerate(KEYS)
                ]
    with db.transaction() as session:
        for model, rows in (
            (Site, sites),
            (Document, docs),
            (Version, versions),
            (Report, reports),
            (IndicatorValue, values),
        ):
            for i in range(0, len(rows), 2000):
                session.execute(insert(model), rows[i : i + 2000])
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    print(f"generated {len(reports)} reports, {len(values)} indicator values", file=sys.stderr)


def fetch(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=300) as resp:
        resp.read()
        assert resp.status == 200, url
    return (time.perf_counter() - start) * 1000


def measure(db: Database, repeat: int) -> list[dict[str, Any]]:
    out = []
    with serving(create_app(db, token="bench")) as base:
        for kind, path in URLS:
            url = base + urllib.parse.quote(path, safe="/?&=+")
            fetch(url)  # warm-up
            times = [fetch(url) for _ in range(repeat)]
            out.append({"kind": kind, "path": path, "median_ms": round(statistics.median(times), 1)})
            print(f"{kind:4} {statistics.median(times):9.1f} ms  {path}", file=sys.stderr)
    return out


def run(url: str, repeat: int) -> list[dict[str, Any]]:
    db = Database(url)
    db.migrate()
    generate(db)
    try:
        return measure(db, repeat)
    finally:
        db.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg", help="PostgreSQL admin URL: a scratch database is created there")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL")
    args = ap.parse_args()
    results: dict[str, Any] = {}
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            print("== SQLite", file=sys.stderr)
            results["sqlite"] = run(f"sqlite:///{tmp}/bench.sqlite3", args.repeat)
    if args.pg:
        import psycopg

        name = f"fzw_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            print("== PostgreSQL", file=sys.stderr)
            results["postgresql"] = run(args.pg.rsplit("/", 1)[0] + "/" + name, args.repeat)
        finally:
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
