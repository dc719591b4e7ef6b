"""What a spider needs to know about its site before it starts, read through storage/."""

from __future__ import annotations

from typing import Any

from storage.database import Database
from storage.sites import get_site, known_documents


def load_site_state(db_url: str | None, site_id: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    db = Database(db_url)
    try:
        with db.transaction() as session:
            site = get_site(session, site_id)
            spec = {"id": site.id, "name": site.name, "region": site.region,
                    "start_urls": list(site.start_urls), "options": dict(site.options)}
            return spec, known_documents(session, site_id)
    finally:
        db.dispose()
