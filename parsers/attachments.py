"""Attachment links of a detail page (reports published only as a PDF/DOC/OFD file).

Links hide in ``<a href>``, ``iframe``/``embed``/``object`` viewers, pdf.js ``viewer.html?file=``
and ``onclick="window.open('…pdf')"`` handlers (domain.md §3 Attachments).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urljoin, urlparse

from lxml.html import HtmlElement

ATTACHMENT_EXTS = ("pdf", "doc", "docx", "wps", "ofd", "xls", "xlsx", "et")
_EXT_RE = re.compile(r"\.(?:" + "|".join(ATTACHMENT_EXTS) + r")(?:$|[?#])", re.IGNORECASE)
_ONCLICK_RE = re.compile(
    r"""['"]([^'"]+\.(?:""" + "|".join(ATTACHMENT_EXTS) + r"""))(?:[?#][^'"]*)?['"]""", re.IGNORECASE
)
_DETAILS_IN_ATTACHMENT_RE = re.compile(r"详见附件|见附件|请见附件|附件下载|点击下载|下载附件")


def _is_attachment(url: str) -> bool:
    return bool(_EXT_RE.search(urlparse(url).path + ("?" if "?" in url else "")))


def _viewer_target(url: str) -> str | None:
    """pdf.js / office viewers: ``viewer.html?file=/a/b.pdf``."""
    query = parse_qs(urlparse(url).query)
    for key in ("file", "url", "src", "path"):
        for value in query.get(key, []):
            value = unquote(value)
            if _is_attachment(value):
                return value
    return None


def find_attachments(root: HtmlElement, base_url: str) -> list[str]:
    """Absolute attachment URLs in document order, without duplicates."""
    raw: list[str] = []
    for el in root.iter("a", "iframe", "embed", "object", "frame", "source"):
        for attr in ("href", "src", "data"):
            value = (el.get(attr) or "").strip()
            if value and not value.lower().startswith(("javascript:", "mailto:", "#")):
                raw.append(value)
    for el in root.xpath("//*[@onclick]"):
        raw.extend(m.group(1) for m in _ONCLICK_RE.finditer(el.get("onclick") or ""))
    found: list[str] = []
    for value in raw:
        target = _viewer_target(value) or (value if _is_attachment(value) else None)
        if target:
            absolute = urljoin(base_url, target)
            if absolute not in found:
                found.append(absolute)
    return found


def body_points_to_attachment(text: str) -> bool:
    """Body is empty, or is only a pointer like "详见附件"."""
    stripped = re.sub(r"\s", "", text)
    return len(stripped) < 50 or (len(stripped) < 300 and bool(_DETAILS_IN_ATTACHMENT_RE.search(stripped)))
