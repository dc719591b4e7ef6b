"""JSON list APIs: endpoints called by page scripts (fields guessed) and APIs declared in the registry."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from parsers.listing.bodies import _load_json
from parsers.listing.links import _date_in, _is_attachment, _squash
from parsers.listing.pagination import MAX_GENERATED_PAGES
from parsers.listing.params import PAGE_NUMBER_KEYS, PAGE_SIZE_KEYS, first_key
from parsers.listing.types import ApiRequest, Link, Listing
from parsers.listing.urls import _absolute, canonical_url

BEIJING = timezone(timedelta(hours=8))
_TITLE_KEYS = ("title", "docTitle", "name", "bt", "articleTitle", "subject")
_URL_KEYS = ("url", "link", "href", "docUrl", "pageUrl", "linkUrl", "detailUrl")
_DATE_KEYS = ("publishTime", "pubDate", "date", "publish_time", "createTime", "releaseTime", "docDate")
_TOTAL_KEYS = ("total", "totalCount", "count", "recordCount", "totalRecord", "totalElements")


def read_json_list(
    url: str,
    body_json: bytes | str | Mapping[str, Any],
    form: Mapping[str, str] | None = None,
    kind: str = "json",
    detail: str | None = None,
) -> Listing:
    """Read a generic JSON list API: the largest array of objects with a title and a URL.

    Field names are guessed (``title``/``url``/``publishTime``…; epoch dates are read as Beijing time);
    ``total`` with the request's page and size parameters (``parsers.listing.params``; in the query, or in
    ``form`` for a POST, whose further pages keep ``kind``) gives the other pages (only when reading the
    first page). ``detail``: a template such as ``http://x/detail/{id}.html`` (``ApiRequest.detail``) for
    rows that carry only an id and a title; later pages keep it.
    """
    data = _load_json(body_json)
    base = canonical_url(url)
    listing = Listing(url=base)
    field = _template_field(detail)
    rows = _json_rows(data, field)
    for row in rows:
        target = _absolute(str(_first(row, _URL_KEYS) or _from_template(detail, field, row)), url)
        if target:
            title = _squash(str(_first(row, _TITLE_KEYS) or ""))
            date = _row_date(_first(row, _DATE_KEYS))
            listing.links.append(Link(url=target, text=title, date=date, source=base))
    listing.attachments = [link.url for link in listing.links if _is_attachment(link.url)]
    total = _find_int(data, _TOTAL_KEYS)
    if form:
        listing.api_requests = _json_next_forms(url, dict(form), total, len(rows), kind)
    else:
        listing.api_requests = _json_next_pages(url, total, len(rows))
    for request in listing.api_requests:
        request.detail = detail
    return listing


def _template_field(detail: str | None) -> str | None:
    match = re.search(r"\{(\w+)\}", detail or "")
    return match.group(1) if match else None


def _from_template(detail: str | None, field: str | None, row: Mapping[str, Any]) -> str:
    """The row's detail URL built from its id field; "" when there is no template or no such id."""
    value = row.get(field) if field else None
    if (
        detail is None
        or field is None
        or isinstance(value, bool)
        or not isinstance(value, int | str)
        or not re.fullmatch(r"[\w.-]+", str(value))
    ):
        return ""
    return detail.replace("{" + field + "}", quote(str(value)))


def _row_date(value: Any) -> str | None:
    """``2024-03-20 10:00``, ``2024/03/01``, or epoch seconds/milliseconds (Beijing time)."""
    if isinstance(value, int | float) or (isinstance(value, str) and re.fullmatch(r"\d{10}(\d{3})?", value)):
        seconds = float(value) / (1000 if float(value) > 1e11 else 1)
        try:
            return datetime.fromtimestamp(seconds, BEIJING).strftime("%Y-%m-%d")
        except (OverflowError, OSError, ValueError):
            return None
    return _date_in(str(value or ""))


