"""Guangdong gkmlpt lists: the index page's ``window._CONFIG`` and ``/gkmlpt/api/all/{cat}`` answers."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parsers.listing.bodies import _load_json
from parsers.listing.links import _date_in, _squash
from parsers.listing.pagination import MAX_GENERATED_PAGES
from parsers.listing.types import ApiRequest, Link, Listing
from parsers.listing.urls import _absolute, canonical_url

_GKMLPT_SID = re.compile(r"""["']?SID["']?\s*[:=]\s*["']?([\w-]+)""")


def _read_gkmlpt_config(text: str, url: str) -> list[ApiRequest]:
    """A gkmlpt index page: ``window._CONFIG = {SID, TREE}`` → ``/gkmlpt/api/all/{cat}`` requests."""
    if "_CONFIG" not in text or "gkmlpt" not in text + url:
        return []
    sid = _GKMLPT_SID.search(text)
    if not sid:
        return []
    tree_at = text.find("TREE")
    tree = text[tree_at : tree_at + 20000] if tree_at >= 0 else ""
    categories = list(dict.fromkeys(re.findall(r"""["']?\bid["']?\s*:\s*["']?(\d+)""", tree))) or ["0"]
    root = urljoin(url, "/gkmlpt/api/all/")
    return [
        ApiRequest(url=canonical_url(f"{root}{cat}?page=1&sid={sid.group(1)}"), kind="gkmlpt")
        for cat in categories
    ]


def read_gkmlpt(url: str, body_json: bytes | str | Mapping[str, Any]) -> Listing:
    """Read a gkmlpt ``/gkmlpt/api/all/{cat}?page=N&sid=…`` answer.

    Pages 0 and 1 return the same rows, so page 0 counts as page 1; from page 1 the other pages
    (``2 … ceil(post_count / rows_per_page)``) are returned as ``api_requests``.
    """
    data = _load_json(body_json)
    base = canonical_url(url)
    listing = Listing(url=base)
    articles = data.get("articles") or []
    seen: set[str] = set()
    for article in articles:
        link = _gkmlpt_link(article, url, base)
        if link and link.url not in seen:
            seen.add(link.url)
            listing.links.append(link)
        for attachment in article.get("attachment") or article.get("attachments") or []:
            target = _absolute(str(attachment.get("url") or ""), url)
            if target and target not in listing.attachments:
                listing.attachments.append(target)
    listing.api_requests = _gkmlpt_next(url, data, len(articles))
    return listing


def _gkmlpt_link(article: Mapping[str, Any], url: str, source: str) -> Link | None:
    target = _absolute(str(article.get("url") or ""), url)
    if not target:
        return None
    title = _squash(str(article.get("title") or ""))
    return Link(url=target, text=title, date=_gkmlpt_date(article), source=source)


def _gkmlpt_date(article: Mapping[str, Any]) -> str | None:
    for key in ("date", "display_publish_time", "created_at", "publish_time"):
        value = article.get(key)
        if isinstance(value, int | float) and value > 0:
            stamp = datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC) + timedelta(hours=8)
            return stamp.strftime("%Y-%m-%d")
        if isinstance(value, str) and _date_in(value):
            return _date_in(value)
    return None


def _gkmlpt_next(url: str, data: Mapping[str, Any], rows: int) -> list[ApiRequest]:
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    page = int(query.get("page", "1") or 1) if str(query.get("page", "1")).isdigit() else 1
    classify = data.get("classify") or {}
    count = classify.get("post_count") if isinstance(classify, Mapping) else None
    count = count if isinstance(count, int) else data.get("total")
    if page > 1 or not rows or not isinstance(count, int):
        return []
    pages = min(math.ceil(count / rows), MAX_GENERATED_PAGES)
    parts = urlsplit(url)
    out = []
    for number in range(2, pages + 1):
        new_query = urlencode({**query, "page": str(number)})
        out.append(ApiRequest(url=canonical_url(urlunsplit(parts[:3] + (new_query, ""))), kind="gkmlpt"))
    return out
