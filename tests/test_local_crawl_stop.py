"""A crawl process of the local runner (`python -m crawler.run`, `fzwatch daemon --runner local`) told to stop
(SIGTERM from the daemon's shutdown, Ctrl-C on `fzwatch crawl`) behaves as a crawl worker's crawl does: it
fetches nothing more than what is on the wire, its run is `interrupted` (never `failed`, never `ok` with part
of the site unseen), and it leaves nothing that hides a report from the next crawl — even when the signal
lands while the crawl is still starting."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from storage.database import Database
from storage.models import CrawlRun
from storage.reports import list_reports
from storage.sites import start_run
from tests.crawl_helpers import REPO, crawl_env, register_site, wait_until_requested
from tests.portals.server import SITES_DIR, PortalServer

EXPECTED = {
    s: json.loads((SITES_DIR / s / "expected.json").read_text(encoding="utf-8")) for s in ("trs", "hanweb")
}


@pytest.fixture
def env(sqlite_url: str) -> Iterator[dict[str, str]]:
    yield {**os.environ, **crawl_env(sqlite_url)}


def start_crawl(env: dict[str, str], db: Database, site_id: str) -> tuple[subprocess.Popen[str], int]:
    """As LocalProcessRunner starts a crawl: the run opened first, then the crawl process."""
    with db.transaction() as session:
        run_id = start_run(session, site_id, "manual").id
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.run", site_id, "--run-id", str(run_id), "--trigger", "manual"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc, run_id


def run_status(db: Database, run_id: int) -> tuple[str, dict[str, object]]:
    with db.transaction() as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        return run.status, dict(run.stats.get("stats", {}))


def test_a_stopped_local_crawl_does_not_fetch_the_requests_it_had_queued(env: dict[str, str]) -> None:
    env = {**env, "FZWATCH_DOWNLOAD_DELAY": "2"}  # requests pile up in the downloader slot behind the delay
    db = Database(env["FZWATCH_DB"])
    with PortalServer("trs") as server:
        register_site(
            env["FZWATCH_DB"], "trs", EXPECTED["trs"]["site_name"], server.url(EXPECTED["trs"]["home"])
        )
        proc, run_id = start_crawl(env, db, "trs")
        try:
            wait_until_requested(server, 4)
        finally:
            at_stop = server.count()
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=120)
        # At most the requests on the wire at the stop (CONCURRENT_REQUESTS_PER_DOMAIN) still reach the portal.
        assert server.count() - at_stop <= 2, server.count() - at_stop
    status, _ = run_status(db, run_id)
    assert status == "interrupted", status
    assert json.loads(out.splitlines()[-1])["status"] == "interrupted"  # what the runner reads
    db.dispose()


def test_a_local_crawl_stopped_at_any_moment_hides_no_report_from_the_next_crawl(env: dict[str, str]) -> None:
    db = Database(env["FZWATCH_DB"])
    rng = random.Random(int(os.environ.get("FZWATCH_KILL_SEED", "7")))
    # Seconds after the crawl process started: the first land before its reactor runs or while it starts.
    delays = [0.0, 0.3, 1.0] + [rng.uniform(0.5, 4.0) for _ in range(3)]
    for n, delay in enumerate(delays):
        with PortalServer("hanweb") as server:
            for report in EXPECTED["hanweb"]["reports"]:  # texts of its own: not a republication
                server.replace_text(report["url"], "</p>", f"</p><p>第{n}号门户：本报告正文。</p>")
            site_id = f"hanweb-{n}"
            register_site(
                env["FZWATCH_DB"],
                site_id,
                EXPECTED["hanweb"]["site_name"],
                server.url(EXPECTED["hanweb"]["home"]),
            )
            proc, run_id = start_crawl(env, db, site_id)
            time.sleep(delay)
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=120)
            status, stats = run_status(db, run_id)
            assert status != "failed", f"stopped at {delay:.2f} s: recorded failed ({err[-300:]})"
            assert not (status == "ok" and stats.get("fzwatch/dropped_at_stop")), f"cut at {delay:.2f} s: ok"
            proc, run_id = start_crawl(env, db, site_id)  # the next crawl, not stopped
            proc.communicate(timeout=300)
            assert run_status(db, run_id)[0] == "ok"
            with db.transaction() as session:
                stored = {r["url"] for r in list_reports(session, site_id=site_id)}
            missing = {server.url(r["url"]) for r in EXPECTED["hanweb"]["reports"]} - stored
            assert not missing, f"stopped at {delay:.2f} s: the next crawl missed {missing}"
    db.dispose()
