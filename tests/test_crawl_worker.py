"""Many sites per crawl process (issue 14) and parsing off the reactor with a budget (issue 12), as the daemon
runs them: WorkerPoolRunner feeding real `python -m crawler.worker` processes crawling fixture portals on
127.0.0.1 into a real SQLite database."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from sqlalchemy import select

from crawler.parsepool import TEST_SLOW_MARKER_ENV
from scheduler.runner import RunOutcome, WorkerPoolRunner
from storage.database import Database
from storage.models import CrawlRun
from storage.reports import list_reports
from tests.crawl_helpers import REPO, crawl_env, register_site, wait_until_requested
from tests.portals.server import SITES_DIR, PortalServer

MARKER = "fzwatch-test-slow-parse-7f3a"
SITES = ("trs", "nextpage", "hanweb", "dedecms", "gkmlpt")
EXPECTED = {s: json.loads((SITES_DIR / s / "expected.json").read_text(encoding="utf-8")) for s in SITES}


@pytest.fixture
def worker_env(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The environment crawl workers inherit (as tests/crawl_helpers.crawl_env gives crawl processes)."""
    for key, value in crawl_env(sqlite_url).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv(TEST_SLOW_MARKER_ENV, MARKER)
    return sqlite_url


@pytest.fixture
def servers() -> Iterator[dict[str, PortalServer]]:
    with ExitStack() as stack:
        yield {site: stack.enter_context(PortalServer(site)) for site in SITES}


