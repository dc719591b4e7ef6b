"""Crawl generated portals with the real spider and score what it stored against each answer key.

Each batch of portals is served on 127.0.0.1, registered in a fresh SQLite database (options empty: the
registry never names the idiom) and crawled by one child process (several sites per Scrapy process);
batches run in parallel. Scores: per-portal recall, false reports (stored reports that are not
expected), requests robots.txt forbids.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from storage.database import Database
from storage.reports import list_reports
from storage.sites import upsert_site
from tests.crawl_helpers import REPO, crawl_env
from tests.portals.generated.compose import generate
from tests.portals.generated.model import GeneratedPortal
from tests.portals.generated.serve import GeneratedServer

REGION = "浙江省温州市某县"
UA = "fzwatch"
BATCH_TIMEOUT = 900  # seconds for one child crawling a batch
_MIGRATING = threading.Lock()


@dataclass
class PortalResult:
    seed: int
    site_id: str
    expected: dict[str, Any]
    found: list[str] = field(default_factory=list)  # expected report URLs the crawl stored
    missed: list[str] = field(default_factory=list)
    missed_fetched: list[str] = field(default_factory=list)  # missed although the crawl fetched them
    false_reports: list[tuple[str, str]] = field(default_factory=list)  # (path, kind)
    robots_violations: list[str] = field(default_factory=list)
    requests: int = 0
    bytes: int = 0
    cut: int = 0  # pages the crawl's trap guards cut
    status: str = ""
    error: str = ""

    @property
    def recall(self) -> float:
        total = len(self.expected["reports"])
        return len(self.found) / total if total else 1.0

    @property
    def ok(self) -> bool:
        return not self.missed and not self.false_reports and not self.robots_violations and not self.error

    def repro(self) -> str:
        return f"python -m tests.portals.generated check --seeds {self.seed}"


@dataclass
class CrawlCost:
    """Requests and bytes the portal's server saw during one crawl (robots.txt included)."""

    requests: int
    bytes: int


def parse_seeds(text: str) -> list[int]:
    """``0-199``, ``17`` or ``1,5,9-12``."""
    seeds: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if re.fullmatch(r"\d+-\d+", part):
            low, high = (int(x) for x in part.split("-"))
            seeds.extend(range(low, high + 1))
        elif part.isdigit():
            seeds.append(int(part))
        else:
            raise ValueError(f"种子列表 {text!r} 无效：请写成 0-199、17 或 1,5,9-12")
    return seeds


def normalize(url_or_path: str) -> str:
    """Path + sorted query, without ``;jsessionid=…``, scheme, host or fragment."""
    parts = urlsplit(url_or_path)
    path = re.sub(r";jsessionid=[^/?#]*", "", parts.path, flags=re.IGNORECASE) or "/"
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return f"{path}?{query}" if query else path


def check(seeds: Iterable[int], jobs: int = 2, batch_size: int | None = None) -> list[PortalResult]:
    """Generate, serve, crawl and score every seed; results in seed order."""
    seeds = list(seeds)
    if not seeds:
        return []
    size = batch_size or max(1, min(50, math.ceil(len(seeds) / max(jobs, 1))))
    batches = [seeds[i : i + size] for i in range(0, len(seeds), size)]
    with ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool:
        results = [r for batch in pool.map(lambda b: crawl_batch(b)[0], batches) for r in batch]
    return sorted(results, key=lambda r: r.seed)


def crawl_batch(seeds: list[int], crawls: int = 1) -> tuple[list[PortalResult], list[list[CrawlCost]]]:
    """Serve and crawl one batch ``crawls`` times into one fresh database; score the last crawl.

    Returns the results and, per crawl, the cost each portal's server saw."""
    portals = [generate(seed) for seed in seeds]
    with tempfile.TemporaryDirectory(prefix="fzwatch-gencheck-") as tmp:
        db_url = f"sqlite:///{tmp}/gen.sqlite3"
        with _MIGRATING:  # Alembic's op/context proxies are module globals: one migration at a time
            Database(db_url).migrate()
        servers = [GeneratedServer(p, Path(tmp) / "sites") for p in portals]
        for server in servers:
            server.start()
        try:
            _register(db_url, portals, servers)
            costs: list[list[CrawlCost]] = []
            status: dict[str, dict[str, Any]] = {}
            first: dict[str, dict[str, Any]] = {}
            error = ""
            for _ in range(crawls):
                for server in servers:
                    server.clear_log()
                status, error = _run_child(db_url, [p.site_id for p in portals])
                first = first or status
                costs.append([CrawlCost(len(s.requests), s.bytes_sent()) for s in servers])
            stored = _stored(db_url)
            results = [
                _score(p, s, stored.get(p.site_id, []), status.get(p.site_id, {}), error)
                for p, s in zip(portals, servers, strict=True)
            ]
            for result in results:  # pages cut by trap guards: on the first crawl, where they matter
                result.cut = int(first.get(result.site_id, {}).get("cut") or 0)
        finally:
            for server in servers:
                server.stop()
    return results, costs


def _register(db_url: str, portals: list[GeneratedPortal], servers: list[GeneratedServer]) -> None:
    db = Database(db_url)
    with db.transaction() as session:
        for portal, server in zip(portals, servers, strict=True):
            upsert_site(
                session,
                {
                    "id": portal.site_id,
                    "name": portal.name,
                    "region": REGION,
                    "start_urls": [server.url(portal.home)],
                    "options": {},
                },
            )
    db.dispose()


