"""Cost of an incremental recrawl: first vs second crawl of each unchanged fixture portal.

    python bench/bench_recrawl.py [SITE ...] [--json]
    python bench/bench_recrawl.py --generated 0-19 [--jobs 2] [--json]   # generated portals (issue 9)

Each site is served on 127.0.0.1 (tests/portals) and crawled twice into a fresh SQLite database, in child
processes as the daemon runs them. Requests and bytes are counted by the fixture server (robots.txt
included), so they are what the portal would see. Also printed: reports found / expected, false reports,
pages cut by trap guards and robots.txt violations. Target (issue 3): second crawl <= 10% of the bytes and
<= 30% of the requests of the first.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storage.database import Database
from storage.reports import list_reports
from tests.crawl_helpers import register_site, run_crawl
from tests.portals.generated.harness import crawl_batch, parse_seeds
from tests.portals.server import SITES_DIR, PortalServer

SITES = ["trs", "nextpage", "hanweb", "gkmlpt", "dedecms", "jsonapi", "traps"]
UA = "fzwatch"


@dataclass
class SiteCost:
    site: str
    found: int
    expected: int
    false_reports: int
    first_requests: int
    first_bytes: int
    second_requests: int
    second_bytes: int
    cut: int
    robots_violations: int

    @property
    def request_ratio(self) -> float:
        return self.second_requests / max(self.first_requests, 1)

    @property
    def byte_ratio(self) -> float:
        return self.second_bytes / max(self.first_bytes, 1)


def measure(site: str) -> SiteCost:
    exp = json.loads((SITES_DIR / site / "expected.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        Database(url).migrate()
        with PortalServer(site) as server:
            register_site(
                url, site, exp["site_name"], server.url(exp["home"]), **server.config.get("registry", {})
            )
            first = run_crawl(url, site)
            first_requests, first_bytes = len(server.requests), server.bytes_sent()
            server.clear_log()
            run_crawl(url, site)
            second_requests, second_bytes = len(server.requests), server.bytes_sent()
            violations = len(server.disallowed_requests(UA))
            base = server.url("").rstrip("/")
        found = _found(url, base)
    wanted = {r["url"] for r in exp["reports"]}
    return SiteCost(
        site,
        len(found & wanted),
        len(wanted),
        len(found - wanted),
        first_requests,
        first_bytes,
        second_requests,
        second_bytes,
        int(first["cut"]),
        violations,
    )


def measure_generated(seeds: list[int], jobs: int = 2, batch_size: int = 10) -> list[SiteCost]:
    """First vs second crawl of generated portals (tests/portals/generated), batches in parallel."""
    batches = [seeds[i : i + batch_size] for i in range(0, len(seeds), batch_size)]
    costs = []
    with ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool:
        for results, (first, second) in pool.map(lambda b: crawl_batch(b, crawls=2), batches):
            for r, one, two in zip(results, first, second, strict=True):
                costs.append(
                    SiteCost(
                        r.site_id,
                        len(r.found),
                        len(r.expected["reports"]),
                        len(r.false_reports),
                        one.requests,
                        one.bytes,
                        two.requests,
                        two.bytes,
                        r.cut,
                        len(r.robots_violations),
                    )
                )
    return costs


def _found(db_url: str, base: str) -> set[str]:
    db = Database(db_url)
    with db.transaction() as session:
        found = {r["url"].removeprefix(base) for r in list_reports(session)}
    db.dispose()
    return found


def print_table(costs: list[SiteCost]) -> None:
    header = (
        f"{'site':9} {'reports':>8} {'false':>5} {'req 1st':>8} {'req 2nd':>8} {'req %':>6} "
        f"{'bytes 1st':>10} {'bytes 2nd':>10} {'bytes %':>8} {'cut':>4} {'robots':>6}"
    )
    print(header)
    print("-" * len(header))
    for c in costs:
        print(
            f"{c.site:9} {c.found:>4}/{c.expected:<3} {c.false_reports:>5} {c.first_requests:>8} "
            f"{c.second_requests:>8} {100 * c.request_ratio:>5.1f}% {c.first_bytes:>10} {c.second_bytes:>10} "
            f"{100 * c.byte_ratio:>7.2f}% {c.cut:>4} {c.robots_violations:>6}"
        )
    first_r, second_r = sum(c.first_requests for c in costs), sum(c.second_requests for c in costs)
    first_b, second_b = sum(c.first_bytes for c in costs), sum(c.second_bytes for c in costs)
    print(
        f"{'all':9} {'':8} {'':5} {first_r:>8} {second_r:>8} {100 * second_r / max(first_r, 1):>5.1f}% "
        f"{first_b:>10} {second_b:>10} {100 * second_b / max(first_b, 1):>7.2f}%"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sites", nargs="*", default=SITES)
    parser.add_argument("--json", action="store_true", help="one JSON object per site")
    parser.add_argument("--generated", metavar="SEEDS", help="generated portals instead, e.g. 0-19")
    parser.add_argument("--jobs", type=int, default=2, help="with --generated: crawler processes in parallel")
    args = parser.parse_args(argv)
    if args.generated:
        costs = measure_generated(parse_seeds(args.generated), args.jobs)
    else:
        costs = [measure(site) for site in args.sites]
    if args.json:
        for cost in costs:
            row: dict[str, Any] = asdict(cost) | {
                "request_ratio": cost.request_ratio,
                "byte_ratio": cost.byte_ratio,
            }
            print(json.dumps(row))
    else:
        print_table(costs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
