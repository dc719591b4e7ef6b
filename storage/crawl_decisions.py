"""Crawl decisions: what a site's last finished crawl decided per URL (see models.CrawlDecision).

The crawler decides what the fields mean (crawler/decisions.py); this module only replaces and reads them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from storage.models import CrawlDecision, CrawlPage, CrawlRun, Document, Report, utcnow

FIELDS = ("url", "decision", "reason", "priority", "depth", "source", "anchor", "outcome", "note")


def replace_decisions(
    session: Session, site_id: str, rows: Iterable[dict[str, Any]], run_id: int | None = None, cap: int = 5000
) -> int:
    """The site's decisions become these (the last finished crawl's); at most ``cap`` rows."""
    now = utcnow()
    values = []
    for row in rows:
        if len(values) >= cap:
            break
        values.append(
            {
                "site_id": site_id,
                "run_id": run_id,
                "decided_at": now,
                **{name: row.get(name) for name in FIELDS},
                "anchor": row.get("anchor") or "",
                "url": str(row["url"])[:2000],
                "source": (str(row["source"])[:2000] if row.get("source") else None),
            }
        )
    session.execute(delete(CrawlDecision).where(CrawlDecision.site_id == site_id))
    if values:
        session.execute(insert(CrawlDecision), values)
    return len(values)


def find_decision(session: Session, site_id: str, url: str) -> dict[str, Any] | None:
    """The last finished crawl's decision for ``url`` (canonical), or None when it never met the URL."""
    row = session.scalars(
        select(CrawlDecision).where(CrawlDecision.site_id == site_id, CrawlDecision.url == url).limit(1)
    ).first()
    if row is None:
        return None
    return {name: getattr(row, name) for name in (*FIELDS, "run_id", "decided_at")}


def url_memory(session: Session, site_id: str, url: str) -> dict[str, Any]:
    """Everything stored about one URL of a site: the last finished crawl's decision, the crawl-page row
    (kind, next revisit), the stored document and report, and when the site's last finished crawl ran."""
    page = session.scalars(
        select(CrawlPage).where(CrawlPage.site_id == site_id, CrawlPage.key == url)
    ).first()
    doc = session.scalars(select(Document).where(Document.site_id == site_id, Document.url == url)).first()
    report = session.scalars(select(Report).where(Report.document_id == doc.id)).first() if doc else None
    last_run = session.scalars(
        select(CrawlRun)
        .where(CrawlRun.site_id == site_id, CrawlRun.finished_at.is_not(None))
        .order_by(CrawlRun.id.desc())
        .limit(1)
    ).first()
    return {
        "decision": find_decision(session, site_id, url),
        "page": {
            "kind": page.kind,
            "next_visit_at": page.next_visit_at,
            "last_fetched": page.last_fetched,
            "productive": page.productive,
        }
        if page
        else None,
        "document": {"id": doc.id, "is_report": doc.is_report, "last_fetched": doc.last_fetched}
        if doc
        else None,
        "report": {"id": report.id, "title": report.title, "year": report.year} if report else None,
        "last_run": {"id": last_run.id, "finished_at": last_run.finished_at, "status": last_run.status}
        if last_run
        else None,
    }
