"""parse_page: the one entry point from (url, bytes, headers) to a ParsedPage.

Dispatch on Content-Type, URL extension and magic bytes (servers often send PDFs as
``application/octet-stream`` and HTML as ``text/plain``), then run the format's text
extractor and the shared steps: metadata, classification, sections, indicators.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlparse

import lxml.html
from lxml import etree

from parsers import documents
from parsers.attachments import body_points_to_attachment, find_attachments
from parsers.classify import classify_title
from parsers.dates import url_date
from parsers.decode import decode_body
from parsers.extract import extract_body
from parsers.formats import detect_kind
from parsers.htmltext import element_text
from parsers.indicators import extract_indicators
from parsers.metadata import (
    extract_published_at,
    extract_title,
    meta_content,
    report_year,
    resolve_agency,
    source_cell,
    source_field,
)
from parsers.pagekind import KIND_LABELS, page_kind
from parsers.sections import missing_mandated, split_sections
from parsers.types import ParsedPage


def _file_title(url: str, text: str) -> str:
    """Attachments carry no <title>: use the first short line that looks like a title."""
    for line in text.split("\n")[:8]:
        if 6 <= len(line) <= 60 and "法治" in line:
            return line.strip()
    return urlparse(url).path.rsplit("/", 1)[-1]


def _document_page(url: str, body: bytes, kind: str, site_name: str | None, region: str | None) -> ParsedPage:
    reader = {
        "pdf": documents.pdf_text,
        "docx": documents.docx_text,
        "doc": documents.doc_text,
        "wps": documents.doc_text,
        "ofd": documents.ofd_text,
    }[kind]
    text, flags = reader(body)
    title = _file_title(url, text)
    agency = resolve_agency(title, None, None, site_name, region)
    published = url_date(url)
    return _finish(
        ParsedPage(
            url=url,
            title=title,
            text=text,
            published_at=published,
            agency=agency.name,
            agency_aliases=agency.aliases,
            year=report_year(title, published),
            is_report=False,
            confidence=0.0,
            reasons=[],
            content_type=kind,
            flags=flags,
            page_kind="attachment",
            page_kind_reasons=[f"{kind.upper()} 文件"],
        )
    )


def _parse_html(
    url: str,
    body: bytes,
    headers: Mapping[str, str] | None,
    site_name: str | None,
    region: str | None,
    status: int = 200,
) -> ParsedPage:
    html = decode_body(body, headers)
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):  # empty document or an encoding declaration lxml rejects
        root = lxml.html.document_fromstring(re.sub(r"^<\?xml[^>]*>", "", html) or "<html></html>")
    title = extract_title(root, site_name)
    text = extract_body(root, url, title)
    page_text = element_text(root)
    outside = _outside_body(page_text, text)
    published = extract_published_at(root, root, url, outside)  # the tree: htmldate does not reparse
    source = source_cell(root) or source_field(outside)
    agency = resolve_agency(title, source, meta_content(root, "ContentSource"), site_name, region)
    page = ParsedPage(
        url=url,
        title=title,
        text=text,
        published_at=published,
        agency=agency.name,
        agency_aliases=agency.aliases,
        year=report_year(title, published),
        is_report=False,
        confidence=0.0,
        reasons=[],
        attachments=find_attachments(root, url),
        content_type="html",
    )
    if page.attachments and body_points_to_attachment(text):
        page.flags.append("body_in_attachment")
    kind = page_kind(url, body, headers, status=status, text=text, html=html, root=root)
    page.page_kind, page.page_kind_reasons = kind.kind, list(kind.reasons)
    return _finish(page)


def _outside_body(page_text: str, body: str) -> str:
    """Page lines that are not body lines: where labelled dates and 来源 fields may be read."""
    body_lines = set(body.split("\n"))
    return "\n".join(x for x in page_text.split("\n") if x not in body_lines)


def _finish(page: ParsedPage) -> ParsedPage:
    """Shared steps: classification, sections, indicators, completeness flag. A list, shell or
    challenge page is never a report, whatever its title says (a channel named like the report)."""
    verdict = classify_title(page.title, page.text)
    page.is_report, page.confidence, page.reasons = verdict.is_report, verdict.confidence, verdict.reasons
    if page.page_kind not in ("detail", "attachment"):
        label = KIND_LABELS.get(page.page_kind, page.page_kind)
        page.reasons = [f"not a report: {label}（{'；'.join(page.page_kind_reasons[:2])}）", *page.reasons]
        page.is_report, page.confidence = False, 0.0
    page.sections = split_sections(page.text)
    # Only a report's numbers are its facts: a tax bureau's 咨询人次 on a news page is no indicator.
    page.indicators = extract_indicators(page.text, page.sections, page.year) if page.is_report else []
    if page.is_report and page.text and missing_mandated(page.sections):
        page.flags.append("incomplete")
    return page


def parse_page(
    url: str,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    site_name: str | None = None,
    region: str | None = None,
    status: int = 200,
) -> ParsedPage:
    """Parse one fetched page or attachment. Pure: no network, no database.

    ``site_name`` and ``region`` (the site registry's, e.g. 泰顺县司法局 / 浙江省温州市泰顺县) complete the
    publisher's name: 区司法局 → 温州市鹿城区司法局, a bare 某县 → 某县人民政府 (:mod:`parsers.publisher`).
    ``status``: the HTTP status, so an anti-bot challenge (412/521) is recognised (``page_kind == "challenge"``).
    """
    try:
        kind = detect_kind(url, body, headers)
        if kind == "html":
            return _parse_html(url, body, headers, site_name, region, status)
        return _document_page(url, body, kind, site_name, region)
    except Exception as exc:  # noqa: BLE001 - a page that cannot be parsed is that page's error, never the crawl's
        return unparsable_page(url, exc)


def unparsable_page(url: str, exc: BaseException) -> ParsedPage:
    """What a page that made a parser fail is: not a report, flagged with the failure for the crawl's counts."""
    reason = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
    return ParsedPage(
        url=str(url),
        title="",
        text="",
        published_at=None,
        agency=None,
        agency_aliases=[],
        year=None,
        is_report=False,
        confidence=0.0,
        reasons=[f"无法解析：{reason}"],
        flags=["parse_error"],
    )
