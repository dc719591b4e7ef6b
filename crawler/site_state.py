"""What a spider needs to know about its site before it starts, read through storage/; and what it decided
per URL, written back when it finishes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storage.crawl_decisions import replace_decisions
from storage.crawl_state import load_pages
from storage.database import shared_database
from storage.sites import get_site, known_documents


@dataclass
class SiteState:
    spec: dict[str, Any]  # id, name, region, start_urls, options
    known: dict[str, dict[str, Any]] = field(default_factory=dict)  # stored documents by URL
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)  # remembered crawl pages by key
    escalation: dict[str, Any] = field(default_factory=dict)  # when escalation last ran, on which triggers


def load_site_state(db_url: str | None, site_id: str) -> SiteState:
    with shared_database(db_url).transaction() as session:
        site = get_site(session, site_id)
        spec = {
            "id": site.id,
            "name": site.name,
            "region": site.region,
            "start_urls": list(site.start_urls),
            "options": dict(site.options),
        }
        escalation = {
            "escalated_at": site.escalated_at,
            "key": site.escalation_key,
            "report_channels": list(site.report_channels or []),
        }
        return SiteState(spec, known_documents(session, site_id), load_pages(session, site_id), escalation)


def save_decisions(
    db_url: str | None, site_id: str, rows: list[dict[str, Any]], run_id: int | None, cap: int
) -> int:
    """What this crawl decided per URL replaces the last crawl's (`fzwatch explain`)."""
    with shared_database(db_url).transaction() as session:
        return replace_decisions(session, site_id, rows, run_id, cap=cap)