def run_all(runner: WorkerPoolRunner, site_ids: list[str]) -> dict[str, RunOutcome]:
    """Ask for the crawls at once, as the daemon's crawl threads do."""
    outcomes: dict[str, RunOutcome] = {}
    threads = [
        threading.Thread(target=lambda s=s: outcomes.__setitem__(s, runner.run(s, "manual")))
        for s in site_ids
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(200)
    return outcomes


def stored_urls(db: Database, site_id: str) -> set[str]:
    with db.transaction() as s:
        return {r["url"] for r in list_reports(s, site_id=site_id)}


def handed_over(db: Database, site_id: str) -> bool:
    """The runner recorded which worker crawls the site: the job is being written to that worker."""
    with db.transaction() as s:
        return s.scalar(select(CrawlRun.owner).where(CrawlRun.site_id == site_id)) is not None


def expected_urls(server: PortalServer, site: str) -> set[str]:
    return {server.url(r["url"]) for r in EXPECTED[site]["reports"]}


def test_a_batch_of_sites_is_crawled_by_one_worker_process(
    worker_env: str, servers: dict[str, PortalServer]
) -> None:
    for site, server in servers.items():
        register_site(worker_env, site, EXPECTED[site]["site_name"], server.url(EXPECTED[site]["home"]))
    db = Database(worker_env)
    runner = WorkerPoolRunner(db, timeout_seconds=240, workers=1, sites_per_worker=len(SITES))
    try:
        outcomes = run_all(runner, list(SITES))
    finally:
        runner.stop()
    assert {s: o.status for s, o in outcomes.items()} == dict.fromkeys(SITES, "ok")
    assert len({o.summary["pid"] for o in outcomes.values()}) == 1, "one process served the whole batch"
    # Every fixture report is stored (one republished on two portals is kept once, under the first crawl's site).
    stored = set().union(*(stored_urls(db, site) for site in SITES))
    missing = set().union(*(expected_urls(server, site) for site, server in servers.items())) - stored
    assert len(missing) <= 1 and all("t20230315_118823" in url for url in missing), missing
    db.dispose()


def test_a_page_over_its_parse_budget_is_that_pages_error_and_the_batch_goes_on(
    worker_env: str, servers: dict[str, PortalServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ten seconds: a real page never takes that long, even on a busy 2-core machine; the marked one never ends.
    monkeypatch.setenv("FZWATCH_PARSE_TIMEOUT", "10")
    slow_server, fine_server = servers["trs"], servers["nextpage"]
    slow_page = EXPECTED["trs"]["reports"][0]["url"]
    slow_server.mutate(slow_page, lambda html: html.replace("</body>", f"<p>{MARKER}</p></body>"))
    register_site(worker_env, "slow", EXPECTED["trs"]["site_name"], slow_server.url(EXPECTED["trs"]["home"]))
    register_site(
        worker_env, "fine", EXPECTED["nextpage"]["site_name"], fine_server.url(EXPECTED["nextpage"]["home"])
    )
    db = Database(worker_env)
    runner = WorkerPoolRunner(db, timeout_seconds=240, workers=1, sites_per_worker=2)
    try:
        outcomes = run_all(runner, ["slow", "fine"])
    finally:
        runner.stop()
    assert outcomes["fine"].status == "ok"
    assert expected_urls(fine_server, "nextpage") <= stored_urls(db, "fine")
    # The adversarial page is that page's parse error, counted and said, and the site's other reports are stored.
    slow = outcomes["slow"].summary
    assert slow["errors"] >= 1
    with db.transaction() as s:
        run = s.get(CrawlRun, outcomes["slow"].run_id)
        assert run is not None
        assert run.stats["stats"].get("fzwatch/parse_over_budget") == 1
        assert run.stats["stats"].get("fzwatch/parse_errors") == 1
    stored = stored_urls(db, "slow")
    assert slow_server.url(slow_page) not in stored
    assert expected_urls(slow_server, "trs") - {slow_server.url(slow_page)} <= stored
    db.dispose()


def test_a_list_page_over_its_parse_budget_is_that_pages_error_and_the_crawl_goes_on(
    worker_env: str, servers: dict[str, PortalServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """List pages are read in the parse pool too: one whose reading never ends is cut by the budget."""
    monkeypatch.setenv("FZWATCH_PARSE_TIMEOUT", "10")
    server, news_channel = servers["trs"], "/xwzx/index.html"
    server.mutate(news_channel, lambda html: html.replace("</body>", f"<p>{MARKER}</p></body>"))
    register_site(worker_env, "trs", EXPECTED["trs"]["site_name"], server.url(EXPECTED["trs"]["home"]))
    db = Database(worker_env)
    runner = WorkerPoolRunner(db, timeout_seconds=240, workers=1, sites_per_worker=1)
    try:
        outcome = runner.run("trs", "manual")
    finally:
        runner.stop()
    assert server.count(news_channel) >= 1, "the crawl asked for the poisoned list page"
    assert outcome.status == "ok"
    with db.transaction() as s:
        run = s.get(CrawlRun, outcome.run_id)
        assert run is not None
        assert run.stats["stats"].get("fzwatch/parse_over_budget") == 1
        assert run.stats["stats"].get("fzwatch/parse_errors") == 1
    assert expected_urls(server, "trs") <= stored_urls(db, "trs")
    db.dispose()


def test_a_worker_killed_mid_batch_has_its_runs_recorded_and_is_replaced(
    worker_env: str, servers: dict[str, PortalServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FZWATCH_PARSE_TIMEOUT", "600")  # the marked page holds its crawl until the kill
    server = servers["trs"]
    server.mutate(
        EXPECTED["trs"]["reports"][0]["url"], lambda html: html.replace("</body>", f"{MARKER}</body>")
    )
    for site in ("hung-a", "hung-b"):
        register_site(worker_env, site, EXPECTED["trs"]["site_name"], server.url(EXPECTED["trs"]["home"]))
    register_site(
        worker_env,
        "after",
        EXPECTED["hanweb"]["site_name"],
        servers["hanweb"].url(EXPECTED["hanweb"]["home"]),
    )
    db = Database(worker_env)
    runner = WorkerPoolRunner(db, timeout_seconds=240, workers=1, sites_per_worker=4)
    try:
        outcomes: dict[str, RunOutcome] = {}
        batch = threading.Thread(target=lambda: outcomes.update(run_all(runner, ["hung-a", "hung-b"])))
        batch.start()
        deadline = time.monotonic() + 180  # generous: a loaded CI machine
        while server.count(EXPECTED["trs"]["reports"][0]["url"]) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)  # both crawls reached the page whose parse never ends
        [pid] = runner.worker_pids()
        os.kill(pid, signal.SIGKILL)
        batch.join(180)
        assert {o.status for o in outcomes.values()} == {"failed"}
        with db.transaction() as s:
            runs = list(s.scalars(select(CrawlRun).where(CrawlRun.site_id.in_(["hung-a", "hung-b"]))))
        assert [r.status for r in runs] == ["failed", "failed"]
        assert all("signal 9" in (r.error or "") for r in runs), [r.error for r in runs]
        after = runner.run("after", "manual")
    finally:
        runner.stop()
    assert after.status == "ok"
    assert after.summary["pid"] != pid, "a new worker took the next crawl"
    db.dispose()


DAEMON_STANDIN = """
import sys
from scheduler.runner import WorkerPoolRunner
from storage.database import Database
WorkerPoolRunner(Database(sys.argv[1]), timeout_seconds=600, workers=1, sites_per_worker=1).run(sys.argv[2], "manual")
"""


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie waiting for a reaper."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_worker_whose_daemon_died_closes_a_crawl_that_will_not_stop_and_exits(
    worker_env: str, servers: dict[str, PortalServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGKILL of the daemon: its worker stops its crawls; one stuck in a parse (600 s budget) would keep the
    run open under a live pid, and the restarted daemon would skip the site as "being crawled elsewhere"."""
    monkeypatch.setenv("FZWATCH_PARSE_TIMEOUT", "600")
    server = servers["trs"]
    page = EXPECTED["trs"]["reports"][0]["url"]
    server.mutate(page, lambda html: html.replace("</body>", f"{MARKER}</body>"))
    register_site(worker_env, "hung", EXPECTED["trs"]["site_name"], server.url(EXPECTED["trs"]["home"]))
    db = Database(worker_env)
    daemon = subprocess.Popen([sys.executable, "-c", DAEMON_STANDIN, worker_env, "hung"], cwd=REPO)
    try:
        deadline = time.monotonic() + 180  # generous: a loaded CI machine
        while server.count(page) < 1 and time.monotonic() < deadline:
            time.sleep(0.2)  # the crawl reached the page whose parse never ends
        assert server.count(page) >= 1
        with db.transaction() as s:
            run = s.scalars(select(CrawlRun).where(CrawlRun.site_id == "hung")).one()
            worker_pid = int((run.owner or "").split(":")[1])
        daemon.kill()
        daemon.wait(10)
        deadline = time.monotonic() + 90
        while _alive(worker_pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not _alive(worker_pid), "the orphaned worker exits"
        with db.transaction() as s:
            run = s.scalars(select(CrawlRun).where(CrawlRun.site_id == "hung")).one()
        assert run.status == "interrupted", (run.status, run.error)
    finally:
        if daemon.poll() is None:
            daemon.kill()
        db.dispose()


def test_a_stopped_worker_does_not_fetch_the_requests_it_had_queued(
    worker_env: str, servers: dict[str, PortalServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM (daemon shutdown): the crawl ends `interrupted` without downloading, one per politeness
    delay, the requests already waiting in its downloader slot (Scrapy would, and throw the answers away)."""
    monkeypatch.setenv("FZWATCH_DOWNLOAD_DELAY", "2")  # requests pile up in the slot behind the delay
    server = servers["trs"]
    register_site(worker_env, "trs", EXPECTED["trs"]["site_name"], server.url(EXPECTED["trs"]["home"]))
    db = Database(worker_env)
    runner = WorkerPoolRunner(db, timeout_seconds=240, workers=1, sites_per_worker=1)
    outcome: list[RunOutcome] = []
    crawl = threading.Thread(target=lambda: outcome.append(runner.run("trs", "manual")))
    crawl.start()
    try:
        wait_until_requested(server, 4)
    finally:
        at_stop = server.count()
        runner.stop()
        crawl.join(120)
    assert [o.status for o in outcome] == ["interrupted"]
    # At most the requests on the wire at the stop (CONCURRENT_REQUESTS_PER_DOMAIN) still reach the portal.
    assert server.count() - at_stop <= 2, server.count() - at_stop
    db.dispose()


@pytest.mark.parametrize("site", ["hanweb", "nextpage"])
def test_a_crawl_stopped_at_any_moment_hides_no_report_from_the_next_crawl(
    worker_env: str, site: str
) -> None:
    """The daemon stops (or dies) at a random moment of a crawl, even while the crawl is still starting.
    The stopped crawl is never recorded `ok` unless it really finished, and it leaves no list validators
    behind: the next crawl must still reach every report. (Seen in the daemon SIGKILL test with the pool: a
    crawl stopped while starting ran on with its downloads dropped, closed as "finished", saved the home
    page's ETag, and every later crawl got a 304 there and never saw the lists again.)"""
    stack = ExitStack()
    # A portal of its own for each stopped crawl: a page is stored once, under the site that found it first.
    wanted: list[set[str]] = []
    rng = random.Random(int(os.environ.get("FZWATCH_KILL_SEED", "7")))
    # Seconds after the crawl was handed to the worker: the first ones land while it is still starting.
    delays = [0.0, 0.02, 0.05, 0.1, 0.2] + [rng.uniform(0.0, 1.5) for _ in range(3)]
    db = Database(worker_env)
    runner = WorkerPoolRunner(db, timeout_seconds=240, workers=1, sites_per_worker=1)
    try:
        for n, delay in enumerate(delays):
            site_id = f"{site}-{n}"
            server = stack.enter_context(PortalServer(site))
            # Texts of its own: the same text under another URL is a republication, not a new report.
            for report in EXPECTED[site]["reports"]:
                server.replace_text(report["url"], "</p>", f"</p><p>第{n}号门户：本报告正文。</p>")
            wanted.append(expected_urls(server, site))
            register_site(
                worker_env, site_id, EXPECTED[site]["site_name"], server.url(EXPECTED[site]["home"])
            )
            # A quick crawl first (its start page is gone): a worker is up and reading, so the stop below
            # lands on the crawl ``delay`` after it was handed over, not on a worker's start-up.
            register_site(worker_env, f"up-{site_id}", "无", server.url("/no-such-page.html"))
            runner.run(f"up-{site_id}", "manual")
            outcome: list[RunOutcome] = []
            crawl = threading.Thread(target=lambda s=site_id, o=outcome: o.append(runner.run(s, "manual")))
            crawl.start()
            deadline = time.monotonic() + 60
            while not handed_over(db, site_id) and time.monotonic() < deadline:
                time.sleep(0.002)
            time.sleep(delay)
            stopped = runner.worker_pids()
            for pid in stopped:
                os.kill(pid, signal.SIGTERM)
            crawl.join(120)
            deadline = time.monotonic() + 60
            while set(stopped) & set(runner.worker_pids()) and time.monotonic() < deadline:
                time.sleep(0.1)  # the next crawl goes to a new worker, not to the one on its way out
            assert outcome, f"the crawl stopped at {delay:.2f} s was answered"
            with db.transaction() as s:
                run = s.get(CrawlRun, outcome[0].run_id)
                assert run is not None
                dropped = run.stats.get("stats", {}).get("fzwatch/dropped_at_stop", 0)
            assert not (run.status == "ok" and dropped), f"a crawl cut at {delay:.2f} s recorded ok"
        again = run_all(runner, [f"{site}-{n}" for n in range(len(delays))])
    finally:
        runner.stop()
        stack.close()
    assert {o.status for o in again.values()} == {"ok"}, {k: o.status for k, o in again.items()}
    for n, delay in enumerate(delays):
        missing = wanted[n] - stored_urls(db, f"{site}-{n}")
        assert not missing, f"stopped at {delay:.2f} s: the next crawl missed {missing}"
    db.dispose()