def _run_child(db_url: str, site_ids: list[str]) -> tuple[dict[str, dict[str, Any]], str]:
    cmd = [sys.executable, "-m", "tests.portals.generated.crawl_batch", "--db", db_url, *site_ids]
    try:
        proc = subprocess.run(
            cmd,
            cwd=REPO,
            env=crawl_env(db_url),
            capture_output=True,
            text=True,
            timeout=BATCH_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {}, f"crawl timed out after {BATCH_TIMEOUT}s"
    summaries = {}
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            row = json.loads(line)
            summaries[row["site_id"]] = row
    error = "" if summaries else f"crawl printed no summary (exit {proc.returncode}): {proc.stderr[-2000:]}"
    return summaries, error


def _stored(db_url: str) -> dict[str, list[str]]:
    db = Database(db_url)
    with db.transaction() as session:
        rows = list_reports(session)
    db.dispose()
    out: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        out[row["site"]].append(row["url"])
    return out


def _score(
    portal: GeneratedPortal,
    server: GeneratedServer,
    stored_urls: list[str],
    summary: dict[str, Any],
    error: str,
) -> PortalResult:
    expected = portal.expected()
    result = PortalResult(
        portal.seed,
        portal.site_id,
        expected,
        status=str(summary.get("status", "")),
        error=error,
        requests=len(server.requests),
        bytes=server.bytes_sent(),
        cut=int(summary.get("cut") or 0),
    )
    stored = {normalize(u) for u in stored_urls if urlsplit(u).port in (None, server.port)}
    accepted: set[str] = set()
    requested = {normalize(r.path) for r in server.requests}
    for report in portal.reports:
        urls = {normalize(u) for u in report.urls()}
        accepted |= urls
        (result.found if stored & urls else result.missed).append(report.url)
        if not stored & urls and requested & urls:
            result.missed_fetched.append(report.url)
    near, lists = {normalize(u) for u in portal.near_misses}, {normalize(u) for u in portal.channel_pages}
    forbidden = {normalize(u) for u in portal.forbidden}
    for url in sorted(stored - accepted):
        kind = (
            "near_miss"
            if url in near
            else "channel"
            if url in lists
            else "forbidden"
            if url in forbidden
            else "home"
            if url in ("/", "/index.html")
            else "other"
        )
        result.false_reports.append((url, kind))
    result.robots_violations = [r.path for r in server.disallowed_requests(UA)] if portal.robots else []
    return result


# ---------------------------------------------------------------------- reporting


def idiom_table(results: list[PortalResult]) -> list[dict[str, Any]]:
    """Per idiom: portals using it, reports carrying it, found, recall, false reports, failing seeds."""
    rows: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"portals": 0, "reports": 0, "found": 0, "false": 0, "failing": set()}
    )
    for result in results:
        found = set(result.found)
        for idiom in result.expected["idioms"]:
            rows[idiom]["portals"] += 1
            rows[idiom]["false"] += len(result.false_reports)
            if result.false_reports or result.robots_violations or result.error:
                rows[idiom]["failing"].add(result.seed)
        for report in result.expected["reports"]:
            for idiom in report["idioms"]:
                rows[idiom]["reports"] += 1
                if report["url"] in found:
                    rows[idiom]["found"] += 1
                else:
                    rows[idiom]["failing"].add(result.seed)
    return [
        {
            "idiom": name,
            **row,
            "recall": row["found"] / row["reports"] if row["reports"] else 1.0,
            "failing": sorted(row["failing"]),
        }
        for name, row in sorted(rows.items())
    ]


def print_report(
    results: list[PortalResult], elapsed: float | None = None, top_level_only: bool = False
) -> None:
    table = idiom_table(results)
    print(
        f"{'idiom':34} {'portals':>7} {'reports':>7} {'found':>6} {'recall':>7} {'false':>6}  failing seeds"
    )
    for row in table:
        if top_level_only and "/" in row["idiom"]:
            continue
        failing = ",".join(str(s) for s in row["failing"][:15]) + (" …" if len(row["failing"]) > 15 else "")
        print(
            f"{row['idiom']:34} {row['portals']:>7} {row['reports']:>7} {row['found']:>6} "
            f"{row['recall']:>7.2f} {row['false']:>6}  {failing}"
        )
    print()
    for result in results:
        if result.ok:
            continue
        print(
            f"seed {result.seed} ({result.site_id}): recall {len(result.found)}/{len(result.expected['reports'])}"
            f", {len(result.false_reports)} false, {len(result.robots_violations)} robots violations"
            f"{', error: ' + result.error[:200] if result.error else ''}"
        )
        for url in result.missed:
            how = "fetched, not stored" if url in result.missed_fetched else "never fetched"
            print(f"    missed   {url}  ({how})")
        for url, kind in result.false_reports:
            print(f"    false    {url}  ({kind})")
        for path in result.robots_violations[:5]:
            print(f"    robots   {path}")
        print(f"    repro: {result.repro()}")
    print()
    print(summary_line(results, elapsed))


def summary_line(results: list[PortalResult], elapsed: float | None = None) -> str:
    expected = sum(len(r.expected["reports"]) for r in results)
    found = sum(len(r.found) for r in results)
    false = sum(len(r.false_reports) for r in results)
    robots = sum(1 for r in results if r.robots_violations)
    perfect = sum(1 for r in results if r.ok)
    took = f", {elapsed:.0f}s" if elapsed is not None else ""
    return (
        f"{len(results)} portals: reports found {found}/{expected} (recall {found / max(expected, 1):.3f}), "
        f"false reports {false}, portals with robots violations {robots}, portals passing {perfect}/{len(results)}"
        f"{took}"
    )
