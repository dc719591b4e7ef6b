"""A generated registry and report set at scale, for the set-based coverage/overdue test and
bench/bench_overdue.py: counties in provinces, each site expecting its own government and a few
departments, reports for most publishers and years (some late, some only on another site, some by bodies
the site does not expect, some pages no longer classified as reports). Bulk INSERTs; deterministic."""

from __future__ import annotations

import random
import zlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from storage.database import Database
from storage.models import Document, Report, Site, Version
from storage.publishers import expected_publishers

DEPARTMENTS = ["司法局", "财政局", "市场监督管理局"]
YEARS = (2022, 2023, 2024)


def _site_rows(n_sites: int, rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for s in range(n_sites):
        region = f"浙江省第{s // 30:03d}市第{s:04d}县"
        options: dict[str, Any] = {"expected_publishers": [f"{region}{d}" for d in DEPARTMENTS[: 1 + s % 3]]}
        if s % 17 == 0:
            options["expect_own_report"] = False
        if s % 11 == 0:
            options["deadlines"] = {"government": [4, 15]}
        rows.append(
            {
                "id": f"s{s:05d}",
                "name": f"{region}人民政府",
                "region": region,
                "start_urls": ["http://x/"],
                "options": options,
                "enabled": s % 29 != 0,
                "baseline_done": s % 13 != 0,
                "state": "ok",
            }
        )
    return rows


def generate(db: Database, n_sites: int, n_reports: int, seed: int = 7) -> dict[str, int]:
    """``n_sites`` sites and about ``n_reports`` reports; returns the counts inserted."""
    rng = random.Random(seed)
    sites = _site_rows(n_sites, rng)
    publishers = {row["id"]: [p.name for p in expected_publishers(Site(**row))] for row in sites}
    now = datetime.now(UTC)
    raw = zlib.compress(b"<html></html>")
    docs: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []
    reports: list[dict[str, Any]] = []
    per_site = max(1, n_reports // n_sites)
    rid = 0
    for row in sites:
        names = publishers[row["id"]] or [row["name"]]
        for _ in range(per_site):
            rid += 1
            year = rng.choice(YEARS)
            roll = rng.random()
            if roll < 0.08:  # a body the site does not expect, or no agency at all
                agency = rng.choice([f"{row['region']}教育局", None])
                site_id = row["id"]
            elif roll < 0.15:  # found on a neighbouring site: still credited to its publisher
                agency, site_id = rng.choice(names), sites[rng.randrange(len(sites))]["id"]
            else:
                agency, site_id = rng.choice(names), row["id"]
            day = rng.randint(1, 28)
            month = rng.choice([2, 3, 3, 3, 4, 5])
            docs.append(
                {
                    "id": rid,
                    "site_id": site_id,
                    "url": f"http://x/{site_id}/{rid}.html",
                    "is_report": rng.random() > 0.03,
                    "first_seen": now,
                }
            )
            versions.append(
                {
                    "id": rid,
                    "document_id": rid,
                    "version_no": 1,
                    "title": f"{agency}{year}年报告",
                    "content_hash": f"{rid:064d}",
                    "text": "报告",
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
                    "site_id": site_id,
                    "title": f"{agency}{year}年法治政府建设年度报告",
                    "agency": agency,
                    "region": row["region"],
                    "year": year,
                    "published_at": None if rng.random() < 0.1 else f"{year + 1}-{month:02d}-{day:02d}",
                    "first_seen": now,
                    "on_time": None if rng.random() < 0.1 else month <= 3,
                    "on_time_first_seen": month <= 3,
                    "complete": rng.random() > 0.2,
                    "sections": ["measures", "plan"] if rng.random() < 0.5 else [],
                    "latest_version_id": rid,
                }
            )
    with db.transaction() as session:
        for model, rows in ((Site, sites), (Document, docs), (Version, versions), (Report, reports)):
            for i in range(0, len(rows), 2000):
                session.execute(insert(model), rows[i : i + 2000])
    return {"sites": len(sites), "reports": len(reports)}
