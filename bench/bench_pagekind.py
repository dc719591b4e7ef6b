"""How page kinds come out on pages whose kind is known (issue 9).

    python bench/bench_pagekind.py [--generated 2000]

- /work/shared/realpages: 77 real article pages (all detail); the quarter held out of tests/test_pagekind.py
  is counted separately, since the rules were never tuned against it;
- the fixture portals: article pages (detail) and channel/index pages (list or shell);
- generated list pages (tests/test_pagekind.py's generator with other seeds): never detail.
Prints the kinds found per group and the time per page.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parsers.pagekind import page_kind
from tests.portals.server import SITES_DIR
from tests.test_pagekind import REALPAGES, _random_list, held_out


def _groups(generated: int) -> dict[str, list[tuple[str, bytes, str]]]:
    """Group name -> [(url, body, expected kind)]."""
    groups: dict[str, list[tuple[str, bytes, str]]] = {
        "realpages (tested)": [],
        "realpages (held out)": [],
        "fixture articles": [],
        "fixture channels": [],
        "generated lists": [],
    }
    for path in sorted(REALPAGES.glob("*.html")) if REALPAGES.exists() else []:
        group = "realpages (held out)" if held_out(path) else "realpages (tested)"
        groups[group].append((f"http://127.0.0.1/{path.name}", path.read_bytes(), "detail"))
    for path in sorted(SITES_DIR.rglob("*.html")):
        relative = path.relative_to(SITES_DIR).as_posix()
        if "@" in relative or path.name == "404.html" or "/download/" in relative:
            continue
        url = "http://127.0.0.1/" + relative.split("/", 1)[1]
        if path.name.startswith("index"):
            if not any(part in relative for part in ("/lxwm/", "/wzdt/", "/hdjl/")):
                groups["fixture channels"].append((url, path.read_bytes(), "list"))
        else:
            groups["fixture articles"].append((url, path.read_bytes(), "detail"))
    rng = random.Random(2026)
    for n in range(generated):
        groups["generated lists"].append(
            (f"http://127.0.0.1/col/col{n}/index.html", _random_list(rng).encode(), "list")
        )
    return groups


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--generated", type=int, default=2000)
    args = parser.parse_args()
    print(f"{'group':22} {'pages':>6} {'right':>6}  kinds found                      ms/page")
    for name, pages in _groups(args.generated).items():
        kinds: Counter[str] = Counter()
        right = 0
        start = time.perf_counter()
        for url, body, wanted in pages:
            kind = page_kind(url, body).kind
            kinds[kind] += 1
            right += kind == wanted or (wanted == "list" and kind == "shell")
        elapsed = (time.perf_counter() - start) / max(len(pages), 1) * 1000
        found = ", ".join(f"{k} {v}" for k, v in kinds.most_common())
        print(f"{name:22} {len(pages):6d} {right:6d}  {found:32} {elapsed:6.1f}")


if __name__ == "__main__":
    main()
