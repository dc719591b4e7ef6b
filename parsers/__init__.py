"""Pure parsers: (url, bytes, headers) -> typed results. No Scrapy, network or database.

Public surface (see each module):
- parse_page(url, body, headers=None, site_name=None, region=None) -> ParsedPage   (parsers.page)
- classify_title(title) -> Classification                                            (parsers.classify)
- content_hash(text) -> str: hash of the normalized clean text                       (parsers.normalize)
- read_listing(url, body, headers=None) -> Listing: links, pagination, attachments   (parsers.listing)
- detect_block(status, headers, body) -> str | None: anti-bot challenge kind          (parsers.listing)
"""

from __future__ import annotations

from parsers.classify import classify_title
from parsers.normalize import content_hash, normalize_text
from parsers.page import parse_page

__all__ = ["classify_title", "content_hash", "normalize_text", "parse_page"]
