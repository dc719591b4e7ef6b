"""subscriptions.target_count: how many targets, readable without the secret key

Crawl workers queue announcements (one outbox row per subscription target) and need only the database and
broker URLs; the URLs themselves are encrypted. `fzwatch db upgrade` fills the count of existing rows
(storage.subscriptions.count_subscription_targets), which needs the key.

Revision ID: tc1
Revises: dst1
"""

import sqlalchemy as sa
from alembic import op

revision = "tc1"
down_revision = "dst1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("target_count", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("target_count")
