"""Generated portals (issue 9): the spider against many random portals composed from CMS idioms.

FZWATCH_GEN_PORTALS sets how many seeds the crawl test uses (default 200; 0 skips it). A failure lists
each failing seed with the one-line command that reproduces just that portal.
"""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request
import urllib.robotparser
from collections import Counter

import pytest

from tests.portals.generated import GeneratedServer, generate
from tests.portals.generated.compose import PLACEMENTS
from tests.portals.generated.harness import check, summary_line
from tests.portals.generated.idioms import LIST_IDIOMS

N_PORTALS = int(os.environ.get("FZWATCH_GEN_PORTALS", "200"))
PORTAL_IDIOMS = ["redirect", "gbk", "robots", "crawl_delay", "attachment_pdf", "attachment_docx", "title_no_agency",
                 "title_space", "title_traditional", "truncated_titles", "depth1", "depth2", "depth3", "pages_1",
                 "pages_2-5", "pages_6-12", "site_map"]


def test_generation_is_deterministic() -> None:
    for seed in (0, 17, 123):
        first, second = generate(seed), generate(seed)
        assert first.digest() == second.digest()
        assert first.pages.keys() == second.pages.keys()
    assert generate(0).digest() != generate(1).digest()


def test_every_idiom_appears_at_least_five_times_in_seeds_0_to_199() -> None:
    counts: Counter[str] = Counter()
    for seed in range(200):
        counts.update(generate(seed).idioms)
    wanted = [*LIST_IDIOMS, *PLACEMENTS, *PORTAL_IDIOMS]
    assert {name: counts[name] for name in wanted if counts[name] < 5} == {}


def test_portals_respect_the_issue_limits() -> None:
    for seed in range(200):
        portal = generate(seed)
        assert 1 <= len(portal.reports) <= 5, seed
        assert all(2019 <= r.year <= 2025 for r in portal.reports), seed
        assert portal.html_page_count() < 400, seed  # even a crawler fetching every page fits the budget
        assert all(f"depth{d}" not in r.idioms for r in portal.reports for d in (4, 5)), seed


@pytest.mark.parametrize("seed", range(40))
def test_answer_key_urls_are_served(seed: int) -> None:
    """Each expected report answers 200 (after redirects); each robots-forbidden draft exists and is disallowed."""
    portal = generate(seed)
    with GeneratedServer(portal) as server:
        for report in portal.reports:
            for path in report.urls():
                with urllib.request.urlopen(server.url(path), timeout=10) as response:
                    assert response.status == 200, (seed, path)
                    assert response.read(), (seed, path)
        robots = urllib.robotparser.RobotFileParser()
        robots.parse(portal.robots.splitlines())
        for path in portal.forbidden:
            assert not robots.can_fetch("fzwatch", server.url(path)), (seed, path)
            with urllib.request.urlopen(server.url(path), timeout=10) as response:
                assert response.status == 200


def test_missing_page_is_404() -> None:
    with GeneratedServer(generate(5)) as server, pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(server.url("/no/such/page.html"), timeout=10)
    assert caught.value.code == 404


@pytest.mark.skipif(N_PORTALS <= 0, reason="FZWATCH_GEN_PORTALS=0")
def test_spider_finds_every_report_on_generated_portals() -> None:
    started = time.monotonic()
    results = check(range(N_PORTALS), jobs=2)
    failing = [r for r in results if not r.ok]
    lines = [f"seed {r.seed}: found {len(r.found)}/{len(r.expected['reports'])}, missed {r.missed}, "
             f"false {[u for u, _ in r.false_reports]}, robots {r.robots_violations[:3]} {r.error[:200]}\n"
             f"    repro: {r.repro()}" for r in failing]
    message = summary_line(results, time.monotonic() - started) + "\n" + "\n".join(lines)
    assert not failing, message
