"""Install smoke check, run by `make smoke` (and `.ci/run`) before the test suite.

A fresh virtualenv must import every top-level package of ours and every library we import directly,
and `fzwatch extract` must read a fixture page. A broken install (a dependency that moved out of its
parent project, a bound that admits an incompatible release) fails here in seconds with the module's
name, instead of as a collection error deep in the suite.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OURS = ["parsers", "storage", "crawler", "scheduler", "cli", "web"]
THIRD_PARTY = [
    "scrapy",
    "twisted",
    "protego",
    "w3lib",
    "trafilatura",
    "lxml",
    "lxml_html_clean",
    "lxml.html.clean",
    "justext",
    "htmldate",
    "apscheduler",
    "sqlalchemy",
    "alembic",
    "apprise",
    "psycopg",
    "yaml",
    "click",
    "pypdf",
    "docx",
    "opencc",
    "scrapy_playwright",
    "playwright",
    "flask",
    "werkzeug",
    "waitress",
    "spectree",
    "pydantic",
    "openpyxl",
    "cryptography",
    "striprtf",
]
FIXTURE = REPO / "tests" / "fixtures" / "parsers" / "hanweb_taishun_000"


def check_imports() -> list[str]:
    failures = []
    for name in OURS + THIRD_PARTY:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - any import failure is what we report
            failures.append(f"import {name}: {type(exc).__name__}: {exc}")
    # Every module of ours, not just the packages: a lazy import deep inside fails here too.
    for package in OURS:
        for path in sorted((REPO / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            module = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
            try:
                importlib.import_module(module)
            except Exception as exc:  # noqa: BLE001
                failures.append(f"import {module}: {type(exc).__name__}: {exc}")
    return failures


def check_extract() -> list[str]:
    page = FIXTURE / "page.html"
    url = (FIXTURE / "url.txt").read_text(encoding="utf-8").strip()
    cmd = [sys.executable, "-m", "cli.main", "extract", str(page), "--url", url, "--json"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    if proc.returncode != 0:
        return [f"fzwatch extract exited {proc.returncode}: {proc.stderr.strip()[-2000:]}"]
    result = json.loads(proc.stdout)
    if not result.get("is_report") or len(result.get("text", "")) < 500:
        chars = len(result.get("text", ""))
        return [
            f"fzwatch extract read the fixture report wrongly: is_report={result.get('is_report')}, {chars} chars"
        ]
    return []


def main() -> int:
    failures = check_imports() + check_extract()
    for line in failures:
        print(f"smoke: {line}", file=sys.stderr)
    print("smoke: ok" if not failures else f"smoke: {len(failures)} problem(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
