"""Bytes -> str for fetched pages.

Order: BOM -> HTTP header charset -> ``<meta charset>`` -> UTF-8 if it decodes -> GB18030.
Chinese portals often declare nothing, declare GB2312 for GBK text, or copy a template with
the wrong declaration, so every declaration is verified by a strict decode, and GB2312/GBK are
widened to GB18030 (a superset) to keep rare characters (e.g. 镕, 堃) readable.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

_META_RE = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_HEADER_RE = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.IGNORECASE)
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"}
# Declarations that say nothing useful about CJK bytes: requests/servers default to latin-1.
_WEAK = {"iso-8859-1", "latin-1", "latin1", "ascii", "us-ascii", "windows-1252", "cp1252"}


def header_charset(headers: Mapping[str, str] | None) -> str | None:
    """Charset from a Content-Type header (case-insensitive header name)."""
    if not headers:
        return None
    for name, value in headers.items():
        if name.lower() == "content-type" and value:
            m = _HEADER_RE.search(value)
            return m.group(1).lower() if m else None
    return None


def meta_charset(body: bytes) -> str | None:
    """Charset declared in the first 4 KiB by ``<meta charset>`` or ``http-equiv``."""
    m = _META_RE.search(body[:4096])
    return m.group(1).decode("ascii", "ignore").lower() if m else None


def _canonical(name: str | None) -> str | None:
    if not name:
        return None
    name = name.lower()
    if name in _GB_FAMILY:
        return "gb18030"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _try(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeError, LookupError):  # 'undefined' is a real codec that refuses everything
        return None


def _is_utf8_multibyte(body: bytes) -> bool:
    """Valid UTF-8 that actually uses multibyte sequences: GBK text almost never is."""
    if body.isascii():
        return False
    return _try(body, "utf-8") is not None


def detect_encoding(body: bytes, headers: Mapping[str, str] | None = None) -> str:
    """Name of the encoding :func:`decode_body` will use."""
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for declared in (header_charset(headers), meta_charset(body)):
        enc = _canonical(declared)
        if not enc or declared in _WEAK and not body.isascii():
            continue
        if enc == "gb18030" and _is_utf8_multibyte(body):
            return "utf-8"  # declared GB2312 on a UTF-8 page (copied template)
        if _try(body, enc) is not None:
            return enc
    if _try(body, "utf-8") is not None:
        return "utf-8"
    return "gb18030"


def decode_body(body: bytes, headers: Mapping[str, str] | None = None) -> str:
    """Decode page bytes; never raises (undecodable bytes become U+FFFD)."""
    try:
        return body.decode(detect_encoding(body, headers), errors="replace")
    except (UnicodeError, LookupError):
        return body.decode("gb18030", errors="replace")
