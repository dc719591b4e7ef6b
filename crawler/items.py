"""What the spider hands to the pipeline (crawler/pipelines.py): one typed Scrapy item per kind.

Scrapy accepts dataclass instances as items. Each item carries everything the pipeline needs (the site's
id, name and region), so the pipeline reads nothing from the spider.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scrapy.exceptions import DropItem

from parsers.types import ParsedPage


@dataclass
class CrawlPageItem:
    """A ``crawl_pages`` row update (what the crawl learned about a list, a detail or a dead page)."""

    site_id: str
    page: dict[str, Any]


@dataclass
class NotModifiedItem:
    """A stored document answered 304: it is still there, unchanged."""

    site_id: str
    url: str


@dataclass
class Attachment:
    """The document a detail page links to (a PDF, DOCX, OFD …), read together with the page."""

    url: str
    body: bytes
    content_type: str
    combined: bool = False  # its text is already in PageItem.parsed


@dataclass
class PageItem:
    """A fetched detail page (and its attachment, if any), parsed in the parse pool, to be stored."""

    site_id: str
    site_name: str
    region: str
    url: str
    body: bytes
    status: int
    content_type: str
    etag: str | None
    last_modified: str | None
    source: str | None  # the list it was found on
    root: str | None  # the first page of that list
    visit: dict[str, Any]  # its crawl_pages row update, kept only if it is not a report
    parsed: ParsedPage  # read in the parse pool (crawler/parsepool.py)
    attachment: Attachment | None = None


@dataclass
class StoredPage:
    """What the pipeline passes on for a stored page, with its final verdict (after an attachment body)."""

    url: str
    report_id: int | None
    events: list[str]
    outcome: str = "report"  # or "not_report": a known page that stopped being a report is stored too
    note: str = ""


class NotAReport(DropItem):
    """A candidate page the pipeline dropped: not a report. Carries the verdict for the crawl decisions."""

    def __init__(self, message: str, url: str, note: str) -> None:
        super().__init__(message)
        self.url, self.note = url, note


CrawlItem = CrawlPageItem | NotModifiedItem | PageItem
