"""Write everything one fetched page produces in one transaction: document, version, report, events, outbox."""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from hashlib import sha256
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerting.revisions import summarize_revision
from monitor.intel import on_report_stored
from parsers import parse_page
from parsers.combine import with_attachment_body
from parsers.indicators import mark_headlines
from parsers.timeliness import is_on_time
from parsers.types import Indicator, ParsedPage
from storage.events import baseline_quiet, emit_event, report_payload, site_deadline
from storage.models import Document, IndicatorValue, Report, Site, Version, utcnow
from storage.publishers import report_publisher

logger = logging.getLogger(__name__)


@dataclass
class FetchedPage:
    """What the crawler got for one URL (already canonical)."""

    url: str
    body: bytes
    status: int = 200
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: datetime = field(default_factory=utcnow)
    attachment_url: str | None = None
    attachment_body: bytes | None = None
    attachment_content_type: str = ""


@dataclass
class IngestResult:
    document_id: int
    version_created: bool = False
    report_id: int | None = None
    events: list[str] = field(default_factory=list)


def parse_fetched(
    page: FetchedPage,
    site_name: str,
    region: str,
    parsed: ParsedPage | None = None,
    attachment_combined: bool = False,
) -> ParsedPage:
    """What a fetched page means: the page's parse (``parsed`` when the spider already has it), with the
    attachment's body when the page only points to it (unless ``attachment_combined``: the spider's parse pool
    already did). The crawler pipeline and `fzwatch reparse` both call this, so a stored page reads the same
    as when it was crawled."""
    if parsed is None:
        parsed = parse_page(
            page.url, page.body, {"content-type": page.content_type}, site_name=site_name, region=region
        )
    if page.attachment_url and page.attachment_body is not None and not attachment_combined:
        parsed = with_attachment_body(
            parsed,
            page.attachment_url,
            page.attachment_body,
            {"content-type": page.attachment_content_type},
            site_name=site_name,
            region=region,
        )
    return parsed


def stored_page(version: Version, url: str) -> FetchedPage:
    """A stored version as the crawler fetched it (raw bytes and headers), for `fzwatch reparse`."""
    attachment = zlib.decompress(version.attachment_zlib) if version.attachment_zlib else None
    return FetchedPage(
        url=url,
        body=zlib.decompress(version.raw_zlib),
        content_type=version.content_type or "",
        etag=version.etag,
        last_modified=version.last_modified,
        fetched_at=version.fetched_at,
        attachment_url=version.attachment_url if attachment is not None else None,
        attachment_body=attachment,
        attachment_content_type=version.attachment_content_type or "",
    )


def ingest_page(
    session: Session, site: Site, page: FetchedPage, parsed: ParsedPage, content_hash: str
) -> IngestResult:
    """Store a parsed page. A chrome-only change (same normalized text hash) creates no version and no event."""
    doc = session.scalar(select(Document).where(Document.url == page.url))
    if doc is None:
        doc = Document(site_id=site.id, url=page.url, first_seen=page.fetched_at)
        session.add(doc)
        session.flush()
    doc.last_seen = doc.last_fetched = page.fetched_at
    doc.etag, doc.last_modified = page.etag, page.last_modified
    result = IngestResult(document_id=doc.id)
    previous = _latest_version(session, doc.id)
    if previous is not None and previous.content_hash == content_hash:
        return result  # unchanged (possibly chrome-only): nothing to version, nothing to say
    if previous is None and parsed.is_report and _is_republication(session, doc, content_hash):
        doc.content_hash = content_hash
        return result
    version = _add_version(session, doc, page, parsed, content_hash, previous)
    result.version_created = True
    doc.content_hash = content_hash
    doc.is_report = parsed.is_report
    if not parsed.is_report:
        return result
    report, is_new = _upsert_report(session, site, doc, parsed, version)
    result.report_id = report.id
    store_indicators(session, report, version, parsed.indicators)
    result.events = _report_events(session, site, report, version, previous, is_new)
    result.events += on_report_stored(
        session, site, report, version, previous, is_new
    )  # late, indicator_changed
    return result


def _latest_version(session: Session, document_id: int) -> Version | None:
    return session.scalar(
        select(Version).where(Version.document_id == document_id).order_by(Version.id.desc()).limit(1)
    )