def _first(row: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if row.get(key):
            return row[key]
    return None


def _json_rows(data: Any, id_field: str | None = None) -> list[Mapping[str, Any]]:
    best: list[Mapping[str, Any]] = []
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            stack.extend(node.values())
        elif isinstance(node, list):
            rows = [
                r
                for r in node
                if isinstance(r, Mapping)
                and _first(r, _TITLE_KEYS)
                and (_first(r, _URL_KEYS) or (id_field and r.get(id_field) not in (None, "")))
            ]
            if len(rows) > len(best):
                best = rows
            stack.extend(node)
    return best


def _find_int(data: Any, keys: tuple[str, ...]) -> int | None:
    stack = [data]
    while stack:
        node = stack.pop(0)
        if isinstance(node, Mapping):
            for key in keys:
                if isinstance(node.get(key), int):
                    return int(node[key])
            stack.extend(v for v in node.values() if isinstance(v, Mapping))
    return None


def _json_next_pages(url: str, total: int | None, rows: int) -> list[ApiRequest]:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    numbers = _later_pages(query, total, rows)
    return [
        ApiRequest(
            url=canonical_url(urlunsplit(parts[:3] + (urlencode({**query, key: str(n)}), ""))), kind="json"
        )
        for key, n in numbers
    ]


def _json_next_forms(
    url: str, form: dict[str, str], total: int | None, rows: int, kind: str
) -> list[ApiRequest]:
    """A POSTed list: the page number lives in the form (or JSON object)."""
    return [
        ApiRequest(url=url, kind=kind, method="POST", data={**form, key: str(n)})
        for key, n in _later_pages(form, total, rows)
    ]


def _later_pages(params: Mapping[str, str], total: int | None, rows: int) -> list[tuple[str, int]]:
    """(page key, number) of the pages after the first, from the row count and the page size."""
    page_key = first_key(params, PAGE_NUMBER_KEYS)
    size_key = first_key(params, PAGE_SIZE_KEYS)
    if total is None or page_key is None or not rows or params[page_key] not in ("0", "1"):
        return []
    size = int(params[size_key]) if size_key and params[size_key].isdigit() else rows
    first = int(params[page_key])
    pages = min(math.ceil(total / max(size, 1)), MAX_GENERATED_PAGES)
    return [(page_key, number) for number in range(first + 1, first + pages)]


# --------------------------------------------------------------------------- declared JSON list APIs


def declared_api_requests(spec: Mapping[str, Any], site_url: str, kind: str = "declared") -> list[ApiRequest]:
    """The first page of a JSON list API declared in a site's registry entry (``options.list_apis``).

    ``spec``: ``url`` (template with ``{page}`` and optionally ``{size}``), ``rows`` (alias ``items``:
    dotted path to the row array), ``fields`` (``{title, url, date}`` dotted paths inside a row; also
    accepted at top level as ``title``/``link``/``date``), ``total`` (dotted path to the row count),
    ``page_size`` (default 10), ``first_page`` (default 1).
    """
    template = str(spec.get("url") or "")
    if "{page}" not in template:
        return []
    first = int(spec.get("first_page", 1))
    url = _absolute(_fill_api_template(template, first, spec), site_url)
    return [ApiRequest(url=url, kind=kind)] if url else []


def _fill_api_template(template: str, page: int, spec: Mapping[str, Any]) -> str:
    return template.replace("{page}", str(page)).replace("{size}", str(int(spec.get("page_size", 10))))


def read_declared_list(
    url: str, body_json: bytes | str | Mapping[str, Any], spec: Mapping[str, Any], kind: str = "declared"
) -> Listing:
    """Read one answer of a declared JSON list API (see ``declared_api_requests``).

    On the first page, ``total`` and the page size give requests for the other pages."""
    data = _load_json(body_json)
    base = canonical_url(url)
    listing = Listing(url=base)
    rows = _dig(data, str(spec.get("rows") or spec.get("items") or ""))
    fields = dict(spec.get("fields") or {})
    paths = {
        name: str(fields.get(name) or spec.get(alias) or name)
        for name, alias in (("title", "title"), ("url", "link"), ("date", "date"))
    }
    for row in rows if isinstance(rows, list) else []:
        target = _absolute(str(_dig(row, paths["url"]) or ""), url)
        if target:
            title = _squash(str(_dig(row, paths["title"]) or ""))
            listing.links.append(
                Link(url=target, text=title, date=_date_in(str(_dig(row, paths["date"]) or "")), source=base)
            )
    listing.attachments = [link.url for link in listing.links if _is_attachment(link.url)]
    first = int(spec.get("first_page", 1))
    first_url = _absolute(_fill_api_template(str(spec.get("url") or ""), first, spec), url)
    if base == first_url and isinstance(rows, list) and rows:
        listing.api_requests = _declared_next(
            spec, url, _dig(data, str(spec.get("total") or "total")), first, kind
        )
    return listing


def _declared_next(spec: Mapping[str, Any], url: str, total: Any, first: int, kind: str) -> list[ApiRequest]:
    if not isinstance(total, int | str) or not str(total).isdigit():
        return []
    size = max(int(spec.get("page_size", 10)), 1)
    pages = min(math.ceil(int(total) / size), MAX_GENERATED_PAGES)
    out = []
    for number in range(first + 1, first + pages):
        target = _absolute(_fill_api_template(str(spec["url"]), number, spec), url)
        if target:
            out.append(ApiRequest(url=target, kind=kind))
    return out


def _dig(data: Any, path: str) -> Any:
    """``a.b.0.c`` inside nested dicts/lists; an empty path is the data itself."""
    node = data
    for part in [p for p in path.split(".") if p]:
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node
