"""change markers on the dashboards' time charts: deploys posted through the
API, configuration reloads and SLO edits recorded at start-up

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "annotations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at_ns", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.String(256), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("system", sa.String(128)),
        sa.Column("digest", sa.String(64)),
        sa.Column("by", sa.String(256), nullable=False),
        sa.Column("by_subject", sa.String(256)),
        sa.Column("created_ns", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_annotations_at", "annotations", ["at_ns"])


def downgrade() -> None:
    op.drop_index("ix_annotations_at", "annotations")
    op.drop_table("annotations")
