"""Read list pages: links, pagination, attachments and JSON/XML list endpoints.

Pure functions over url + bytes + headers (no Scrapy, network or database):

- ``read_listing(url, body, headers=None) -> Listing``: every ``<a>`` link (with the date of its
  list row), further list pages (下一页/尾页, ``?page=N``, TRS ``createPageHTML``, DedeCMS
  ``PageNo``), attachments, and API requests (Hanweb jpage ``dataproxy.jsp``, gkmlpt ``/api/all``).
- ``read_jpage_records(url, body) -> Listing``: a Hanweb ``dataproxy.jsp`` XML answer.
- ``read_gkmlpt(url, body_json) -> Listing``: a Guangdong gkmlpt ``/gkmlpt/api/all/{cat}`` answer.
- ``read_json_list(url, body_json) -> Listing``: a JSON list API, fields guessed.
- ``declared_api_requests(spec, site_url)`` / ``read_declared_list(url, body_json, spec)``: a JSON list
  API declared in a site's registry entry (``options.list_apis``: URL template, rows/title/url/date paths).
- ``find_site_search(url, body) -> str | None`` / ``search_url(template)``: a site search engine (TRS
  was5, Hanweb jrobot, 开普 igs) as a ``{q}`` template, and its URL for "法治政府建设 报告".
- ``canonical_url(url) -> str``: one page = one URL.
- ``link_priority(link, site=None) -> int | None``: how promising a link is for finding reports.
- ``detect_block(status, headers, body, url=None) -> str | None``: anti-bot challenge kind.
"""

from __future__ import annotations

import json
import logging
import math
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree

logger = logging.getLogger(__name__)

__all__ = [
    "ApiRequest",
    "Link",
    "Listing",
    "canonical_url",
    "declared_api_requests",
    "detect_block",
    "find_site_search",
    "link_priority",
    "read_declared_list",
    "read_gkmlpt",
    "read_jpage_records",
    "read_json_list",
    "read_listing",
    "search_url",
]

MAX_GENERATED_PAGES = 500  # never expand a pagination template past this many pages

ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".wps", ".ofd", ".zip", ".rar", ".et")
_SKIP_EXTENSIONS = (
    ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".svg", ".ico", ".webp", ".css", ".js",
    ".mp4", ".mp3", ".flv", ".avi", ".swf", ".exe", ".apk",
)  # fmt: skip


# --------------------------------------------------------------------------- types


@dataclass
class Link:
    """One ``<a>`` on a list page (or one row of a list API)."""

    url: str  # absolute, canonical
    text: str  # anchor text, or the title attribute when the text is empty or truncated
    date: str | None = None  # "YYYY-MM-DD" found in the same list row
    source: str = ""  # canonical URL of the page the link was found on


@dataclass
class ApiRequest:
    """A JSON/XML list endpoint to fetch; read its answer with the matching ``read_*``."""

    url: str  # absolute; for GET it carries every parameter
    kind: str  # "jpage" (read_jpage_records) | "gkmlpt" (read_gkmlpt) | "json"
    method: str = "GET"
    data: dict[str, str] | None = None  # form body for POST


@dataclass
class Listing:
    """What one list page (or list API answer) leads to."""

    url: str
    links: list[Link] = field(default_factory=list)
    pagination: list[str] = field(default_factory=list)  # absolute canonical URLs of other list pages
    attachments: list[str] = field(default_factory=list)  # absolute canonical URLs
    api_requests: list[ApiRequest] = field(default_factory=list)


# --------------------------------------------------------------------------- canonical URLs

_TRACKING_KEYS = {"spm", "from", "share", "jsessionid", "phpsessid", "aspsessionid", "isappinstalled"}
_TIMESTAMP_KEYS = {"t", "_t", "_", "timestamp", "ts", "r", "rnd", "random"}
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SAFE_PATH = "/%:@!$&'()*+,;=-._~"
_SAFE_QUERY = "/%:@!$'()*+,;=-._~?"


