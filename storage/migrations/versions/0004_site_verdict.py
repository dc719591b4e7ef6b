"""site verdict (ok / 未发现报告 / 可能遗漏 with a reason) and escalation bookkeeping

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("verdict", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("verdict_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("suspect_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("escalation_key", sa.Text(), nullable=True))
        batch.add_column(sa.Column("report_channels", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("report_channels")
        batch.drop_column("escalation_key")
        batch.drop_column("escalated_at")
        batch.drop_column("suspect_since")
        batch.drop_column("verdict_reason")
        batch.drop_column("verdict")
