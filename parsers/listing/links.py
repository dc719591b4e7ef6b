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