def canonical_url(url: str) -> str:
    """Normalise a URL so that one page has one URL.

    Drops the fragment, ``;jsessionid=…``, tracking parameters (``utm_*``, ``spm``, ``from``,
    ``share``) and timestamp-like cache busters (``t``/``_t``/``_`` = digits); sorts the query;
    lowercases scheme and host; drops default ports; percent-encodes non-ASCII characters.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    path = re.sub(r";\s*(jsessionid|phpsessid|sid)=[^/?#]*", "", parts.path, flags=re.IGNORECASE)
    path = quote(path or "/", safe=_SAFE_PATH)
    query = urlencode(sorted(_kept_params(parts.query)), quote_via=quote, safe=_SAFE_QUERY)
    return urlunsplit((scheme, netloc, path, query, ""))


def _kept_params(query: str) -> list[tuple[str, str]]:
    kept = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        low = key.lower()
        if low.startswith("utm_") or low in _TRACKING_KEYS:
            continue
        if low in _TIMESTAMP_KEYS and re.fullmatch(r"\d+(\.\d+)?", value):
            continue
        kept.append((key, value))
    return kept


def _site_key(url: str) -> str:
    """Host used to decide "same site": ``x.dl.gov.cn`` and ``www.dl.gov.cn`` share ``dl.gov.cn``."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    host = host.removeprefix("www.")
    labels = host.split(".")
    if host.endswith(".gov.cn") and len(labels) > 3:
        host = ".".join(labels[-3:])
    try:
        port = parts.port
    except ValueError:
        port = None
    if port not in (None, _DEFAULT_PORTS.get(parts.scheme.lower())):
        host = f"{host}:{port}"
    return host


# --------------------------------------------------------------------------- decoding


def _decode(body: bytes, headers: Mapping[str, str] | None) -> str:
    """Decode with ``parsers.decode.decode_html`` when present, else a private fallback."""
    try:
        from parsers import decode
    except ImportError:  # pragma: no cover - depends on the other module existing
        return _fallback_decode(body, headers)
    function = getattr(decode, "decode_html", None) or getattr(decode, "decode_body", None)
    if function is None:  # pragma: no cover
        return _fallback_decode(body, headers)
    plain = {k: v for k, v in (headers or {}).items() if isinstance(k, str) and isinstance(v, str)}
    return str(function(body, plain))


def _fallback_decode(body: bytes, headers: Mapping[str, str] | None) -> str:
    """Header charset → meta charset → utf-8 → GB18030."""
    candidates = []
    content_type = _header(headers, "content-type") or ""
    match = re.search(r"charset\s*=\s*[\"']?([\w-]+)", content_type, re.IGNORECASE)
    if match:
        candidates.append(match.group(1))
    match = re.search(rb"<meta[^>]+charset\s*=\s*[\"']?([\w-]+)", body[:4096], re.IGNORECASE)
    if match:
        candidates.append(match.group(1).decode("ascii", "replace"))
    candidates.append("utf-8")
    for name in candidates:
        name = "gb18030" if name.lower() in ("gb2312", "gbk", "gb_2312-80") else name
        try:
            return body.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("gb18030", errors="replace")


def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        key_text = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if key_text.lower() == name:
            if isinstance(value, list | tuple):
                value = value[0] if value else ""
            return value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return None


def _parse_html(text: str) -> Any | None:
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        try:
            return lxml.html.document_fromstring(text.encode("utf-8"))
        except (etree.ParserError, ValueError):
            return None


# --------------------------------------------------------------------------- read_listing


def read_listing(url: str, body: bytes, headers: Mapping[str, str] | None = None) -> Listing:
    """Read a list page: links, pagination, attachments and list-API requests."""
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


_BAD_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "vbscript:")
_DATE_RE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_ROW_TAGS = {"li", "tr", "dd", "dl", "p", "div", "td", "span"}


def _absolute(href: str, page_base: str) -> str | None:
    href = href.strip().replace("\\", "/")
    if not href or href.startswith("#") or href.lower().startswith(_BAD_SCHEMES):
        return None
    absolute = urljoin(page_base, href)
    if urlsplit(absolute).scheme not in ("http", "https"):
        return None
    return canonical_url(absolute)


