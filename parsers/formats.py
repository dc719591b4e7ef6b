"""Which format a fetched body is: html | pdf | docx | doc | wps | ofd.

Dispatch on magic bytes first, then Content-Type, then URL extension: servers often send PDFs as
``application/octet-stream`` and HTML as ``text/plain``.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlparse

from parsers import documents

_EXT_KIND = {"pdf": "pdf", "docx": "docx", "doc": "doc", "wps": "wps", "ofd": "ofd"}
_CT_KIND = (
    ("application/pdf", "pdf"),
    ("wordprocessingml", "docx"),
    ("application/msword", "doc"),
    ("application/vnd.ms-works", "wps"),
    ("application/kswps", "wps"),
    ("application/wps", "wps"),
    ("application/ofd", "ofd"),
)


def detect_kind(url: str, body: bytes, headers: Mapping[str, str] | None = None) -> str:
    """html | pdf | docx | doc | wps | ofd. Magic bytes win over headers and extension."""
    sniffed = documents.sniff_kind(body)
    ext = urlparse(url or "").path.rsplit(".", 1)[-1].lower()
    if sniffed == "doc" and ext == "wps":
        return "wps"
    if sniffed:
        return sniffed
    ctype = next((v.lower() for k, v in (headers or {}).items() if k.lower() == "content-type"), "")
    for needle, kind in _CT_KIND:
        if needle in ctype:
            return kind
    return _EXT_KIND.get(ext, "html")
