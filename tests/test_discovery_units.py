"""Unit tests of the crawler's pure parts: declared list APIs, site search, revisit policy, trap guards,
Retry-After, and the crawl_pages schema (model = migration)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from crawler.guards import TrapGuards, looks_binary
from crawler.middlewares import retry_after_seconds
from crawler.revisit import RevisitPolicy, is_due, is_hot
from parsers.listing import (
    PRIORITY_NEWS_CHANNEL,
    PRIORITY_REPORT_CHANNEL,
    Link,
    Listing,
    declared_api_requests,
    find_site_search,
    read_declared_list,
    search_url,
)
from storage.crawl_state import load_pages, save_pages
from storage.database import Database
from storage.models import Base
from storage.sites import upsert_site

SITE_JSON = Path(__file__).resolve().parent / "portals" / "sites" / "jsonapi" / "site.json"
NOW = datetime(2026, 9, 1, tzinfo=UTC)  # outside the publication season (January–June)


def test_declared_list_api_from_the_fixture_registry_entry() -> None:
    spec = json.loads(SITE_JSON.read_text(encoding="utf-8"))["registry"]["list_api"]
    [first] = declared_api_requests(spec, "http://x.gov.cn/xxgk/fzzf/index.html")
    assert first.url == "http://x.gov.cn/api/content/list?channelId=12&pageNo=1&pageSize=10"
    answer = {
        "total": 35,
        "data": {"list": [{"title": "某报告", "url": "/a/1.html", "publishTime": "2024-03-27 09:00"}]},
    }
    listing = read_declared_list(first.url, json.dumps(answer), spec)
    assert [(link.url, link.text, link.date) for link in listing.links] == [
        ("http://x.gov.cn/a/1.html", "某报告", "2024-03-27")
    ]
    assert [api.url.rsplit("pageNo=", 1)[1][0] for api in listing.api_requests] == ["2", "3", "4"]
    later = read_declared_list(listing.api_requests[0].url, json.dumps(answer), spec)
    assert later.api_requests == [], "only the first page plans the others"


def test_declared_list_api_brief_form() -> None:
    spec = {
        "url": "/api/list?p={page}&n={size}",
        "rows": "result.items",
        "page_size": 20,
        "fields": {"title": "name", "url": "link.href", "date": "day"},
    }
    [first] = declared_api_requests(spec, "http://x.gov.cn/")
    body = {
        "result": {"items": [{"name": "甲", "link": {"href": "/d/1.html"}, "day": "2024/3/1"}]},
        "total": 1,
    }
    assert first.url.endswith("/api/list?n=20&p=1")
    assert read_declared_list(first.url, json.dumps(body), spec).links[0].url == "http://x.gov.cn/d/1.html"


def test_site_search_engines_are_recognised() -> None:
    hanweb = b'<a href="/jrobotfront/search.action?webid=137&searchWord=">search</a>'
    assert (
        find_site_search("http://a.gov.cn/", hanweb)
        == "http://a.gov.cn/jrobotfront/search.action?webid=137&searchWord={q}"
    )
    assert find_site_search("http://a.gov.cn/", b"<a href='/about.html'>x</a>") is None
    trs = find_site_search("http://a.gov.cn/x/", b'<form action="/was5/web/search?channelid=9"></form>')
    assert search_url(trs or "") == (
        "http://a.gov.cn/was5/web/search?channelid=9&searchword="
        "%E6%B3%95%E6%B2%BB%E6%94%BF%E5%BA%9C%E5%BB%BA%E8%AE%BE%20%E6%8A%A5%E5%91%8A"
    )


def page(**fields: Any) -> dict[str, Any]:
    return {
        "key": "http://a/l",
        "kind": "list",
        "root": None,
        "priority": PRIORITY_NEWS_CHANNEL,
        "productive": False,
        "next_visit_at": None,
    } | fields


def test_revisit_policy() -> None:
    policy = RevisitPolicy(list_days=7, detail_days=30)
    starts = {"http://a/"}
    assert is_hot(page(key="http://a/"), starts)
    assert is_hot(page(productive=True), starts) and is_hot(page(priority=PRIORITY_REPORT_CHANNEL), starts)
    assert not is_hot(page(productive=True, root="http://a/l"), starts), "pagination follows its first page"
    assert not is_hot(page(kind="detail", productive=True), starts)
    cold = policy.next_visit(page(), NOW, starts)
    assert cold is not None and timedelta(days=5) < cold - NOW < timedelta(days=9)
    assert policy.next_visit(page(productive=True), NOW, starts) is None
    detail = policy.next_visit(page(kind="detail"), NOW, starts)
    assert detail is not None and detail - NOW > timedelta(days=20)
    assert not is_due(page(next_visit_at=cold), NOW, starts) and is_due(
        page(next_visit_at=cold), cold, starts
    )


def test_notice_lists_fall_due_within_a_day_in_the_publication_season() -> None:
    policy = RevisitPolicy(list_days=7)
    starts = {"http://a/"}
    march = datetime(2026, 3, 10, tzinfo=UTC)
    due = policy.next_visit(page(), march, starts)  # 通知公告-level list in season
    assert due is not None and timedelta(hours=8) < due - march < timedelta(hours=16), "next daily crawl"
    assert not is_due(page(next_visit_at=due), march, starts), "an immediate recrawl still skips it"
    paginated = policy.next_visit(page(root="http://a/l"), march, starts)
    assert paginated is not None and paginated - march > timedelta(days=5), "pagination still waits"
    minor = policy.next_visit(page(priority=PRIORITY_NEWS_CHANNEL - 1), march, starts)
    assert minor is not None and minor - march > timedelta(days=5)
    # the season is judged in Beijing time: 2026-06-30 20:00 UTC is already July there
    july = datetime(2026, 6, 30, 20, tzinfo=UTC)
    assert (policy.next_visit(page(), july, starts) or july) - july > timedelta(days=5)
    off = RevisitPolicy(list_days=7, season_months=())
    assert (off.next_visit(page(), march, starts) or march) - march > timedelta(days=5)


class Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + count


class FakeCrawler:
    def __init__(self) -> None:
        self.stats = Stats()


def test_trap_guards() -> None:
    crawler = FakeCrawler()
    guards = TrapGuards(crawler, budget=50, max_per_pattern=3, max_calendar=2)
    assert [guards.admit(f"http://a/cal?month=2024-0{m}", is_list=True) for m in range(1, 5)] == [
        True,
        True,
        False,
        False,
    ]
    assert [guards.admit(f"http://a/x/{n}.html") for n in range(5)] == [True, True, True, False, False]
    rows = [Link(url=f"http://a/n/{n}.html", text="t") for n in range(3)]
    first = Listing(
        url="http://a/r?page=1",
        links=[*rows, Link("http://a/r?page=2", "下一页")],
        pagination=["http://a/r?page=2"],
    )
    again = Listing(
        url="http://a/r?page=2",
        links=[*rows, Link("http://a/r?page=3", "下一页")],
        pagination=["http://a/r?page=3"],
    )
    assert not guards.repeats(first) and guards.repeats(again)
    assert crawler.stats.values == {
        "fzwatch/cut_calendar": 2,
        "fzwatch/cut_pattern": 2,
        "fzwatch/cut_repeat": 1,
    }
    assert looks_binary(b"PK\x03\x04" + bytes(range(256))) and not looks_binary("<html>法治</html>".encode())


def test_retry_after_values() -> None:
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_crawl_pages_schema_matches_the_model_and_saves(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert not [d for d in diff if "crawl_pages" in repr(d)], diff
    with db.transaction() as s:
        upsert_site(s, {"id": "a", "name": "A", "start_urls": ["http://a/"]})
        save_pages(
            s,
            "a",
            [
                {"key": "http://a/l", "url": "http://a/l", "kind": "list", "productive": True},
                {"key": "http://a/l", "etag": '"x"'},
            ],
        )
        save_pages(s, "a", [{"key": "http://a/l", "productive": False, "next_visit_at": NOW}])
    with db.transaction() as s:
        [stored] = load_pages(s, "a").values()
    assert stored["productive"] and stored["etag"] == '"x"' and stored["next_visit_at"] == NOW
    db.dispose()