def _anchor_text(anchor: Any) -> str:
    text = _squash(anchor.text_content())
    title = _squash(anchor.get("title") or "")
    if title and (not text or text.endswith(("...", "…", "..")) or len(title) > len(text) and text in title):
        return title
    return text


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def _read_anchors(doc: Any, page_base: str, source: str) -> list[Link]:
    links: list[Link] = []
    seen: set[str] = set()
    for anchor in doc.iter("a"):
        url = _absolute(anchor.get("href") or "", page_base)
        if url is None or url in seen:
            continue
        seen.add(url)
        links.append(Link(url=url, text=_anchor_text(anchor), date=_row_date(anchor), source=source))
    return links


def _row_date(anchor: Any) -> str | None:
    """Date printed in the list row of ``anchor`` (a row holds only this one link)."""
    node = anchor
    for _ in range(3):
        match = _date_in(anchor.get("title") or "") if node is anchor else None
        if match:
            return match
        node = node.getparent()
        if node is None or node.tag not in _ROW_TAGS:
            return None
        if len(node.findall(".//a")) > 1:
            return None
        match = _date_in(node.text_content())
        if match:
            return match
    return None


def _date_in(text: str) -> str | None:
    match = _DATE_RE.search(text)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _is_attachment(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return path.endswith(ATTACHMENT_EXTENSIONS)


def _read_attachments(doc: Any, page_base: str, links: list[Link]) -> list[str]:
    found = [link.url for link in links if _is_attachment(link.url)]
    for element in doc.iter("iframe", "embed", "object", "a", "span", "div", "input", "button"):
        for attr in ("src", "data", "onclick"):
            value = element.get(attr) or ""
            found.extend(_attachment_refs(value, page_base))
        if element.tag == "a":
            found.extend(_attachment_refs(element.get("href") or "", page_base, only_viewer=True))
    return list(dict.fromkeys(found))


_ATTACH_IN_TEXT = re.compile(r"""['"(=]?\s*([^'"\s()<>]+\.(?:pdf|docx?|xlsx?|wps|ofd))\b""", re.IGNORECASE)


def _attachment_refs(value: str, page_base: str, only_viewer: bool = False) -> list[str]:
    refs = []
    viewer = re.search(r"[?&]file=([^&#]+)", value)
    if viewer:
        refs.append(unquote(viewer.group(1)))
    if not only_viewer:
        refs.extend(_ATTACH_IN_TEXT.findall(value))
    urls = [_absolute(ref, page_base) for ref in refs]
    return [u for u in urls if u and _is_attachment(u)]


# --------------------------------------------------------------------------- pagination

_NEXT_WORDS = re.compile(
    r"^(下一?页|下页|后页|尾页|末页|最后一?页|>|>>|›|»|next|last|\d{1,4})$", re.IGNORECASE
)
_PAGE_KEYS = {
    "page",
    "pageno",
    "pagenum",
    "pageindex",
    "pn",
    "curpage",
    "currentpage",
    "pagenumber",
    "page_no",
}
_PAGE_PATH = re.compile(
    r"^(.*?/(?:index|list|default|more|page|[a-z]*list)(?:_\d+)*?)_(\d{1,4})(\.s?html?)$", re.IGNORECASE
)


def _read_pagination(doc: Any, page_base: str, current: str, links: list[Link]) -> list[str]:
    pages = []
    for link in links:
        text = link.text.replace(" ", "")
        if not _NEXT_WORDS.match(text) or _is_attachment(link.url):
            continue
        if text.isdigit() and not _looks_like_page_url(link.url, current):
            continue
        if _site_key(link.url) == _site_key(current):
            pages.append(link.url)
    pages.extend(_select_pages(doc, page_base, current))
    return _expand_page_ranges(list(dict.fromkeys(pages)), current)


def _select_pages(doc: Any, page_base: str, current: str) -> list[str]:
    """Pages offered by a ``<select onchange=…>`` page jumper (``<option value=url>``)."""
    pages = []
    for option in doc.xpath(
        "//select[contains(@onchange, 'location') or contains(@onchange, 'href')]/option"
    ):
        url = _absolute(option.get("value") or "", page_base)
        if url and _looks_like_page_url(url, current):
            pages.append(url)
    return pages


def _page_param(url: str) -> tuple[str, int] | None:
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if key.lower() in _PAGE_KEYS and value.isdigit():
            return key, int(value)
    return None


def _looks_like_page_url(url: str, current: str) -> bool:
    if _site_key(url) != _site_key(current):
        return False
    if _page_param(url):
        return True
    path, cur_path = urlsplit(url).path, urlsplit(current).path
    return bool(_PAGE_PATH.match(path)) and posixpath.dirname(path) == posixpath.dirname(cur_path)


def _expand_page_ranges(pages: list[str], current: str) -> list[str]:
    """Fill the gap between page 1 and the last page (尾页) for ``?page=N`` and ``index_N`` styles."""
    groups: dict[tuple[str, str], list[int]] = {}
    for url in pages + [current]:
        template = _page_template(url)
        if template:
            groups.setdefault(template[0], []).append(template[1])
    out: list[str] = []
    for (kind, template), numbers in groups.items():
        high = max(numbers)
        low = 0 if kind == "path" else min(min(numbers), 1)
        for number in range(max(low, 0), min(high, low + MAX_GENERATED_PAGES) + 1):
            out.append(_fill_template(kind, template, number))
    return list(dict.fromkeys(out + pages))


def _page_template(url: str) -> tuple[tuple[str, str], int] | None:
    param = _page_param(url)
    if param:
        key, number = param
        parts = urlsplit(url)
        rest = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != key]
        stem = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(rest), ""))
        return ("param", f"{stem}\x00{key}"), number
    match = _PAGE_PATH.match(urlsplit(url).path)
    if match:
        parts = urlsplit(url)
        stem = urlunsplit((parts.scheme, parts.netloc, match.group(1) + "\x00" + match.group(3), "", ""))
        return ("path", stem), int(match.group(2))
    return None


