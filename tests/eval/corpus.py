"""The labeled corpus of the quality gate: parser fixtures + the shared real pages.

The real pages live outside the repository (``../shared/realpages`` from a checkout, or
``$FZWATCH_REALPAGES``). Without them the gate would score only the synthetic fixtures and pass
on a fraction of the evidence, so a missing directory is an error (:class:`RealPagesMissing`).
"""

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


class RealPagesMissing(RuntimeError):
    """The shared real-page corpus was not found where the gate looks for it."""


def realpages_dir() -> Path:
    """``$FZWATCH_REALPAGES``, else ``../shared/realpages`` from the repository (a git worktree under
    ``<root>/wt/NAME`` looks two levels up as well). Raises :class:`RealPagesMissing`."""
    env = os.environ.get("FZWATCH_REALPAGES")
    candidates = (
        [Path(env)]
        if env
        else [REPO.parent / "shared" / "realpages", REPO.parents[1] / "shared" / "realpages"]
    )
    for path in candidates:
        if (path / "manifest.json").exists():
            return path
    raise RealPagesMissing(
        "real pages not found (looked in "
        + ", ".join(str(c) for c in candidates)
        + "); set FZWATCH_REALPAGES to the shared realpages directory"
    )


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
    site: dict[str, str] = field(default_factory=dict)  # name, region of the site the page came from


def is_held_out(file_name: str) -> bool:
    """True for the ~30 % of realpages kept out of tuning (stable: a hash of the file stem)."""
    stem = Path(file_name).stem
    return int(hashlib.sha256(stem.encode("utf-8")).hexdigest(), 16) % 10 < HELD_OUT_TENTHS


def fixture_cases() -> Iterator[Case]:
    for case in sorted(p for p in FIXTURES.iterdir() if (p / "expected.json").exists()):
        expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
        paras = expected.get("paragraphs")
        site = (
            json.loads((case / "site.json").read_text(encoding="utf-8"))
            if (case / "site.json").exists()
            else {}
        )
        yield Case(
            name=f"fixture:{case.name}",
            url=(case / "url.txt").read_text(encoding="utf-8").strip(),
            body=(case / "page.html").read_bytes(),
            gold_text="\n".join(paras) if paras else None,
            expected=expected,
            site=site,
        )


def realpage_cases() -> Iterator[Case]:
    """Real pages with gold text (raises :class:`RealPagesMissing` when the directory is absent)."""
    root = realpages_dir()
    manifest = root / "manifest.json"
    for entry in json.loads(manifest.read_text(encoding="utf-8")):
        if entry.get("exclude_from_scoring"):
            continue
        yield Case(
            name=f"realpage:{Path(entry['file']).stem}",
            url=entry.get("url") or f"http://example.invalid/{Path(entry['file']).name}",
            body=(root / entry["file"]).read_bytes(),
            gold_text=(root / entry["gold_file"]).read_text(encoding="utf-8"),
            held_out=is_held_out(entry["file"]),
            category=entry.get("category"),
        )


def titles(name: str) -> list[str]:
    lines = (TITLES / name).read_text(encoding="utf-8").splitlines()
    return [x for x in lines if x.strip() and not x.startswith("#")]
