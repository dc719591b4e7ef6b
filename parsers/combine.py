"""A report whose detail page only points to an attachment (详见附件): the page gives the metadata,
the attachment gives the body. Pure, like every parser."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from parsers.page import _finish, parse_page
from parsers.types import ParsedPage


def needs_attachment(page: ParsedPage) -> bool:
    """The detail page's own text is not the report: fetch its attachment for the body."""
    return bool(page.attachments) and "body_in_attachment" in page.flags


def with_attachment_body(
    page: ParsedPage, attachment_url: str, attachment_body: bytes, headers: Mapping[str, str] | None = None,
    site_name: str | None = None,
) -> ParsedPage:
    """The page's title/date/publisher/year with the attachment's text, sections and indicators."""
    doc = parse_page(attachment_url, attachment_body, headers, site_name=site_name)
    if not doc.text.strip():  # a scanned PDF: keep the page, flag it, lose nothing
        return replace(page, flags=sorted(set(page.flags) | set(doc.flags) | {"attachment_without_text"}))
    merged = replace(
        page, text=doc.text, content_type=doc.content_type, sections=[], indicators=[],
        flags=[f for f in page.flags if f != "incomplete"] + [f for f in doc.flags if f != "incomplete"],
    )
    if not merged.title:
        merged.title = doc.title
    return _finish(merged)