def _fill_template(kind: str, template: str, number: int) -> str:
    if kind == "param":
        stem, key = template.split("\x00")
        sep = "&" if "?" in stem else "?"
        return canonical_url(f"{stem}{sep}{urlencode({key: number})}")
    stem, ext = template.split("\x00")
    return canonical_url(f"{stem}{ext}" if number == 0 else f"{stem}_{number}{ext}")


_CALL_RE = re.compile(r"\b(createPageHTML|createPage)\s*\(([^()]*)\)")
_VAR_RE = re.compile(r"\bvar\s+(\w+)\s*=\s*(?:(\d+)\b|[\"']([^\"']*)[\"'])")


def _trs_pages(text: str, current: str) -> list[str]:
    """TRS WCM: ``createPageHTML(pages, cur, "index", "html")`` and friends → index_N pages."""
    variables = {
        m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in _VAR_RE.finditer(text)
    }
    for match in _CALL_RE.finditer(text):
        spec = _trs_spec([_resolve(arg, variables) for arg in match.group(2).split(",")], current)
        if spec:
            return _trs_urls(*spec, current)
    if "countPage" in variables and str(variables["countPage"]).isdigit():
        pages = int(variables["countPage"])
        cur = (
            int(variables.get("currentPage") or 0) if str(variables.get("currentPage", "0")).isdigit() else 0
        )
        return _trs_urls(pages, cur, "index", _current_ext(current), current)
    return []


def _resolve(arg: str, variables: Mapping[str, str]) -> str:
    arg = arg.strip().strip("\"'")
    return str(variables.get(arg, arg))


def _trs_spec(args: list[str], current: str) -> tuple[int, int, str, str] | None:
    numbers = [a for a in args if a.isdigit()]
    names = [a for a in args if a and not a.isdigit()]
    if len(numbers) == 3:  # createPageHTML(records, pages, cur, name, ext)
        numbers = numbers[1:]
    if len(numbers) != 2:
        return None
    name = names[0] if names and re.fullmatch(r"[\w-]+", names[0]) else "index"
    ext = names[1] if len(names) > 1 and re.fullmatch(r"s?html?", names[1]) else _current_ext(current)
    return int(numbers[0]), int(numbers[1]), name, ext


