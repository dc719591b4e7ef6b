"""Crawl decisions: what a site's last finished crawl decided per URL (see models.CrawlDecision).

The crawler decides what the fields mean (crawler/decisions.py); this module only replaces and reads them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from storage.models import CrawlDecision, utcnow

FIELDS = ("url", "decision", "reason", "priority", "depth", "source", "anchor", "outcome", "note")


def replace_decisions(session: Session, site_id: str, rows: Iterable[dict[str, Any]], run_id: int | None = None,
                      cap: int = 5000) -> int:
    """The site's decisions become these (the last finished crawl's); at most ``cap`` rows."""
    now = utcnow()
    values = []
    for row in rows:
        if len(values) >= cap:
            break
        values.append({"site_id": site_id, "run_id": run_id, "decided_at": now,
                       **{name: row.get(name) for name in FIELDS},
                       "anchor": row.get("anchor") or "", "url": str(row["url"])[:2000],
                       "source": (str(row["source"])[:2000] if row.get("source") else None)})
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


def count_decisions(session: Session, site_id: str) -> int:
    return int(session.scalar(select(func.count(CrawlDecision.id)).where(CrawlDecision.site_id == site_id)) or 0)
