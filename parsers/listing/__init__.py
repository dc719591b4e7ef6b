"""Read list pages: links, pagination, attachments and JSON/XML list endpoints.

Pure functions over url + bytes + headers (no Scrapy, network or database):

- ``read_listing(url, body, headers=None) -> Listing``: every ``<a>`` link (with the date of its
  list row), further list pages (下一页/尾页, ``?page=N``, TRS ``createPageHTML``, DedeCMS
  ``PageNo``), attachments, and API requests (Hanweb jpage ``dataproxy.jsp``, gkmlpt ``/api/all``).
- ``read_jpage_records(url, body) -> Listing``: a Hanweb ``dataproxy.jsp`` XML answer;
  ``jpage_refused``/``jpage_as_post``: a portal that refuses the GET form is asked by POST.
- ``read_gkmlpt(url, body_json) -> Listing``: a Guangdong gkmlpt ``/gkmlpt/api/all/{cat}`` answer.
- ``read_json_list(url, body_json, form=None) -> Listing``: a JSON list API, fields guessed.
- ``read_script_apis(script_url, body, page_url=None) -> list[ApiRequest]``: JSON list endpoints a
  script (inline, or a bundle a JavaScript shell loads) calls; ``Listing.scripts``/``Listing.is_shell``
  say which scripts a page loads and whether its list is built by JavaScript.
- ``page_slot(url)``/``slot_url``/``paging_step``/``following_page``: a list page's place in its series
  (``?page=N``, ``index_N``, VSB ``xxx/N.htm`` counting down), for trying the page after the last known.
- ``PAGING_KEYS``/``PAGE_NUMBER_KEYS``/``PAGE_SIZE_KEYS``: the one list of page-parameter names.
- ``declared_api_requests(spec, site_url)`` / ``read_declared_list(url, body_json, spec)``: a JSON list
  API declared in a site's registry entry (``options.list_apis``: URL template, rows/title/url/date paths).
- ``find_site_search(url, body) -> str | None`` / ``search_url(template)``: a site search engine (TRS
  was5, Hanweb jrobot, 开普 igs) as a ``{q}`` template, and its URL for "法治政府建设 报告".
- ``canonical_url(url) -> str``: one page = one URL.
- ``link_priority(link, site=None) -> int | None``: how promising a link is for finding reports.
- ``detect_block(status, headers, body, url=None) -> str | None``: anti-bot challenge kind.

Modules: ``types`` (Link, ApiRequest, Listing), ``urls``, ``bodies`` (decoding, HTML, JSON), ``links``
(anchors, row dates, attachments), ``params``, ``pagination``, ``jpage``, ``scripts``, ``gkmlpt``, ``json_lists`` (guessed and
declared JSON APIs), ``search``, ``priority``, ``blocks``, ``page`` (``read_listing``).
"""

from __future__ import annotations

from parsers.listing.blocks import detect_block
from parsers.listing.gkmlpt import read_gkmlpt
from parsers.listing.jpage import jpage_as_post, jpage_refused, read_jpage_records
from parsers.listing.json_lists import declared_api_requests, read_declared_list, read_json_list
from parsers.listing.page import read_listing
from parsers.listing.pagination import PageSlot, following_page, page_slot, paging_step, slot_url
from parsers.listing.params import PAGE_NUMBER_KEYS, PAGE_SIZE_KEYS, PAGING_KEYS
from parsers.listing.priority import (
    PRIORITY_DETAIL,
    PRIORITY_FZZF_CHANNEL,
    PRIORITY_NEWS_CHANNEL,
    PRIORITY_REPORT,
    PRIORITY_REPORT_CHANNEL,
    link_priority,
)
from parsers.listing.scripts import read_script_apis
from parsers.listing.search import find_site_search, search_url
from parsers.listing.types import ApiRequest, Link, Listing
from parsers.listing.urls import canonical_url

__all__ = [
    "PAGE_NUMBER_KEYS",
    "PAGE_SIZE_KEYS",
    "PAGING_KEYS",
    "PRIORITY_DETAIL",
    "PRIORITY_FZZF_CHANNEL",
    "PRIORITY_NEWS_CHANNEL",
    "PRIORITY_REPORT",
    "PRIORITY_REPORT_CHANNEL",
    "ApiRequest",
    "Link",
    "Listing",
    "PageSlot",
    "canonical_url",
    "declared_api_requests",
    "detect_block",
    "find_site_search",
    "following_page",
    "jpage_as_post",
    "jpage_refused",
    "link_priority",
    "page_slot",
    "paging_step",
    "read_declared_list",
    "read_gkmlpt",
    "read_jpage_records",
    "read_json_list",
    "read_listing",
    "read_script_apis",
    "search_url",
    "slot_url",
]
