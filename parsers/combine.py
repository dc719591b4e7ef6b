"""A report whose detail page only points to an attachment (详见附件): the page gives the metadata,
the attachment gives the body. Pure, like every parser.

The detail page is what the publisher put on its portal: its title, its date (发布时间) and its
publisher are the report's, even though the attachment's own text has none of them in a form we can
read (a PDF has no 发布时间 line). Only what the page lacks is taken from the attachment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from parsers.dates import url_date
from parsers.metadata import report_year
from parsers.page import _finish, parse_page
from parsers.types import ParsedPage


def needs_attachment(page: ParsedPage) -> bool:
    """The detail page's own text is not the report: fetch its attachment for the body."""
    return bool(page.attachments) and "body_in_attachment" in page.flags


def with_attachment_body(
    page: ParsedPage,
    attachment_url: str,
    attachment_body: bytes,
    headers: Mapping[str, str] | None = None,
    site_name: str | None = None,
    region: str | None = None,
) -> ParsedPage:
    """The page's title/date/publisher/year with the attachment's text, sections and indicators."""
    doc = parse_page(attachment_url, attachment_body, headers, site_name=site_name, region=region)
    if not doc.text.strip():  # a scanned PDF: keep the page, flag it, lose nothing
        return replace(page, flags=sorted(set(page.flags) | set(doc.flags) | {"attachment_without_text"}))
    title = page.title or doc.title
    published = page.published_at or url_date(attachment_url)
    merged = replace(
        page,
        title=title,
        published_at=published,
        text=doc.text,
        content_type=doc.content_type,
        sections=[],
        indicators=[],
        agency=page.agency or doc.agency,
        agency_aliases=page.agency_aliases if page.agency else doc.agency_aliases,
        year=report_year(title, published) or doc.year,
        flags=[f for f in page.flags if f != "incomplete"] + [f for f in doc.flags if f != "incomplete"],
    )
    return _finish(merged)
