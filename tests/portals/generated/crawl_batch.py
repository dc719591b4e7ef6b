"""Child process: crawl several registered sites in one Scrapy process (Twisted's reactor runs once).

    python -m tests.portals.generated.crawl_batch --db URL SITE [SITE ...]

Prints one JSON summary per site (crawler.run's CrawlSummary)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from crawler.run import crawl_sites


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sites", nargs="+")
    parser.add_argument("--db", required=True)
    args = parser.parse_args(argv)
    for summary in crawl_sites(args.sites, args.db, "manual"):
        print(json.dumps(asdict(summary) | {"stats": {}}, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
