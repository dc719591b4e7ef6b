"""`fzwatch reparse`: run today's parsers over the raw bytes already stored, after the parsers improve.

Per document, the latest version's raw page (and its attachment, if the body lived there) is parsed
again. What changes is what *we* read, not what the publisher published, so:

- the same clean-text hash: the version's parse result, the report row and the version's
  indicators are updated in place (no event);
- a different clean-text hash: a new version is recorded with the same raw bytes (silently), so
  that the next crawl compares against text extracted the same way and raises no false revision;
- a page newly recognised as a report gets its report row and a ``new_report`` event (quiet during
  a site's baseline, like any new report); a report no longer recognised is kept and counted.

Running it twice changes nothing the second time.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from monitor.ingest import apply_parsed, indicator_fields, parse_fetched, store_indicators, stored_page
from parsers import content_hash
from parsers.indicators import mark_headlines
from parsers.types import ParsedPage
from storage.errors import UnknownReport
from storage.events import baseline_quiet, emit_event, report_payload
from storage.models import Document, IndicatorValue, Report, Site, Version

logger = logging.getLogger(__name__)


def parse_stored(version: Version, site: Site, url: str) -> ParsedPage:
    """The parse of a stored version, through the crawler pipeline's own :func:`parse_fetched`."""
    return parse_fetched(stored_page(version, url), site.name, site.region)


def _indicator_rows(values: Iterable[IndicatorValue]) -> list[dict[str, object]]:
    return [indicator_fields(v) for v in values]


def _replace_indicators(session: Session, report: Report, version: Version, parsed: ParsedPage) -> bool:
    """Make the version's indicators those of ``parsed``; False when they already are."""
    stored = session.scalars(
        select(IndicatorValue).where(IndicatorValue.version_id == version.id).order_by(IndicatorValue.id)
    )
    wanted = [indicator_fields(i) for i in mark_headlines(parsed.indicators)]
    if _indicator_rows(stored) == wanted:
        return False
    session.execute(delete(IndicatorValue).where(IndicatorValue.version_id == version.id))
    store_indicators(session, report, version, parsed.indicators)
    return True


def _silent_version(
    session: Session, doc: Document, latest: Version, parsed: ParsedPage, digest: str
) -> Version:
    version = Version(
        document_id=doc.id,
        version_no=latest.version_no + 1,
        content_hash=digest,
        title=parsed.title,
        text=parsed.text,
        fetched_at=latest.fetched_at,
        etag=latest.etag,
        last_modified=latest.last_modified,
        content_type=latest.content_type,
        raw_zlib=latest.raw_zlib,
        raw_sha256=latest.raw_sha256,
        parsed={**parsed.to_dict(), "reparsed_from_version": latest.id},
        attachment_url=latest.attachment_url,
        attachment_zlib=latest.attachment_zlib,
        attachment_sha256=latest.attachment_sha256,
        attachment_content_type=latest.attachment_content_type,
    )
    session.add(version)
    session.flush()
    return version


def reparse_document(session: Session, doc: Document) -> str:
    """Re-parse one document; returns what happened: unchanged | updated | new_version | new_report |
    not_a_report_any_more | no_version."""
    latest = session.scalar(
        select(Version).where(Version.document_id == doc.id).order_by(Version.id.desc()).limit(1)
    )
    if latest is None:
        return "no_version"
    site = session.get(Site, doc.site_id)
    assert site is not None
    parsed = parse_stored(latest, site, doc.url)
    digest = content_hash(parsed.text)
    changed = False
    if digest != latest.content_hash:
        version, outcome = _silent_version(session, doc, latest, parsed, digest), "new_version"
        doc.content_hash = digest
    else:
        version, outcome = latest, "unchanged"
        new_parsed = json.loads(json.dumps(parsed.to_dict(), ensure_ascii=False))  # as stored (JSON types)
        stored = {k: v for k, v in (latest.parsed or {}).items() if k != "reparsed_from_version"}
        if stored != new_parsed or latest.title != parsed.title or latest.text != parsed.text:
            latest.parsed = {
                **new_parsed,
                **{k: v for k, v in latest.parsed.items() if k == "reparsed_from_version"},
            }
            latest.title, latest.text = parsed.title, parsed.text
            changed = True
    report = session.scalar(select(Report).where(Report.document_id == doc.id))
    if not parsed.is_report:
        doc.is_report = False
        return "not_a_report_any_more" if report is not None else ("updated" if changed else outcome)
    doc.is_report = True
    is_new = report is None
    if report is None:
        report = Report(document_id=doc.id, site_id=site.id, first_seen=doc.first_seen, title=parsed.title)
        session.add(report)
    before = _report_state(report)
    apply_parsed(report, site, parsed, version)
    session.flush()
    changed |= _replace_indicators(session, report, version, parsed) or before != _report_state(report)
    if is_new:
        emit_event(
            session,
            "new_report",
            site,
            {**report_payload(site, report), "reparse": True},
            report_id=report.id,
            deliver=not baseline_quiet(site),
        )
        return "new_report"
    return "updated" if changed and outcome == "unchanged" else outcome


def _report_state(report: Report) -> tuple[object, ...]:
    return (
        report.title,
        report.agency,
        report.year,
        report.published_at,
        report.on_time,
        report.on_time_first_seen,
        report.complete,
        tuple(report.sections or ()),
        report.latest_version_id,
    )


def reparse(session: Session, report_id: int | None = None, everything: bool = False) -> Counter[str]:
    """Re-parse one report's document or every stored document; counts per outcome."""
    if report_id is not None:
        report = session.get(Report, report_id)
        if report is None:
            raise UnknownReport(f"unknown report {report_id} (see `fzwatch reports`)")
        docs = [session.get(Document, report.document_id)]
    elif everything:
        docs = list(session.scalars(select(Document).order_by(Document.id)))
    else:
        docs = list(
            session.scalars(select(Document).where(Document.is_report.is_(True)).order_by(Document.id))
        )
    counts: Counter[str] = Counter()
    for doc in docs:
        if doc is not None:
            counts[reparse_document(session, doc)] += 1
    logger.info("reparse: %s", dict(counts))
    return counts
