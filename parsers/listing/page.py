"""Read one list page: links, pagination, attachments, list-API requests, and whether it is a JavaScript shell."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

from parsers.listing.bodies import _decode, _parse_html, _visible_text
from parsers.listing.gkmlpt import _read_gkmlpt_config
from parsers.listing.jpage import _jpage_inline_links, _read_jpage_config
from parsers.listing.links import _is_attachment, _read_anchors, _read_attachments
from parsers.listing.pagination import _read_pagination
from parsers.listing.scripts import read_script_apis
from parsers.listing.types import ApiRequest, Link, Listing
from parsers.listing.urls import _absolute, _site_key, canonical_url

SHELL_MAX_TEXT = 300  # a JavaScript shell shows fewer visible characters than this …
SHELL_MAX_ROWS = 0  # … and no more list rows (links with a title-like text) than this
_ROW_TEXT = 8  # a link whose text is at least this long reads as a list row (an article title)
# Library files: no list endpoint in them, not worth a request.
_LIBRARY = re.compile(
    r"jquery|vue(?:\.runtime)?(?:\.min)?\.js|react|axios|bootstrap|layui|echarts|swiper|polyfill|"
    r"chunk-vendors|vendors?[.~-]|runtime[.~-]|lodash|moment|element-ui|zepto|html5shiv|respond\.min|"
    r"jpage|jquery\.page|pdf\.js|/aria|wza|baidu|cnzz|hm\.js|share",
    re.IGNORECASE,
)
_APP_FIRST = re.compile(r"/(?:app|main|index|list|chunk-[\w]+|page)[.\w-]*\.js", re.IGNORECASE)


def read_listing(url: str, body: bytes, headers: Mapping[str, str] | None = None) -> Listing:
    """Read a list page: links, pagination, attachments, list-API requests, scripts, shell or not. Never
    raises: a page that breaks a reader is an empty listing with ``error`` set (counted by the crawl)."""
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
    script_apis: list[ApiRequest] = []
    if doc is not None:
        base_href = doc.xpath("string(//base/@href)").strip()
        page_base = urljoin(url, base_href) if base_href else url
        listing.links = _read_anchors(doc, page_base, base)
        listing.links += _frame_links(doc, page_base, base, listing.links)
        listing.attachments = _read_attachments(doc, page_base, listing.links)
        listing.pagination, listing.last_page_known = _read_pagination(
            doc, text, page_base, base, listing.links
        )
        listing.scripts = _script_sources(doc, page_base, base)
        script_apis = _inline_script_apis(doc, url)
    jpage = _read_jpage_config(text, url)
    listing.links.extend(_jpage_inline_links(text, url, base, listing.links))
    listing.api_requests = jpage + _read_gkmlpt_config(text, url) + script_apis
    listing.is_shell = doc is not None and _is_shell(doc, listing)
    return listing


def _frame_links(doc: Any, page_base: str, source: str, known: list[Link]) -> list[Link]:
    """A list embedded in an ``<iframe>``/``<frame>`` (信息公开 columns often are): the frame is a link,
    named by its ``title``/``name``. PDF viewers and attachments are read as attachments instead."""
    seen = {link.url for link in known}
    links = []
    for frame in doc.xpath("//iframe[@src] | //frame[@src]"):
        url = _absolute(frame.get("src") or "", page_base)
        if url and url not in seen and not _is_attachment(url) and "file=" not in url:
            seen.add(url)
            text = (frame.get("title") or frame.get("name") or "").strip()
            links.append(Link(url=url, text=text, source=source))
    return links


def _inline_script_apis(doc: Any, url: str) -> list[ApiRequest]:
    apis: list[ApiRequest] = []
    for script in doc.xpath("//script[not(@src)]"):
        code = script.text or ""
        if "dataproxy" in code or "gkmlpt" in code or not code.strip():
            continue  # Hanweb jpage and gkmlpt configs have their own readers
        apis += [
            api for api in read_script_apis(url, code, page_url=url) if api.url not in {a.url for a in apis}
        ]
    return apis


def _script_sources(doc: Any, page_base: str, current: str) -> list[str]:
    """Same-site scripts that may hold the list's code: application bundles first, libraries left out."""
    found = []
    for src in doc.xpath("//script/@src"):
        url = _absolute(src, page_base)
        if url and _site_key(url) == _site_key(current) and not _LIBRARY.search(url):
            found.append(url)
    found = list(dict.fromkeys(found))
    return sorted(found, key=lambda u: 0 if _APP_FIRST.search(u) else 1)


def _is_shell(doc: Any, listing: Listing) -> bool:
    """Almost no text, no list rows, no list API found, but scripts (or an empty ``#app`` mount and an
    application bundle): a page JavaScript fills in."""
    if (
        not doc.xpath("//script")
        or listing.api_requests
        and any(a.kind != "json" for a in listing.api_requests)
    ):
        return False
    if doc.xpath("//iframe[@src] | //frame[@src]"):
        return False  # the list is in a frame, followed as a link
    rows = [link for link in listing.links if len(link.text.replace(" ", "")) >= _ROW_TEXT]
    if len(rows) <= SHELL_MAX_ROWS and len(_visible_text(doc).replace(" ", "")) < SHELL_MAX_TEXT:
        return True
    # A single-page app mounted into a static template (nav and footer around an empty #app).
    return bool(listing.scripts) and _empty_mount(doc)


def _empty_mount(doc: Any) -> bool:
    for mount in doc.xpath("//div[@id='app' or @id='root' or @id='vue-app' or @id='__nuxt']"):
        if not len(mount) and not (mount.text or "").strip():
            return True
    return False
