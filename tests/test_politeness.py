"""robots.txt `Crawl-delay` is honoured per site (issue 9): the fixture server's own request log shows
consecutive requests at least the asked delay apart. A politeness check on server-side timestamps, with a
margin — not a speed test."""

from __future__ import annotations

from itertools import pairwise

from tests.crawl_helpers import register_site, run_crawl
from tests.portals.server import PortalServer

MARGIN = 0.1  # seconds: timestamps are taken when the server starts answering, not when the client sent


def test_crawl_delay_from_robots_txt_spaces_every_request(sqlite_url: str) -> None:
    with PortalServer("trs") as server:
        server.set_page(
            "/robots.txt", "User-agent: *\nCrawl-delay: 1\nDisallow: /oa/\nDisallow: /events/\n", "text/plain"
        )
        # A small budget keeps the crawl short; FZWATCH_DOWNLOAD_DELAY is 0 in tests, so only robots.txt asks.
        register_site(
            sqlite_url, "trs", "泰顺县人民政府", server.url("/index.html"), page_budget=6, escalate=False
        )
        summary = run_crawl(sqlite_url, "trs")
        times = sorted(r.time for r in server.requests)
    assert summary["status"] == "ok"
    assert len(times) >= 5
    gaps = [b - a for a, b in pairwise(times)]
    assert min(gaps) >= 1.0 - MARGIN, gaps


def test_without_crawl_delay_requests_are_not_spaced_a_second(sqlite_url: str) -> None:
    """The control: the same crawl without Crawl-delay is not held to one request a second (the floor above
    comes from robots.txt, not from some global setting)."""
    with PortalServer("trs") as server:
        register_site(
            sqlite_url, "trs", "泰顺县人民政府", server.url("/index.html"), page_budget=6, escalate=False
        )
        run_crawl(sqlite_url, "trs")
        times = sorted(r.time for r in server.requests)
    gaps = [b - a for a, b in pairwise(times)]
    assert min(gaps) < 1.0 - MARGIN, gaps
