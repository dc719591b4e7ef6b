"""Crawl pages: what the crawler remembers about a site's URLs between crawls (see models.CrawlPage).

The crawler decides what the fields mean (crawler/revisit.py); this module only reads and writes them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import CrawlPage

# Columns a crawler update may set; anything else in an update dict is ignored.
FIELDS = (
    "url", "kind", "api_kind", "method", "form", "depth", "priority", "root", "anchor", "etag", "last_modified",
    "body_sha256", "productive", "last_fetched", "last_changed", "next_visit_at",
)  # fmt: skip


def load_pages(session: Session, site_id: str) -> dict[str, dict[str, Any]]:
    """Every remembered page of a site, by key, as plain dicts (the spider runs outside any session)."""
    rows = session.scalars(select(CrawlPage).where(CrawlPage.site_id == site_id))
    return {row.key: {name: getattr(row, name) for name in ("key", *FIELDS)} for row in rows}


def save_pages(session: Session, site_id: str, updates: Iterable[dict[str, Any]]) -> int:
    """Insert or update pages by key; later updates of one key win. `productive` is never reset:
    a list that once led to a report stays worth checking on every crawl."""
    merged: dict[str, dict[str, Any]] = {}
    for update in updates:
        merged.setdefault(update["key"], {}).update(update)
    if not merged:
        return 0
    existing = {
        row.key: row
        for row in session.scalars(
            select(CrawlPage).where(CrawlPage.site_id == site_id, CrawlPage.key.in_(list(merged)))
        )
    }
    for key, update in merged.items():
        row = existing.get(key)
        if row is None:
            row = CrawlPage(
                site_id=site_id, key=key, url=update.get("url", key), kind=update.get("kind", "list")
            )
            session.add(row)
        _apply(row, update)
    session.flush()
    return len(merged)


def _apply(row: CrawlPage, update: dict[str, Any]) -> None:
    for name in FIELDS:
        if name not in update:
            continue
        if name == "productive":
            row.productive = bool(row.productive or update[name])
        else:
            setattr(row, name, update[name])


def forget_pages(session: Session, site_id: str) -> int:
    """Drop a site's crawl memory (the next crawl is a full one again)."""
    result = session.execute(delete(CrawlPage).where(CrawlPage.site_id == site_id))
    return int(getattr(result, "rowcount", 0) or 0)
