"""indicator headlines: exact decimal values, headline / ambiguous / role on every mention

Revision ID: 0006
Revises: 0007

Values move from FLOAT to their exact decimal text ("278459300", "99.78"; storage.models.ExactDecimal).
Rows stored before this revision get their headline marked by today's rules over what the rows hold
(scope, period, unit, value); ``fzwatch reparse --all`` re-reads components and trims old provenance.
"""

from decimal import Decimal

import sqlalchemy as sa
from alembic import op

from parsers.indicators import mark_headlines
from parsers.types import Indicator

revision = "0006"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("indicator_values", schema=None) as batch_op:
        batch_op.alter_column(
            "value",
            existing_type=sa.Float(),
            type_=sa.String(length=40),
            existing_nullable=False,
            postgresql_using="value::text",
        )
        batch_op.add_column(sa.Column("headline", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("ambiguous", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("role", sa.String(length=20), server_default="", nullable=False))
    _mark_existing_headlines()


def _plain(text: str) -> str:
    out = format(Decimal(text).normalize(), "f")
    return "0" if out == "-0" else out


def _mark_existing_headlines() -> None:
    bind = op.get_bind()
    table = sa.table(
        "indicator_values",
        sa.column("id", sa.Integer),
        sa.column("version_id", sa.Integer),
        sa.column("key", sa.String),
        sa.column("value", sa.String),
        sa.column("unit", sa.String),
        sa.column("scope", sa.String),
        sa.column("period", sa.String),
        sa.column("headline", sa.Boolean),
        sa.column("ambiguous", sa.Boolean),
    )
    rows = bind.execute(sa.select(table).order_by(table.c.version_id, table.c.id)).mappings().all()
    by_version: dict[int, list[tuple[int, Indicator]]] = {}
    for r in rows:
        value = _plain(r["value"])
        bind.execute(table.update().where(table.c.id == r["id"]).values(value=value))
        mention = Indicator(
            key=r["key"], value=Decimal(value), unit=r["unit"], text="", scope=r["scope"], period=r["period"]
        )
        by_version.setdefault(r["version_id"], []).append((r["id"], mention))
    for mentions in by_version.values():
        mark_headlines([m for _, m in mentions])
        for row_id, m in mentions:
            if m.headline:
                bind.execute(
                    table.update().where(table.c.id == row_id).values(headline=True, ambiguous=m.ambiguous)
                )


def downgrade() -> None:
    with op.batch_alter_table("indicator_values", schema=None) as batch_op:
        batch_op.drop_column("role")
        batch_op.drop_column("ambiguous")
        batch_op.drop_column("headline")
        batch_op.alter_column(
            "value",
            existing_type=sa.String(length=40),
            type_=sa.Float(),
            existing_nullable=False,
            postgresql_using="value::double precision",
        )
