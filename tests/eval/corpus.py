"""The labeled corpus of the quality gate: parser fixtures + /work/shared/realpages (if present)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "parsers"
TITLES = REPO / "tests" / "fixtures" / "titles"



def _find_realpages() -> Path:
    """$FZWATCH_REALPAGES, else the nearest ``shared/realpages`` above the checkout (a git worktree
    sits one level deeper than the main checkout)."""
    if os.environ.get("FZWATCH_REALPAGES"):
        return Path(os.environ["FZWATCH_REALPAGES"])
    for parent in REPO.parents:
        if (parent / "shared" / "realpages").is_dir():
            return parent / "shared" / "realpages"
    return REPO.parent / "shared" / "realpages"


REALPAGES = _find_realpages()
# Share of realpages held out from tuning (issue 10): chosen by a hash of the file name, fixed before
# any extraction rule was tuned on the rest. Held-out pages are only measured, never looked at.
HELD_OUT_TENTHS = 3


@dataclass
class Case:
    name: str
    url: str
    body: bytes
    gold_text: str | None
    expected: dict[str, Any] = field(default_factory=dict)
    held_out: bool = False
    category: str | None = None


def is_held_out(file_name: str) -> bool:
    """True for the ~30 % of realpages kept out of tuning (stable: a hash of the file stem)."""
    stem = Path(file_name).stem
    return int(hashlib.sha256(stem.encode("utf-8")).hexdigest(), 16) % 10 < HELD_OUT_TENTHS


def fixture_cases() -> Iterator[Case]:
    for case in sorted(p for p in FIXTURES.iterdir() if (p / "expected.json").exists()):
        expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
        paras = expected.get("paragraphs")
        yield Case(
            name=f"fixture:{case.name}",
            url=(case / "url.txt").read_text(encoding="utf-8").strip(),
            body=(case / "page.html").read_bytes(),
            gold_text="\n".join(paras) if paras else None,
            expected=expected,
        )


def realpage_cases() -> Iterator[Case]:
    """Real pages with gold text; none when the shared directory is absent."""
    manifest = REALPAGES / "manifest.json"
    if not manifest.exists():
        return
    for entry in json.loads(manifest.read_text(encoding="utf-8")):
        if entry.get("exclude_from_scoring"):
            continue
        yield Case(
            name=f"realpage:{Path(entry['file']).stem}",
            url=entry.get("url") or f"http://example.invalid/{Path(entry['file']).name}",
            body=(REALPAGES / entry["file"]).read_bytes(),
            gold_text=(REALPAGES / entry["gold_file"]).read_text(encoding="utf-8"),
            held_out=is_held_out(entry["file"]),
            category=entry.get("category"),
        )


def titles(name: str) -> list[str]:
    lines = (TITLES / name).read_text(encoding="utf-8").splitlines()
    return [x for x in lines if x.strip() and not x.startswith("#")]
