"""Read one list page: links, pagination, attachments and list-API requests."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urljoin

from parsers.listing.bodies import _decode, _parse_html
from parsers.listing.gkmlpt import _read_gkmlpt_config
from parsers.listing.jpage import _jpage_inline_links, _read_jpage_config
from parsers.listing.json_lists import _read_json_api_config
from parsers.listing.links import _read_anchors, _read_attachments
from parsers.listing.pagination import _read_pagination, _trs_pages
from parsers.listing.types import Listing
from parsers.listing.urls import canonical_url


def read_listing(url: str, body: bytes, headers: Mapping[str, str] | None = None) -> Listing:
    """Read a list page: links, pagination, attachments and list-API requests. Never raises: a page that
    breaks a reader is an empty listing flagged `parse_error` (counted by the crawl)."""
    try:
        return _read_listing(url, body, headers)
    except Exception as exc:  # noqa: BLE001 - one malformed value must not lose the crawl's other pages
        listing = Listing(url=str(url))
        listing.error = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
        return listing


def _read_listing(url: str, body: bytes, headers: Mapping[str, str] | None = None) -> Listing:
    text = _decode(body, headers)
    base = canonical_url(url)
    listing = Listing(url=base)
    doc = _parse_html(text)
    if doc is not None:
        base_href = doc.xpath("string(//base/@href)").strip()
        page_base = urljoin(url, base_href) if base_href else url
        listing.links = _read_anchors(doc, page_base, base)
        listing.attachments = _read_attachments(doc, page_base, listing.links)
        listing.pagination = _read_pagination(doc, page_base, base, listing.links)
    listing.pagination = _merge(listing.pagination, _trs_pages(text, base))
    jpage = _read_jpage_config(text, url)
    listing.links.extend(_jpage_inline_links(text, url, base, listing.links))
    listing.api_requests = jpage + _read_gkmlpt_config(text, url) + _read_json_api_config(text, url)
    listing.pagination = [u for u in listing.pagination if u != base]
    return listing


def _merge(first: list[str], second: list[str]) -> list[str]:
    return list(dict.fromkeys(first + second))
