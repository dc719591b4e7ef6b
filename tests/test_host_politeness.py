"""Per-host politeness across processes (issue 14): two sites on one host, crawled by two processes at once,
reach the server at least the host's delay apart (robots.txt Crawl-delay), on SQLite and PostgreSQL. Server-side
timestamps with a margin — a politeness check, not a speed test."""

from __future__ import annotations

import threading
from itertools import pairwise
from typing import Any

import pytest

from storage.database import Database
from storage.host_slots import reserve
from tests.crawl_helpers import register_site, run_crawl
from tests.portals.server import PortalServer

DELAY = 0.6
MARGIN = 0.15  # server-side timestamps; a crawl's first requests can leave ~0.1 s after their moment


def crawl_two_sites_at_once(db_url: str, **env: str) -> list[tuple[float, str]]:
    """(gap to the previous request, path) for every request but robots.txt, in the order the server got them."""
    with PortalServer("trs") as server:
        server.set_page("/robots.txt", f"User-agent: *\nCrawl-delay: {DELAY}\nDisallow: /oa/\n", "text/plain")
        for site_id, start in (("trs", "/index.html"), ("trs-zwgk", "/zwgk/index.html")):
            register_site(db_url, site_id, site_id, server.url(start), page_budget=6, escalate=False)
        summaries: list[dict[str, Any]] = []
        threads = [
            threading.Thread(target=lambda s=s: summaries.append(run_crawl(db_url, s, **env)))
            for s in ("trs", "trs-zwgk")
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(180)
        # The first robots.txt is asked before any process knows the Crawl-delay (FZWATCH_DOWNLOAD_DELAY is 0
        # in tests): it is the one request not spaced; every other request, the second robots.txt included, is.
        requests = sorted((r.time, r.path) for r in server.requests)[1:]
        times = [t for t, _ in requests]
        trace = [(round(b - a, 2), p) for (a, _), (b, p) in pairwise(requests)]
    assert [s["status"] for s in summaries] == ["ok", "ok"], summaries
    assert len(times) >= 10, times
    return trace


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_two_processes_share_one_host_s_delay(db_url: str) -> None:
    trace = crawl_two_sites_at_once(db_url)
    assert min(gap for gap, _ in trace) >= DELAY - MARGIN, trace


@pytest.mark.parametrize("first", [100.0])
def test_reservations_follow_each_other_by_the_delay(sqlite_url: str, first: float) -> None:
    db = Database(sqlite_url)
    with db.transaction() as s:
        slots = [reserve(s, "example.gov.cn", 2.0, now=first) for _ in range(3)]
        later = reserve(s, "example.gov.cn", 2.0, now=first + 60)  # an idle host is asked at once
        other = reserve(s, "other.gov.cn", 2.0, now=first)
    db.dispose()
    assert slots == [first, first + 2, first + 4]
    assert later == first + 60 and other == first


def test_a_request_that_does_not_know_the_delay_is_spaced_by_the_one_last_known(sqlite_url: str) -> None:
    """robots.txt goes before its Crawl-delay is read (delay None): the delay another process learned spaces
    it, and it is recorded, so the next page request waits its full delay after it."""
    db = Database(sqlite_url)
    with db.transaction() as s:
        first = reserve(s, "gov.example:8080", None, now=100.0)  # nothing known yet: at once
        page = reserve(s, "gov.example:8080", 1.5, now=100.1)
        robots = reserve(s, "gov.example:8080", None, now=100.2)  # another process starts: 1.5 s learned
        next_page = reserve(s, "gov.example:8080", 1.5, now=100.3)
    db.dispose()
    assert (first, page, robots, next_page) == (100.0, 101.5, 103.0, 104.5)
