"""Generated portals (issue 9): the spider against many random portals composed from CMS idioms.

FZWATCH_GEN_PORTALS sets how many seeds the crawl test uses (default 200; 0 skips it). A failure lists
each failing seed with the one-line command that reproduces just that portal.
"""

from __future__ import annotations

import os
import shutil
import time
import urllib.error
import urllib.request
import urllib.robotparser
from collections import Counter

import pytest

from parsers import content_hash, parse_page
from tests.portals.generated import GeneratedServer, generate
from tests.portals.generated.compose import PLACEMENTS
from tests.portals.generated.harness import check, print_report, summary_line
from tests.portals.generated.idioms import LIST_IDIOMS
from tests.portals.generated.news import publish_news
from tests.portals.generated.oracle import BUDGET, crawl

N_PORTALS = int(os.environ.get("FZWATCH_GEN_PORTALS", "200"))
PORTAL_IDIOMS = [
    "redirect",
    "gbk",
    "robots",
    "crawl_delay",
    "attachment_pdf",
    "attachment_docx",
    "title_no_agency",
    "title_space",
    "title_traditional",
    "truncated_titles",
    "depth1",
    "depth2",
    "depth3",
    "pages_1",
    "pages_2-5",
    "pages_6-12",
    "site_map",
]


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


def test_no_two_portals_publish_the_same_report_text() -> None:
    """The crawl test stores 50 portals in one database, where ingest takes a text already stored by another
    site for a republication (one report, recorded as ``duplicate_of``). Portals share town names and seed
    bodies, so without a text of their own a report's fate would hang on which portal was crawled first."""
    owners: dict[str, set[int]] = {}
    for seed in range(200):
        portal = generate(seed)
        for report in portal.reports:
            served = portal.pages[report.url]
            if served.content_type != "text/html":
                continue  # attachments carry the same paragraphs as HTML reports; parsing 200 PDFs is slow
            parsed = parse_page(
                f"http://127.0.0.1:1{report.url}", served.body, {"Content-Type": served.header()}
            )
            owners.setdefault(content_hash(parsed.text), set()).add(seed)
    assert [sorted(seeds) for seeds in owners.values() if len(seeds) > 1] == []


@pytest.mark.parametrize("seed", range(20))
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


@pytest.mark.parametrize("seed", [0, 7, 13])
def test_a_news_day_changes_the_chosen_lists_and_nothing_else(seed: int) -> None:
    """bench_scale's news day: a conditional GET of a changed list answers 200 with a link to a new article
    that is served; an unchanged page still answers 304; the same day changes the same pages."""
    portal = generate(seed)
    assert publish_news(generate(seed), 1, 0.2) == publish_news(generate(seed), 1, 0.2)
    with GeneratedServer(portal) as server:

        def etag(path: str) -> str:
            with urllib.request.urlopen(server.url(path), timeout=10) as response:
                return str(response.headers["ETag"])

        lists = sorted(
            k
            for k in portal.channel_pages
            if k in portal.pages and "<body" in portal.pages[k].body.decode("utf-8", "replace")
        )
        before = {path: etag(path) for path in [portal.home, *lists]}
        changed = publish_news(portal, 1, 0.2)
        assert portal.home in changed and 0 < len(changed) - 1 <= round(len(lists) * 0.2)
        for path, tag in before.items():
            request = urllib.request.Request(server.url(path), headers={"If-None-Match": tag})
            if path in changed:
                with urllib.request.urlopen(request, timeout=10) as response:
                    body = response.read().decode(portal.pages[path].charset or "gbk")
                assert response.status == 200 and "/news-day/1/" in body
                article = body.split('href="/news-day/1/', 1)[1].split('"', 1)[0]
                with urllib.request.urlopen(server.url(f"/news-day/1/{article}"), timeout=10) as response:
                    assert "第1期" in response.read().decode()
            else:
                with pytest.raises(urllib.error.HTTPError) as caught:
                    urllib.request.urlopen(request, timeout=10)
                assert caught.value.code == 304, path


def test_missing_page_is_404() -> None:
    with GeneratedServer(generate(5)) as server, pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(server.url("/no/such/page.html"), timeout=10)
    assert caught.value.code == 404


@pytest.mark.parametrize("seed", range(0, 200, 10))
def test_reference_crawler_reaches_every_report(seed: int) -> None:
    """No impossible portals: the reference crawler (oracle.py) reaches each report within depth 4 and
    400 fetches without touching a robots-disallowed path."""
    result = crawl(generate(seed))
    assert (result.missed, result.robots_violations) == ([], 0)
    assert result.fetched <= BUDGET


@pytest.mark.slow
@pytest.mark.timeout(2400)  # 200 portals take ~6 minutes on 2 idle cores
@pytest.mark.skipif(N_PORTALS <= 0, reason="FZWATCH_GEN_PORTALS=0")
def test_spider_finds_every_report_on_generated_portals() -> None:
    """Every generated portal: every report found, no list page or near-miss stored as a report, robots.txt
    obeyed, the crawl ended by itself. No allowance: a miss on any portal fails the test with its repro."""
    started = time.monotonic()
    results = check(range(N_PORTALS), jobs=2)
    print_report(results, time.monotonic() - started, top_level_only=True)  # shown by pytest on failure
    failing = [r for r in results if not r.ok]
    lines = [
        f"seed {r.seed}: found {len(r.found)}/{len(r.expected['reports'])}, missed {r.missed}, "
        f"false {[u for u, _ in r.false_reports]}, robots {r.robots_violations[:3]} {r.error[:200]}\n"
        f"    repro: {r.repro()}"
        for r in failing
    ]
    assert not failing, summary_line(results, time.monotonic() - started) + "\n" + "\n".join(lines)


def _js_shell_seeds(limit: int) -> list[int]:
    return [s for s in range(200) if "js_shell" in generate(s).idioms][:limit]


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs chromium (apt-get install chromium)")
@pytest.mark.parametrize("seed", _js_shell_seeds(3))
def test_js_shell_renders_its_list_in_a_browser(seed: int) -> None:
    """The JavaScript shells are real: a headless browser shows the rows the bundle fetched."""
    sync_api = pytest.importorskip("playwright.sync_api")
    portal = generate(seed)
    api = next(d for d in portal.dynamic if d["kind"] == "json_api")
    entry = next(
        k for k in portal.pages if k.endswith("index.html") and b'<div id="app">' in portal.pages[k].body
    )
    with GeneratedServer(portal) as server, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        tab = browser.new_page()
        tab.goto(server.url(entry))
        tab.wait_for_selector("#app li a", timeout=10_000)
        hrefs = tab.eval_on_selector_all("#app li a", "els => els.map(e => e.getAttribute('href'))")
        browser.close()
    assert len(hrefs) == min(20, len(api["rows"]))
    assert all(h in portal.pages or h in portal.redirects for h in hrefs)
