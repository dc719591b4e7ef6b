"""versions.attachment_content_type: reparse reads an attachment with the Content-Type the crawl saw

Revision ID: lay1
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "lay1"
down_revision = "ops01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD/DROP COLUMN, not batch mode: SQLite's batch copy would break the FTS triggers on versions.
    op.add_column("versions", sa.Column("attachment_content_type", sa.String(length=100), nullable=True))


def downgrade() -> None:
    op.drop_column("versions", "attachment_content_type")
