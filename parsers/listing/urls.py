"""URLs on list pages: one page = one URL, "same site", absolute links."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

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


_BAD_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "vbscript:")


def _absolute(href: str, page_base: str) -> str | None:
    href = href.strip().replace("\\", "/")
    if not href or href.startswith("#") or href.lower().startswith(_BAD_SCHEMES):
        return None
    absolute = urljoin(page_base, href)
    if urlsplit(absolute).scheme not in ("http", "https"):
        return None
    return canonical_url(absolute)
