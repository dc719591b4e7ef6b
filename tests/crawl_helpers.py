"""Helpers for end-to-end tests: crawls run in a child process, as the daemon runs them
(Twisted's reactor starts once per process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from storage.database import Database
from storage.sites import upsert_site

REPO = Path(__file__).resolve().parent.parent


def crawl_env(db_url: str, **overrides: str) -> dict[str, str]:
    # Fixture portals listen on 127.0.0.x, which the network policy refuses unless private addresses are
    # allowed (crawler/netpolicy.py); a test of the policy itself passes FZWATCH_ALLOW_PRIVATE="0".
    return {
        "FZWATCH_ALLOW_PRIVATE": "1",
        **os.environ,
        **overrides,
        "FZWATCH_DB": db_url,
        "FZWATCH_DOWNLOAD_DELAY": "0",
        "FZWATCH_LOG_LEVEL": "WARNING",
        # Revisit times must not depend on the month the suite runs in (see crawler/revisit.py).
        "FZWATCH_SEASON_MONTHS": "",
        "SCRAPY_SETTINGS_MODULE": "crawler.settings",
    }


def run_crawl(db_url: str, site_id: str, timeout: float = 180, **env: str) -> dict[str, Any]:
    """One crawl of one site in a child process; returns its summary (pages, bytes, reports, …)."""
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.run", site_id, "--trigger", "manual"],
        cwd=REPO,
        env=crawl_env(db_url, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"crawl printed no summary; stderr:\n{proc.stderr[-3000:]}"
    return json.loads(lines[-1])


def register_site(db_url: str, site_id: str, name: str, start_url: str, **options: Any) -> None:
    db = Database(db_url)
    with db.transaction() as s:
        upsert_site(
            s,
            {
                "id": site_id,
                "name": name,
                "region": "浙江省温州市泰顺县",
                "start_urls": [start_url],
                "options": options,
            },
        )
    db.dispose()


def wait_until_requested(server: Any, count: int, timeout: float = 180) -> None:
    """Wait until a fixture portal has answered ``count`` requests (a crawl is under way); the timeout is
    generous for a loaded CI machine."""
    deadline = time.monotonic() + timeout
    while server.count() < count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.count() >= count, "the crawl is under way"
