"""Spider -> pipeline through typed items (crawler/items.py): the pipeline stores a page from what the item
carries, the database named in the crawler settings and the site's documents already in storage. The crawler
here has no spider at all, so nothing can come from spider attributes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from crawler.items import NotAReport, PageItem, StoredPage
from crawler.pipelines import StoragePipeline
from parsers import parse_page
from storage.crawl_state import load_pages
from storage.database import Database
from storage.sites import upsert_site

FIXTURES = Path(__file__).parent / "fixtures" / "parsers"
SITE = json.loads((FIXTURES / "hanweb_taishun_000" / "site.json").read_text(encoding="utf-8"))
REPORT_URL = (FIXTURES / "hanweb_taishun_000" / "url.txt").read_text(encoding="utf-8").strip()
LIST_URL = "https://www.ts.gov.cn/col/col1229566/index.html"


def _item(fixture: str, url: str) -> PageItem:
    body = (FIXTURES / fixture / "page.html").read_bytes()
    headers = {"content-type": "text/html; charset=utf-8"}
    parsed = parse_page(url, body, headers, site_name=SITE["name"], region=SITE["region"])
    return PageItem(
        site_id="ts",
        site_name=SITE["name"],
        region=SITE["region"],
        url=url,
        body=body,
        status=200,
        content_type=headers["content-type"],
        etag='"v1"',
        last_modified=None,
        source=LIST_URL,
        root=None,
        visit={"key": url, "url": url, "kind": "detail"},
        parsed=parsed,
    )


def _pipeline(db_url: str) -> StoragePipeline:
    pipeline = StoragePipeline.from_crawler(get_crawler(settings_dict={"FZWATCH_DB": db_url}))
    pipeline.open_spider()
    return pipeline


@pytest.fixture
def site_db(sqlite_url: str) -> str:
    db = Database(sqlite_url)
    with db.transaction() as session:
        upsert_site(session, {"id": "ts", **SITE, "start_urls": [LIST_URL]})
    db.dispose()
    return sqlite_url


def test_pipeline_stores_a_report_and_drops_a_non_report_from_items_alone(site_db: str) -> None:
    pipeline = _pipeline(site_db)
    stored = pipeline.process_item(_item("hanweb_taishun_000", REPORT_URL))
    assert isinstance(stored, StoredPage) and stored.url == REPORT_URL and stored.report_id is not None
    assert stored.outcome == "report"
    other = "https://www.ts.gov.cn/art/2024/3/1/art_1_1.html"
    with pytest.raises(NotAReport) as dropped:
        pipeline.process_item(_item("nearmiss_notice_report", other))
    assert dropped.value.url == other and dropped.value.note  # the verdict the spider's decisions keep
    pipeline.spider_closed(None, "finished")
    db = Database(site_db)
    with db.transaction() as session:
        pages = load_pages(session, "ts")
    db.dispose()
    assert pages[LIST_URL]["productive"]  # the list that led to a report is checked on every crawl
    assert pages[other]["kind"] == "detail"  # the rejected page is remembered, not fetched again each crawl


def test_a_known_page_is_stored_even_when_it_stops_being_a_report(site_db: str) -> None:
    first = _pipeline(site_db)
    first.process_item(_item("hanweb_taishun_000", REPORT_URL))
    first.spider_closed(None, "finished")
    # The next crawl: the pipeline learns from storage that this URL is a stored document.
    second = _pipeline(site_db)
    stored = second.process_item(_item("nearmiss_notice_report", REPORT_URL))
    assert isinstance(stored, StoredPage) and stored.outcome == "not_report"
    second.spider_closed(None, "finished")