def _current_ext(current: str) -> str:
    match = re.search(r"\.(s?html?)$", urlsplit(current).path)
    return match.group(1) if match else "html"


def _trs_urls(pages: int, cur: int, name: str, ext: str, current: str) -> list[str]:
    directory = posixpath.dirname(urlsplit(current).path) + "/"
    base = urljoin(current, directory)
    urls = []
    for number in range(min(pages, MAX_GENERATED_PAGES)):
        if number == cur:
            continue
        urls.append(canonical_url(urljoin(base, name + (f"_{number}" if number else "") + "." + ext)))
    return urls


# --------------------------------------------------------------------------- Hanweb jpage

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
    group = _js_int(text, ("groupSize", "groupsize")) or 3
    total = _js_int(text, ("totalRecord", "totalrecord"))
    proxy = _js_str(text, ("proxyUrl", "proxyurl")) or JPAGE_PROXY
    endpoint = urljoin(url, proxy)
    return _jpage_requests(endpoint, params, per_page, group, start=1, total=total)


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
    requests = []
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


# --------------------------------------------------------------------------- Guangdong gkmlpt

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


def _load_json(body: bytes | str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(body, Mapping):
        return body
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        logger.debug("gkmlpt answer is not JSON")
        return {}
    return data if isinstance(data, dict) else {}


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


# --------------------------------------------------------------------------- generic JSON list APIs

_JSON_API_RE = re.compile(
    r"""(?:\$\.(?:ajax|getJSON|get|post)\s*\(\s*(?:\{[^{}]*?\burl\s*:\s*)?|\bfetch\s*\(\s*|"""
    r"""\burl\s*:\s*|data-api\s*=\s*)["']([^"']+)["']""",
)
_TITLE_KEYS = ("title", "docTitle", "name", "bt", "articleTitle", "subject")
_URL_KEYS = ("url", "link", "href", "docUrl", "pageUrl", "linkUrl", "detailUrl")
_DATE_KEYS = ("publishTime", "pubDate", "date", "publish_time", "createTime", "releaseTime", "docDate")
_TOTAL_KEYS = ("total", "totalCount", "count", "recordCount", "totalRecord", "totalElements")
_PAGE_NO_KEYS = ("pageNo", "pageNum", "page", "currentPage", "pageIndex")
_PAGE_SIZE_KEYS = ("pageSize", "size", "rows", "limit", "perPage")


def _read_json_api_config(text: str, url: str) -> list[ApiRequest]:
    """List endpoints called by page scripts (``$.ajax({url: '/api/…'})``, ``fetch('…json')``)."""
    requests = []
    for target in _JSON_API_RE.findall(text):
        if "dataproxy" in target or "gkmlpt" in target:
            continue
        if not re.search(r"api|json|list|query", target, re.IGNORECASE):
            continue
        absolute = _absolute(target, url)
        if absolute and not _is_attachment(absolute):
            requests.append(ApiRequest(url=absolute, kind="json"))
    return list({r.url: r for r in requests}.values())


def read_json_list(url: str, body_json: bytes | str | Mapping[str, Any]) -> Listing:
    """Read a generic JSON list API: the largest array of objects with a title and a URL.

    Field names are guessed (``title``/``url``/``publishTime``…); ``total`` with the request's
    ``pageNo``/``pageSize`` parameters gives the other pages (only when reading page 1).
    """
    data = _load_json(body_json)
    base = canonical_url(url)
    listing = Listing(url=base)
    rows = _json_rows(data)
    for row in rows:
        target = _absolute(str(_first(row, _URL_KEYS) or ""), url)
        if target:
            title = _squash(str(_first(row, _TITLE_KEYS) or ""))
            date = _date_in(str(_first(row, _DATE_KEYS) or ""))
            listing.links.append(Link(url=target, text=title, date=date, source=base))
    listing.attachments = [link.url for link in listing.links if _is_attachment(link.url)]
    listing.api_requests = _json_next_pages(url, _find_int(data, _TOTAL_KEYS), len(rows))
    return listing


def _first(row: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if row.get(key):
            return row[key]
    return None


def _json_rows(data: Any) -> list[Mapping[str, Any]]:
    best: list[Mapping[str, Any]] = []
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            stack.extend(node.values())
        elif isinstance(node, list):
            rows = [
                r for r in node if isinstance(r, Mapping) and _first(r, _URL_KEYS) and _first(r, _TITLE_KEYS)
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
    page_key = next((k for k in _PAGE_NO_KEYS if k in query), None)
    size_key = next((k for k in _PAGE_SIZE_KEYS if k in query), None)
    if total is None or page_key is None or not rows or query[page_key] not in ("0", "1"):
        return []
    size = int(query[size_key]) if size_key and query[size_key].isdigit() else rows
    first = int(query[page_key])
    pages = min(math.ceil(total / max(size, 1)), MAX_GENERATED_PAGES)
    out = []
    for number in range(first + 1, first + pages):
        new_query = urlencode({**query, page_key: str(number)})
        out.append(ApiRequest(url=canonical_url(urlunsplit(parts[:3] + (new_query, ""))), kind="json"))
    return out


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
    paths = {name: str(fields.get(name) or spec.get(alias) or name) for name, alias in
             (("title", "title"), ("url", "link"), ("date", "date"))}
    for row in rows if isinstance(rows, list) else []:
        target = _absolute(str(_dig(row, paths["url"]) or ""), url)
        if target:
            title = _squash(str(_dig(row, paths["title"]) or ""))
            listing.links.append(Link(url=target, text=title, date=_date_in(str(_dig(row, paths["date"]) or "")),
                                      source=base))
    listing.attachments = [link.url for link in listing.links if _is_attachment(link.url)]
    first = int(spec.get("first_page", 1))
    first_url = _absolute(_fill_api_template(str(spec.get("url") or ""), first, spec), url)
    if base == first_url and isinstance(rows, list) and rows:
        listing.api_requests = _declared_next(spec, url, _dig(data, str(spec.get("total") or "total")), first, kind)
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


# --------------------------------------------------------------------------- site search

SEARCH_QUERY = "法治政府建设 报告"
# (marker in a link/form target, the query parameter that carries the words): TRS was5, Hanweb jrobot, 开普 igs.
_SEARCH_ENGINES = (
    ("/was5/web/search", "searchword"),
    ("/jrobotfront/search.action", "searchWord"),
    ("/jrobot/search.do", "q"),
    ("/igs/front/search.html", "searchWord"),
)


def find_site_search(url: str, body: bytes, headers: Mapping[str, str] | None = None) -> str | None:
    """A site-search URL template (with ``{q}``) offered by a page: a link or form to a known engine."""
    text = _decode(body, headers)
    doc = _parse_html(text)
    if doc is None:
        return None
    targets = [a.get("href") or "" for a in doc.iter("a")] + [f.get("action") or "" for f in doc.iter("form")]
    for target in targets:
        for marker, param in _SEARCH_ENGINES:
            if marker in target:
                return _search_template(urljoin(url, target.strip()), param)
    return None


def _search_template(target: str, param: str) -> str:
    parts = urlsplit(target)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() != param.lower()]
    query = urlencode(kept + [(param, "{q}")], safe="{}")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def search_url(template: str, query: str = SEARCH_QUERY) -> str:
    """Fill a ``{q}`` search template (from the registry's ``options.search_url`` or ``find_site_search``)."""
    return canonical_url(template.replace("{q}", quote(query)))


# --------------------------------------------------------------------------- link priority

PRIORITY_REPORT = 100  # anchor text is a report title
PRIORITY_REPORT_CHANNEL = 90  # 法治政府建设年度报告 channel (fzzfjsndbg, …)
PRIORITY_FZZF_CHANNEL = 70  # 法治政府建设 / 依法行政 channels
PRIORITY_DISCLOSURE_CHANNEL = 50  # 政务公开, 信息公开, 工作报告, 部门文件, …
PRIORITY_NEWS_CHANNEL = 40  # 通知公告 / 新闻中心
PRIORITY_DETAIL = 20  # an article page whose title is not a report
PRIORITY_OTHER = 0  # any other same-site page

_REPORT_CHANNEL_WORDS = ("法治政府建设年度报告", "年度报告")
_REPORT_CHANNEL_TOKENS = ("fzzfjsndbg", "fzzfndbg", "fzzfjsqkndbg")
_FZZF_WORDS = ("法治政府建设", "法治政府", "依法行政", "法治建设")
_FZZF_TOKENS = ("fzzfjs", "fzzfgzbg", "fzzf", "yfxz")
_DISCLOSURE_WORDS = (
    "政务公开", "信息公开", "法定主动公开内容", "其他法定公开信息", "工作报告", "部门文件",
    "重点公开", "年度计划工作总结", "公开目录", "主动公开",
)  # fmt: skip
_DISCLOSURE_TOKENS = ("fdzdgknr", "qtfdgkxx", "gzbg", "xxgk", "zwgk", "zfxxgk", "bmwj", "gkml", "ndjhgzzj")
_NEWS_WORDS = ("通知公告", "新闻中心", "公示公告", "通知", "公告")
_NEWS_TOKENS = ("tzgg", "gggs", "xwzx")
_DETAIL_RES = (
    re.compile(r"/\d{6}/t\d{8}_\d+\.s?html?$"),
    re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$"),
    re.compile(r"/content/post_\d+\.html$"),
    re.compile(r"/content_\d+\.s?html?$"),
    re.compile(r"/\d{8}/\d+\.html$"),
)
_SKIP_URL_RE = re.compile(
    r"login|logout|register|passport|/print|print\.|printpage|/rss|rss\.|\.rss|feed|/sso/|"
    r"/member/|/search|jrobot|was5|/igs/|/english/|/en/|/wza|/share",
    re.IGNORECASE,
)
_SKIP_TEXT = (
    "登录", "注册", "打印", "关闭", "RSS", "rss", "订阅", "无障碍", "长者模式", "English", "繁體", "繁体",
    "网站地图", "收藏", "分享", "设为首页", "加入收藏", "微博", "微信", "返回顶部", "回到顶部",
)  # fmt: skip


def link_priority(link: Link, site: str | None = None) -> int | None:
    """How promising ``link`` is for reaching reports; None when it is not worth following.

    ``site`` is a URL (or host) of the portal; by default the page the link was found on.
    Higher is better: see the ``PRIORITY_*`` constants.
    """
    parts = urlsplit(link.url)
    if parts.scheme not in ("http", "https") or _skip(link):
        return None
    home = site if site and "//" in site else f"http://{site}/" if site else link.source
    if home and _site_key(link.url) != _site_key(home):
        return None
    path = unquote(parts.path).lower()
    is_detail = any(regex.search(path) for regex in _DETAIL_RES)
    is_document = is_detail or _is_attachment(link.url) or re.search(r"(19|20)\d{2}", link.text)
    if is_document and _is_report_title(link.text):
        return PRIORITY_REPORT
    if _is_attachment(link.url):
        return None
    if is_detail:
        return PRIORITY_DETAIL
    return _channel_priority(link.text.replace(" ", ""), path)


def _skip(link: Link) -> bool:
    path = urlsplit(link.url).path.lower()
    if path.endswith(_SKIP_EXTENSIONS) or _SKIP_URL_RE.search(link.url.split("?")[0]):
        return True
    text = link.text.strip()
    return bool(text) and len(text) <= 8 and any(word in text for word in _SKIP_TEXT)


def _channel_priority(text: str, path: str) -> int:
    tokens = set(re.split(r"[/_.\-]", path))
    short = text if len(text) <= 14 else ""
    tiers = (
        (PRIORITY_REPORT_CHANNEL, _REPORT_CHANNEL_WORDS, _REPORT_CHANNEL_TOKENS),
        (PRIORITY_FZZF_CHANNEL, _FZZF_WORDS, _FZZF_TOKENS),
        (PRIORITY_DISCLOSURE_CHANNEL, _DISCLOSURE_WORDS, _DISCLOSURE_TOKENS),
        (PRIORITY_NEWS_CHANNEL, _NEWS_WORDS, _NEWS_TOKENS),
    )
    for priority, words, path_tokens in tiers:
        if any(word in short for word in words) or any(_has_token(tokens, t) for t in path_tokens):
            return priority
    return PRIORITY_OTHER


def _has_token(tokens: set[str], token: str) -> bool:
    return any(part == token or re.fullmatch(rf"{token}(_?\w{{0,4}}\d*)", part) for part in tokens)


_REPORT_RE = re.compile(
    r"法治政府建设.{0,8}(年度报告|情况报告|情况的报告|工作报告|工作的报告|工作情况报告|工作情况的报告|工作总结的报告)"
)
_NEAR_MISS_RE = re.compile(r"解读|上半年|五年|自查|通知|要点|方案|纲要|规划|政府信息公开|网站工作|述职|述法")


def _is_report_title(text: str) -> bool:
    """``parsers.classify.classify_title`` when available, else the domain regex (fallback)."""
    if not text:
        return False
    try:
        from parsers.classify import classify_title
    except ImportError:
        compact = re.sub(r"\s+", "", text)
        return bool(_REPORT_RE.search(compact)) and not _NEAR_MISS_RE.search(compact)
    return bool(classify_title(text).is_report)


# --------------------------------------------------------------------------- blocks

_SHELL_MAX_BYTES = 600
_COOKIE_SHELL_NAMES = ("CT6T", "C3VK", "__jsluid", "acw_tc", "wzws")


def detect_block(
    status: int, headers: Mapping[str, str] | None, body: bytes, url: str | None = None
) -> str | None:
    """Recognise an anti-bot answer (never a deletion).

    Returns "ruishu" (瑞数 412 + ``$_ts``), "jiasule" (加速乐 521/512 ``document.cookie``,
    ``__jsl_clearance``), "cookie_shell" (302 to itself setting a cookie, or a tiny page setting a
    known challenge cookie), "js_shell" (tiny JS-only page with document.cookie/location.reload),
    "forbidden" (403), "rate_limited" (429) — else None (normal pages and 404s).
    """
    body = body or b""
    head = body[:20000]
    cookies = _header(headers, "set-cookie") or ""
    if b"$_ts" in head and (status in (202, 412) or len(body) < 20000):
        return "ruishu"
    if b"__jsl_clearance" in head or "__jsl_clearance" in cookies:
        return "jiasule"
    if status in (512, 521) and (b"document.cookie" in head or b"<script" in head.lower()):
        return "jiasule"
    if 300 <= status < 400 and _is_cookie_redirect(headers, cookies, url):
        return "cookie_shell"
    if status in (403, 412):
        return "forbidden"
    if status == 429:
        return "rate_limited"
    if status < 400 and len(body.strip()) < _SHELL_MAX_BYTES:
        return _tiny_shell_kind(body, cookies)
    return None


def _is_cookie_redirect(headers: Mapping[str, str] | None, cookies: str, url: str | None) -> bool:
    location = _header(headers, "location") or ""
    if not cookies or not location:
        return False
    if url:
        return canonical_url(urljoin(url, location)) == canonical_url(url)
    return any(name in cookies for name in _COOKIE_SHELL_NAMES)


def _tiny_shell_kind(body: bytes, cookies: str) -> str | None:
    lower = body.lower()
    scripted = b"<script" in lower
    if not scripted:
        return None
    if any(name.encode() in body for name in _COOKIE_SHELL_NAMES) or (
        cookies and any(name in cookies for name in _COOKIE_SHELL_NAMES)
    ):
        return "cookie_shell"
    markers = (b"document.cookie", b"location.reload", b"location.href=location", b"location.replace")
    if any(marker in lower.replace(b" ", b"") for marker in markers):
        return "js_shell"
    return None
