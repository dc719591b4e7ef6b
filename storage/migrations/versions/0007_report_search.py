"""report search: SQLite FTS5 trigram index over each report's title, publisher and latest text;
PostgreSQL pg_trgm GIN indexes that make ILIKE '%…%' over the same columns fast

Revision ID: 0007
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None

# The FTS row of a report: its title, publisher and the clean text of its latest version.
_SQLITE_ROW = """INSERT INTO report_fts(rowid, title, agency, body) VALUES (new.id, new.title,
    coalesce(new.agency, ''), coalesce((SELECT text FROM versions WHERE id = new.latest_version_id), ''));"""

_SQLITE_UP = [
    # trigram: any substring of 3+ characters matches, which is what Chinese (no spaces) needs.
    "CREATE VIRTUAL TABLE report_fts USING fts5(title, agency, body, tokenize='trigram')",
    f"CREATE TRIGGER report_fts_ai AFTER INSERT ON reports BEGIN {_SQLITE_ROW} END",
    (
        "CREATE TRIGGER report_fts_au AFTER UPDATE ON reports BEGIN "
        f"DELETE FROM report_fts WHERE rowid = old.id; {_SQLITE_ROW} END"
    ),
    (
        "CREATE TRIGGER report_fts_ad AFTER DELETE ON reports BEGIN DELETE FROM report_fts WHERE rowid = old.id; END"
    ),
    # `fzwatch reparse` may rewrite a version's text in place.
    (
        "CREATE TRIGGER report_fts_vu AFTER UPDATE OF text ON versions BEGIN "
        "UPDATE report_fts SET body = new.text "
        "WHERE rowid IN (SELECT id FROM reports WHERE latest_version_id = new.id); END"
    ),
    (
        "INSERT INTO report_fts(rowid, title, agency, body) SELECT r.id, r.title, coalesce(r.agency, ''), "
        "coalesce(v.text, '') FROM reports r LEFT JOIN versions v ON v.id = r.latest_version_id"
    ),
]

_PG_INDEXES = {
    "ix_versions_text_trgm": "versions USING gin (text gin_trgm_ops)",
    "ix_reports_title_trgm": "reports USING gin (title gin_trgm_ops)",
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in _SQLITE_UP:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        available = bind.execute(
            sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        ).scalar()
        if not available:
            return  # search still works (ILIKE scans); only the indexes are missing
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, spec in _PG_INDEXES.items():
            op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {spec}")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("report_fts_ai", "report_fts_au", "report_fts_ad", "report_fts_vu"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS report_fts")
    elif bind.dialect.name == "postgresql":
        for name in _PG_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
