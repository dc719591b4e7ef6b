"""housekeeping at scale: parse results stored compressed, indexes for polling and retention

Revision ID: ops01
Revises: 0006

``versions.parsed`` (the parse result, ~23 KB of JSON a version) is stored zlib-compressed
(storage.models.CompressedJSON). PostgreSQL: the column becomes bytea; SQLite keeps each value's own type,
so the column is not rebuilt (a rebuild would drop the report-search triggers on ``versions``). Existing
rows are compressed here in batches; the reader accepts both forms anyway. Indexes: pending recrawl
requests (polled every 2 s) and crawl-run retention by ``finished_at``.
"""

import json
import zlib

import sqlalchemy as sa
from alembic import op

revision = "ops01"
down_revision = "0006"
branch_labels = None
depends_on = None

BATCH = 500


def _decode(value):
    if value is None or isinstance(value, dict | list):
        return value
    if isinstance(value, str):
        return json.loads(value)
    data = bytes(value)
    return json.loads(zlib.decompress(data) if data[:1] == b"\x78" else data)


def _rewrite(encode) -> None:
    """Every row's parse result through ``encode``, BATCH rows at a time (memory stays flat)."""
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.text("SELECT id, parsed FROM versions WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": BATCH},
        ).fetchall()
        if not rows:
            return
        for row_id, value in rows:
            bind.execute(
                sa.text("UPDATE versions SET parsed = :p WHERE id = :i"),
                {"p": encode(_decode(value)), "i": row_id},
            )
        last = rows[-1][0]


def _compressed(value) -> bytes:
    return zlib.compress(
        json.dumps(value or {}, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE versions ALTER COLUMN parsed TYPE bytea USING convert_to(parsed::text, 'UTF8')"
        )
    _rewrite(_compressed)
    op.create_index("ix_recrawl_requests_pending", "recrawl_requests", ["picked_at", "site_id"])
    op.create_index("ix_crawl_runs_finished_at", "crawl_runs", ["finished_at"])


def downgrade() -> None:
    op.drop_index("ix_crawl_runs_finished_at", table_name="crawl_runs")
    op.drop_index("ix_recrawl_requests_pending", table_name="recrawl_requests")
    if op.get_bind().dialect.name == "postgresql":
        _rewrite(lambda value: json.dumps(value or {}, ensure_ascii=False).encode("utf-8"))
        op.execute(
            "ALTER TABLE versions ALTER COLUMN parsed TYPE json USING convert_from(parsed, 'UTF8')::json"
        )
    else:
        _rewrite(lambda value: json.dumps(value or {}, ensure_ascii=False))
