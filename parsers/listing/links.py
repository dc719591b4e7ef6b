"""Links on a list page: anchors with the date of their row, and attachments."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlsplit

from parsers.listing.types import Link
from parsers.listing.urls import _absolute

ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".wps", ".ofd", ".zip", ".rar", ".et")


_DATE_RE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_ROW_TAGS = {"li", "tr", "dd", "dl", "p", "div", "td", "span"}


def _anchor_text(anchor: Any) -> str:
    text = _squash(anchor.text_content())
    title = _squash(anchor.get("title") or "")
    if title and (not text or text.endswith(("...", "…", "..")) or len(title) > len(text) and text in title):
        return title
    return text


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


# A row opened by a script: `onclick="window.open('/a/1.html')"`, `href="javascript:openUrl('…')"`.
_SCRIPTED_URL = re.compile(
    r"""(?:window\.open|location(?:\.href)?\s*=|location\.assign|open\w*|go\w*|view\w*)\s*\(?\s*['"]"""
    r"""([^'"\s]+\.(?:s?html?|jsp|aspx?|php)(?:\?[^'"\s]*)?|[^'"\s]*\?[^'"\s]*id=[^'"\s]+)['"]""",
    re.IGNORECASE,
)


def _read_anchors(doc: Any, page_base: str, source: str) -> list[Link]:
    links: list[Link] = []
    seen: set[str] = set()
    for anchor in doc.iter("a", "li", "tr", "td", "div", "span"):
        url = _anchor_url(anchor, page_base)
        if url is None or url in seen:
            continue
        seen.add(url)
        if anchor.tag == "a":
            links.append(Link(url=url, text=_anchor_text(anchor), date=_row_date(anchor), source=source))
        else:  # a whole row opens the page: its text less its date is the title
            text = anchor.text_content()
            title = _squash(anchor.get("title") or _DATE_RE.sub(" ", text))
            links.append(Link(url=url, text=title, date=_date_in(text), source=source))
    return links


def _anchor_url(element: Any, page_base: str) -> str | None:
    """An ``<a href>``; or the page a script opens (``onclick``, ``javascript:`` href) on a row element."""
    href = (element.get("href") or "").strip() if element.tag == "a" else ""
    if href and not href.lower().startswith("javascript:"):
        return _absolute(href, page_base)
    script = f"{href} {element.get('onclick') or ''}"
    match = _SCRIPTED_URL.search(script) if script.strip() else None
    return _absolute(match.group(1), page_base) if match else None


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
