"""Throughput of the whole parse (parse_page incl. sections + indicators) vs plain trafilatura.extract.

    python bench/bench_parse.py [--rounds 3]

Both run over the same pages (parser fixtures + /work/shared/realpages when present) in one
process; prints pages/s for each and the ratio (target: ours >= 0.75x trafilatura).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import trafilatura

from parsers import parse_page
from tests.eval.corpus import fixture_cases, realpage_cases


def _rate(fn, pages: list, rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        for url, body in pages:
            fn(url, body)
    return rounds * len(pages) / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    pages = [(c.url, c.body) for c in list(fixture_cases()) + list(realpage_cases())]
    parse_page(*pages[0])  # warm up lazy imports (OpenCC dictionaries, htmldate)
    trafilatura.extract(pages[0][1])
    ours = _rate(lambda url, body: parse_page(url, body), pages, args.rounds)
    # trafilatura gets the raw bytes: it decodes them itself, as parse_page does.
    traf = _rate(lambda url, body: trafilatura.extract(body, url=url), pages, args.rounds)
    print(f"pages: {len(pages)} x {args.rounds} rounds")
    print(f"fzwatch parse_page:    {ours:7.1f} pages/s")
    print(f"trafilatura.extract:   {traf:7.1f} pages/s")
    print(f"ratio ours/trafilatura: {ours / traf:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