def _is_republication(session: Session, doc: Document, content_hash: str) -> bool:
    """The same report text already known under another URL: record the alias, create nothing."""
    other = session.scalar(
        select(Document).where(
            Document.content_hash == content_hash, Document.is_report.is_(True), Document.id != doc.id
        )
    )
    if other is None:
        return False
    doc.duplicate_of = other.id
    logger.info("%s republishes document %s; not a new report", doc.url, other.id)
    return True


def _add_version(
    session: Session,
    doc: Document,
    page: FetchedPage,
    parsed: ParsedPage,
    content_hash: str,
    previous: Version | None,
) -> Version:
    version = Version(
        document_id=doc.id,
        version_no=(previous.version_no + 1) if previous else 1,
        content_hash=content_hash,
        title=parsed.title,
        text=parsed.text,
        fetched_at=page.fetched_at,
        etag=page.etag,
        last_modified=page.last_modified,
        content_type=page.content_type,
        raw_zlib=zlib.compress(page.body, 6),
        raw_sha256=sha256(page.body).hexdigest(),
        parsed=parsed.to_dict(),
        attachment_url=page.attachment_url,
        attachment_zlib=zlib.compress(page.attachment_body, 6) if page.attachment_body else None,
        attachment_sha256=sha256(page.attachment_body).hexdigest() if page.attachment_body else None,
        attachment_content_type=page.attachment_content_type or None if page.attachment_body else None,
    )
    session.add(version)
    session.flush()
    return version


def _upsert_report(
    session: Session, site: Site, doc: Document, parsed: ParsedPage, version: Version
) -> tuple[Report, bool]:
    report = session.scalar(select(Report).where(Report.document_id == doc.id))
    is_new = report is None
    if report is None:
        report = Report(
            document_id=doc.id, site_id=site.id, first_seen=version.fetched_at, title=parsed.title
        )
        session.add(report)
    apply_parsed(report, site, parsed, version)
    session.flush()
    return report, is_new


def apply_parsed(report: Report, site: Site, parsed: ParsedPage, version: Version) -> None:
    """Copy a parse result onto the report row (also used by `fzwatch reparse`)."""

    report.title = parsed.title
    report.agency = report_publisher(site, parsed.agency)  # canonical: one publisher, one series
    report.region = site.region
    report.year = parsed.year
    report.published_at = parsed.published_at
    report.confidence = parsed.confidence
    report.sections = [s.kind for s in parsed.sections]
    report.complete = "incomplete" not in parsed.flags if parsed.sections else None
    report.latest_version_id = version.id
    if parsed.year:
        deadline = site_deadline(site, parsed.year)
        report.on_time = is_on_time(parsed.published_at, parsed.year, deadline)
        report.on_time_first_seen = is_on_time(
            report.first_seen, parsed.year, deadline
        )  # aware: Beijing date


def store_indicators(session: Session, report: Report, version: Version, indicators: list[Indicator]) -> None:
    """Every mention as a row; the headline flags come from parsers.indicators.mark_headlines."""
    for ind in mark_headlines(indicators):
        session.add(IndicatorValue(report_id=report.id, version_id=version.id, **indicator_fields(ind)))


#: The columns of an indicator row that come from the parser (also what `fzwatch reparse` compares).
INDICATOR_COLUMNS = (
    "key",
    "value",
    "unit",
    "scope",
    "period",
    "approx",
    "text",
    "headline",
    "ambiguous",
    "role",
)


def indicator_fields(ind: Indicator | IndicatorValue) -> dict[str, Any]:
    return {name: getattr(ind, name) for name in INDICATOR_COLUMNS}


def _report_events(
    session: Session, site: Site, report: Report, version: Version, previous: Version | None, is_new: bool
) -> list[str]:
    payload: dict[str, Any] = report_payload(site, report)
    if is_new:
        emit_event(
            session, "new_report", site, payload, report_id=report.id, deliver=not baseline_quiet(site)
        )
        return ["new_report"]
    assert previous is not None

    payload.update(
        revised_at=version.fetched_at.isoformat(),
        version_no=version.version_no,
        diff=summarize_revision(previous.text, version.text),
    )
    emit_event(session, "report_revised", site, payload, report_id=report.id)
    return ["report_revised"]
