"""Item pipeline: parse a fetched detail page with parsers/ and write it through storage/ in one transaction."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.exceptions import DropItem

from parsers import content_hash, parse_page
from parsers.combine import with_attachment_body
from storage.database import Database
from storage.ingest import FetchedPage, ingest_page
from storage.sites import get_site, touch_document
from storage.models import utcnow

logger = logging.getLogger(__name__)


class StoragePipeline:
    def __init__(self, db_url: str | None) -> None:
        self.db_url = db_url
        self.db: Database | None = None

    @classmethod
    def from_crawler(cls, crawler):  # type: ignore[no-untyped-def]
        pipeline = cls(crawler.settings.get("FZWATCH_DB"))
        pipeline.crawler = crawler
        pipeline.stats = crawler.stats
        return pipeline

    def open_spider(self) -> None:
        self.db = Database(getattr(self.crawler.spider, "db_url", None) or self.db_url)

    def close_spider(self) -> None:
        if self.db is not None:
            self.db.dispose()

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        assert self.db is not None
        spider = self.crawler.spider
        if item["kind"] == "not_modified":
            with self.db.transaction() as session:
                touch_document(session, item["url"], utcnow())
            return item
        attachment = item.get("attachment") or {}
        page = FetchedPage(
            url=item["url"], body=item["body"], status=item["status"], content_type=item["content_type"],
            etag=item["etag"], last_modified=item["last_modified"],
            attachment_url=attachment.get("url"), attachment_body=attachment.get("body"),
        )
        site_spec = spider.site
        parsed = item.get("parsed") or parse_page(page.url, page.body, {"content-type": page.content_type},
                                                  site_name=site_spec["name"], region=site_spec["region"])
        if attachment:
            parsed = with_attachment_body(parsed, attachment["url"], attachment["body"],
                                          {"content-type": attachment["content_type"]}, site_name=site_spec["name"])
        known = item["url"] in spider.known
        if not parsed.is_report and not known:
            self.stats.inc_value("fzwatch/candidates_rejected")
            raise DropItem(f"not a report: {parsed.title!r} ({'; '.join(parsed.reasons[:2])})")
        with self.db.transaction() as session:
            site = get_site(session, item["site_id"])
            result = ingest_page(session, site, page, parsed, content_hash(parsed.text))
        if result.version_created:
            self.stats.inc_value("fzwatch/versions_created")
        for kind in result.events:
            self.stats.inc_value(f"fzwatch/events/{kind}")
        if parsed.is_report:
            self.stats.inc_value("fzwatch/reports_seen")
        return {"url": page.url, "report_id": result.report_id, "events": result.events}
