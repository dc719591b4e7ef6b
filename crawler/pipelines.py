"""Item pipeline: parse a fetched detail page with parsers/ and write it through storage/ in one transaction;
keep what the crawl learned about its pages (crawl_state) for the next crawl.

It reads what it needs from the typed items (crawler/items.py), the crawler settings (``FZWATCH_DB``) and
storage, never from spider attributes."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.exceptions import DropItem

from crawler.items import CrawlItem, CrawlPageItem, NotAReport, NotModifiedItem, PageItem, StoredPage
from crawler.stopping import is_stopping
from monitor.ingest import FetchedPage, ingest_page, parse_fetched
from parsers import content_hash
from storage.crawl_state import save_pages
from storage.database import Database, shared_database
from storage.models import utcnow
from storage.sites import get_site, known_documents, touch_document

logger = logging.getLogger(__name__)


class StoragePipeline:
    def __init__(self, db_url: str | None) -> None:
        self.db_url = db_url
        self.db: Database | None = None
        self.crawler: Any = None  # set by from_crawler
        self.stats: Any = None
        # Crawl-page updates are written once, when the spider closes, and only if the crawl finished:
        # an interrupted crawl (SIGTERM, daemon killed) must not store list validators whose pages'
        # reports it never reached, or the next crawl would get 304s and skip them. It only costs the
        # next crawl some extra fetches, never a missed report.
        self.page_updates: list[dict[str, Any]] = []
        # Lists (and their first pages) whose items could not all be stored (disk full, database error):
        # their validators are not saved, so the next crawl re-reads them instead of getting a 304.
        self.unfinished_lists: set[str] = set()
        self.site_id: str | None = None  # the crawled site, from the first item
        # URLs of the site's documents stored before this crawl, loaded from storage with the first page: a
        # known page that stopped being a report is still stored (its revision), an unknown one is dropped.
        self.known: set[str] | None = None

    @classmethod
    def from_crawler(cls, crawler):  # type: ignore[no-untyped-def]
        pipeline = cls(crawler.settings.get("FZWATCH_DB"))
        pipeline.crawler = crawler
        pipeline.stats = crawler.stats
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        self.db = shared_database(self.db_url)  # one pool for all the crawls of this process

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.db is None:
            return
        # A crawl whose downloads a stop dropped may still close as "finished" (it ran dry): not finished.
        finished = reason == "finished" and not is_stopping(self.crawler)
        if self.page_updates and self.site_id is not None and finished:
            updates = [
                _without_validators(u) if u.get("key") in self.unfinished_lists else u
                for u in self.page_updates
            ]
            with self.db.transaction() as session:
                saved = save_pages(session, self.site_id, updates)
            self.stats.set_value("fzwatch/crawl_pages_saved", saved)
        elif self.page_updates:
            logger.info("crawl ended (%s): crawl-page state not saved", reason)

    def process_item(self, item: CrawlItem) -> CrawlItem | StoredPage:
        assert self.db is not None
        self.site_id = self.site_id or item.site_id
        if isinstance(item, CrawlPageItem):
            self.page_updates.append(item.page)
            return item
        if isinstance(item, NotModifiedItem):
            with self.db.transaction() as session:
                touch_document(session, item.url, utcnow())
            return item
        try:
            return self._store_page(item)
        except DropItem:
            raise
        except Exception as exc:  # noqa: BLE001 - one page's storage failure is that page's error
            self.unfinished_lists.update(k for k in (item.source, item.root) if k)
            self.stats.inc_value("fzwatch/errors")
            self.stats.inc_value("fzwatch/store_errors")
            reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
            logger.error("could not store %s: %s: %s", item.url, type(exc).__name__, reason)
            raise DropItem(f"not stored ({type(exc).__name__}): {item.url}") from None

    def _store_page(self, item: PageItem) -> StoredPage:
        assert self.db is not None
        attachment = item.attachment
        page = FetchedPage(
            url=item.url,
            body=item.body,
            status=item.status,
            content_type=item.content_type,
            etag=item.etag,
            last_modified=item.last_modified,
            attachment_url=attachment.url if attachment else None,
            attachment_body=attachment.body if attachment else None,
            attachment_content_type=attachment.content_type if attachment else "",
        )
        parsed = parse_fetched(
            page,
            item.site_name,
            item.region,
            parsed=item.parsed,
            attachment_combined=bool(attachment and attachment.combined),
        )
        known = item.url in self._known(item.site_id)
        if "parse_error" in parsed.flags:  # the page broke a parser: its error, counted, never the crawl's
            self.stats.inc_value("fzwatch/errors")
            self.stats.inc_value("fzwatch/parse_errors")
            logger.warning("page %s could not be parsed: %s", item.url, "; ".join(parsed.reasons[:1]))
        if not parsed.is_report and not known:
            # Remember the verdict: this page is not fetched again unless its listing changes or it falls due.
            if item.visit:
                self.page_updates.append(item.visit)
            self.stats.inc_value("fzwatch/candidates_rejected")
            raise NotAReport(
                f"not a report: {parsed.title!r} ({'; '.join(parsed.reasons[:2])})",
                item.url,
                _note(parsed.reasons),
            )
        digest = content_hash(parsed.text)
        result = self.db.run_in_transaction(
            lambda session: ingest_page(session, get_site(session, item.site_id), page, parsed, digest)
        )
        self._count(result.version_created, result.events, parsed.is_report)
        if "attachment_without_text" in parsed.flags:  # a scanned PDF: stored and flagged, not dropped
            self.stats.inc_value("fzwatch/attachments_without_text")
        if parsed.is_report and result.report_id is not None:
            self._mark_productive(item)
        elif item.visit and not known:  # a republication or a page that stopped being a report
            self.page_updates.append(item.visit)
        return StoredPage(
            url=page.url,
            report_id=result.report_id,
            events=result.events,
            outcome="report" if parsed.is_report else "not_report",
            note=_note(parsed.reasons),
        )

    def _known(self, site_id: str) -> set[str]:
        """The site's stored document URLs, read once, before this crawl stores its first page."""
        if self.known is None:
            assert self.db is not None
            with self.db.transaction() as session:
                self.known = set(known_documents(session, site_id))
        return self.known

    def _count(self, version_created: bool, events: list[str], is_report: bool) -> None:
        if version_created:
            self.stats.inc_value("fzwatch/versions_created")
        for kind in events:
            self.stats.inc_value(f"fzwatch/events/{kind}")
        if is_report:
            self.stats.inc_value("fzwatch/reports_seen")

    def _mark_productive(self, item: PageItem) -> None:
        """The list (and the first page of its list) where a report was found is checked on every crawl."""
        for key in (item.source, item.root):
            if key:
                self.page_updates.append({"key": key, "productive": True})


VALIDATORS = ("etag", "last_modified", "body_sha256", "next_visit_at", "last_fetched")


def _note(reasons: list[str]) -> str:
    """The verdict's reasons as the crawl decisions keep them (`fzwatch explain`)."""
    return "；".join(reasons[:3])


def _without_validators(update: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in update.items() if k not in VALIDATORS}
