"""python -m tests.portals.generated check --seeds 0-199 [--jobs N] | oracle --seeds 0-199 | serve --seed 17"""

from __future__ import annotations

import argparse
import json
import sys
import time

from tests.portals.generated.compose import generate
from tests.portals.generated.harness import check, parse_seeds, print_report
from tests.portals.generated.oracle import crawl
from tests.portals.generated.serve import GeneratedServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.portals.generated",
        description="Randomised government portals: crawl and score, or browse one.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("check", help="crawl generated portals with the spider and score the stored reports")
    run.add_argument("--seeds", default="0-199", help="e.g. 0-199, 17 or 1,5,9-12")
    run.add_argument("--jobs", type=int, default=2, help="crawler processes in parallel")
    run.add_argument("--batch", type=int, help="portals per crawler process (default: up to 50)")
    run.add_argument("--json", help="also write every result to this file")
    run.add_argument("--brief", action="store_true", help="per-idiom table without variants")
    ref = sub.add_parser(
        "oracle", help="prove the portals crawlable: the reference crawler must reach every report"
    )
    ref.add_argument("--seeds", default="0-199")
    show = sub.add_parser("serve", help="serve one generated portal on 127.0.0.1")
    show.add_argument("--seed", type=int, required=True)
    show.add_argument("--port", type=int, default=8001)
    show.add_argument("--expected", action="store_true", help="print the answer key first")
    args = parser.parse_args(argv)
    try:
        return {"check": _check, "oracle": _oracle, "serve": _serve}[args.command](args)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. the port is taken
        print(f"错误：无法启动服务：{exc}", file=sys.stderr)
        return 1


def _check(args: argparse.Namespace) -> int:
    seeds = parse_seeds(args.seeds)
    started = time.monotonic()
    results = check(seeds, jobs=args.jobs, batch_size=args.batch)
    print_report(results, time.monotonic() - started, top_level_only=args.brief)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump([vars(r) for r in results], out, ensure_ascii=False, indent=1)
    return 0 if all(r.ok for r in results) else 1


def _oracle(args: argparse.Namespace) -> int:
    bad = 0
    for seed in parse_seeds(args.seeds):
        result = crawl(generate(seed))
        if result.missed or result.robots_violations:
            bad += 1
            print(
                f"seed {seed}: reference crawler missed {result.missed}, robots violations {result.robots_violations}"
            )
        else:
            print(
                f"seed {seed}: all {len(generate(seed).reports)} reports reached in {result.fetched} fetches"
            )
    return 1 if bad else 0


def _serve(args: argparse.Namespace) -> int:
    portal = generate(args.seed)
    if args.expected:
        print(json.dumps(portal.expected(), ensure_ascii=False, indent=1))
    server = GeneratedServer(portal, port=args.port).start()
    print(f"seed {args.seed}: {portal.name} at {server.url(portal.home)}  (Ctrl-C to stop)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
