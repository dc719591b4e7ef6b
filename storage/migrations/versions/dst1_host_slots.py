"""host_slots: per-origin politeness shared by every crawl process and worker

Revision ID: dst1
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "dst1"
down_revision = "lay1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "host_slots",
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("last_at", sa.Float(), nullable=False),
        sa.Column("delay", sa.Float(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("host"),
    )


def downgrade() -> None:
    op.drop_table("host_slots")
