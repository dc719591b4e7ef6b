"""Hanweb jpage column lists: the page's jpage config and inline records, and ``dataproxy.jsp`` answers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parsers.listing.bodies import _decode, _parse_html
from parsers.listing.links import _is_attachment, _read_anchors
from parsers.listing.pagination import MAX_GENERATED_PAGES
from parsers.listing.types import ApiRequest, Link, Listing
from parsers.listing.urls import canonical_url

JPAGE_PROXY = "/module/web/jpage/dataproxy.jsp"
_JPAGE_KEYS = (
    "col", "appid", "webid", "path", "columnid", "sourcecontenttype", "unitid", "webname", "permissiontype",
)  # fmt: skip
_RECORD_RE = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL | re.IGNORECASE)


def _read_jpage_config(text: str, url: str) -> list[ApiRequest]:
    """A Hanweb column page: jpage config (nextgroup URL or JS object) → dataproxy requests."""
    if "jpage" not in text and "dataproxy" not in text:
        return []
    params = _jpage_params(text)
    if "columnid" not in {k.lower() for k in params}:
        return []
    per_page = _js_int(text, ("perPage", "perpage")) or 15
    inline = len(_RECORD_RE.findall(text))
    group = _js_int(text, ("groupSize", "groupsize")) or _inline_groups(inline, per_page) or 3
    total = _js_int(text, ("totalRecord", "totalrecord"))
    proxy = _js_str(text, ("proxyUrl", "proxyurl")) or JPAGE_PROXY
    endpoint = urljoin(url, proxy)
    # The page carries the first record group inline (its data island): ask only for the groups after it.
    # A partial island (fewer rows than a group) is asked again from record 1, aligned to the groups.
    whole = inline and (inline % (per_page * group) == 0 or total is not None and inline >= total)
    start = inline + 1 if whole else 1
    return _jpage_requests(endpoint, params, per_page, group, start=start, total=total)


def _inline_groups(inline: int, per_page: int) -> int | None:
    """No ``groupSize`` declared: an island of whole pages is one group of that many pages."""
    return inline // per_page if inline and inline % per_page == 0 else None


def _jpage_params(text: str) -> dict[str, str]:
    params: dict[str, str] = {}
    match = re.search(r"dataproxy\.jsp\?([^\"'<>\]\s]+)", text)
    if match:
        query = match.group(1).replace("&amp;", "&")
        params.update((k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k.lower() in _JPAGE_KEYS)
    for key in _JPAGE_KEYS:
        if any(k.lower() == key for k in params):
            continue
        found = re.search(rf"\b{key}\b\s*[:=]\s*[\"']?([^\"',}}\s]*)", text, re.IGNORECASE)
        if found:
            params[key] = found.group(1)
    return params


def _js_int(text: str, names: tuple[str, ...]) -> int | None:
    for name in names:
        match = re.search(rf"\b{name}\s*[:=]\s*[\"']?(\d+)", text)
        if match:
            return int(match.group(1))
    return None


def _js_str(text: str, names: tuple[str, ...]) -> str | None:
    for name in names:
        match = re.search(rf"\b{name}\s*[:=]\s*[\"']([^\"']+)[\"']", text)
        if match:
            return match.group(1)
    return None


def _jpage_requests(
    endpoint: str, params: Mapping[str, str], per_page: int, group: int, start: int, total: int | None
) -> list[ApiRequest]:
    step = per_page * group
    last = total if total is not None else start + step - 1
    requests: list[ApiRequest] = []
    for begin in range(start, last + 1, step):
        if len(requests) >= MAX_GENERATED_PAGES:
            break
        end = begin + step - 1 if total is None else min(begin + step - 1, total)
        query = {"startrecord": str(begin), "endrecord": str(end), "perpage": str(per_page), **params}
        parts = urlsplit(endpoint)
        url = canonical_url(urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), "")))
        requests.append(ApiRequest(url=url, kind="jpage"))
    return requests


def _jpage_inline_links(text: str, url: str, source: str, known: list[Link]) -> list[Link]:
    """Records a Hanweb column page carries inline in its ``<script type="text/xml">`` datastore."""
    seen = {link.url for link in known}
    links = []
    for link in _record_links(text, url, source):
        if link.url not in seen:
            seen.add(link.url)
            links.append(link)
    return links


def _record_links(text: str, url: str, source: str) -> list[Link]:
    links = []
    for record in _RECORD_RE.findall(text):
        doc = _parse_html(f"<ul>{record}</ul>")
        if doc is not None:
            links.extend(_read_anchors(doc, url, source))
    return links


def read_jpage_records(url: str, body: bytes) -> Listing:
    """Read a Hanweb ``dataproxy.jsp`` answer: ``<recordset><record><![CDATA[<li>…`` rows.

    ``totalrecord`` drives the requests for the following record groups (those after this one).
    """
    text = _decode(body, None) if isinstance(body, bytes) else str(body)
    base = canonical_url(url)
    listing = Listing(url=base, links=_record_links(text, url, base))
    listing.attachments = [link.url for link in listing.links if _is_attachment(link.url)]
    total_match = re.search(r"<totalrecord>\s*(\d+)\s*</totalrecord>", text, re.IGNORECASE)
    query = {k.lower(): v for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)}
    if total_match and query.get("endrecord", "").isdigit():
        total = int(total_match.group(1))
        per_page = int(query.get("perpage") or 15)
        start, end = int(query.get("startrecord") or 1), int(query["endrecord"])
        params = {
            k: v
            for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)
            if k.lower() not in ("startrecord", "endrecord", "perpage")
        }
        step = max(end - start + 1, 1)
        group = max(step // max(per_page, 1), 1)
        endpoint = urlunsplit(urlsplit(url)[:3] + ("", ""))
        if end < total:
            listing.api_requests = _jpage_requests(endpoint, params, per_page, group, end + 1, total)
    return listing


_GROUP_KEYS = ("startrecord", "endrecord", "perpage")


def jpage_as_post(api: ApiRequest) -> ApiRequest:
    """The same record group asked by POST, as Hanweb's own jpage script does: the record range stays in
    the query, the column parameters go into the form (for portals that refuse the GET form)."""
    parts = urlsplit(api.url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = [(k, v) for k, v in pairs if k.lower() in _GROUP_KEYS]
    form = {k: v for k, v in pairs if k.lower() not in _GROUP_KEYS}
    url = canonical_url(urlunsplit(parts[:3] + (urlencode(query), "")))
    return ApiRequest(url=url, kind=api.kind, method="POST", data=form or None)


def jpage_refused(status: int, body: bytes) -> bool:
    """A dataproxy answer that refuses the GET form: 405, or a 200 without any record — no record set, or an
    empty one that does not even say how many records the column holds (a real page past the end does)."""
    if status == 405:
        return True
    lower = body.lower()
    return status == 200 and b"<record>" not in lower and b"<totalrecord" not in lower
