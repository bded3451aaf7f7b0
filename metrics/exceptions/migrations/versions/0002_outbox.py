"""the event outbox (exception events out) and each sink's delivery state

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("type", sa.String(128), nullable=False),
        sa.Column("subject", sa.String(1024), nullable=False),
        sa.Column("exception_id", sa.Integer, nullable=False),
        sa.Column("time_ns", sa.BigInteger, nullable=False),
        sa.Column("has_orders", sa.Boolean, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_table(
        "event_sinks",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("delivered_id", sa.BigInteger, nullable=False),
        sa.Column("delivered", sa.BigInteger, nullable=False),
        sa.Column("failures", sa.BigInteger, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_ns", sa.BigInteger, nullable=False),
        sa.Column("last_delivered_ns", sa.BigInteger),
        sa.Column("last_error", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("event_sinks")
    op.drop_table("event_outbox")
