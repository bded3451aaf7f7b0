"""the audit log records who acted by subject too (the signed-in user, the token)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # adding a column is no UPDATE: the append-only triggers stay as they are
    op.add_column("exception_audit", sa.Column("by_subject", sa.String(256)))


def downgrade() -> None:
    op.drop_column("exception_audit", "by_subject")
