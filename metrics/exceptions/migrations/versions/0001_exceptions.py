"""exceptions, their orders, the append-only audit log, detector watermarks

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_SQLITE_GUARD = """
CREATE TRIGGER exception_audit_no_{what} BEFORE {WHAT} ON exception_audit
BEGIN SELECT RAISE(ABORT, 'exception_audit is append-only'); END
"""
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION exception_audit_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'exception_audit is append-only'; END $$ LANGUAGE plpgsql
"""
_PG_GUARD = """
CREATE TRIGGER exception_audit_no_update_delete BEFORE UPDATE OR DELETE OR TRUNCATE
ON exception_audit FOR EACH STATEMENT EXECUTE FUNCTION exception_audit_append_only()
"""


def upgrade() -> None:
    op.create_table(
        "exceptions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("identity", sa.String(1024), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("owner_team", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("sku", sa.String(256)),
        sa.Column("location", sa.String(256)),
        sa.Column("warehouse", sa.String(256)),
        sa.Column("target", sa.String(128)),
        sa.Column("stock_status", sa.String(32)),
        sa.Column("source", sa.String(256)),
        sa.Column("event_ids", sa.Text, nullable=False),
        sa.Column("trace_ids", sa.Text, nullable=False),
        sa.Column("order_ids", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("opened_at_ns", sa.BigInteger, nullable=False),
        sa.Column("updated_at_ns", sa.BigInteger, nullable=False),
        sa.Column("acknowledged_at_ns", sa.BigInteger),
        sa.Column("acknowledged_by", sa.String(256)),
        sa.Column("resolved_at_ns", sa.BigInteger),
        sa.Column("resolved_by", sa.String(256)),
        sa.Column("resolution", sa.String(16)),
    )
    op.create_index("ix_exceptions_status_kind", "exceptions", ["status", "kind"])
    op.create_index("ix_exceptions_kind_identity", "exceptions", ["kind", "identity"])
    op.create_index("ix_exceptions_sku", "exceptions", ["sku"])
    op.create_index(
        "ux_exceptions_unresolved_identity",
        "exceptions",
        ["kind", "identity"],
        unique=True,
        sqlite_where=sa.text("status <> 'resolved'"),
        postgresql_where=sa.text("status <> 'resolved'"),
    )
    op.create_table(
        "exception_orders",
        sa.Column("exception_id", sa.Integer, primary_key=True),
        sa.Column("order_id", sa.String(256), primary_key=True),
    )
    op.create_table(
        "exception_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("exception_id", sa.Integer, nullable=False),
        sa.Column("at_ns", sa.BigInteger, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(16)),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("by", sa.String(256), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_index("ix_exception_audit_exception", "exception_audit", ["exception_id"])
    op.create_table(
        "detector_state",
        sa.Column("name", sa.String(1024), primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("now_ns", sa.BigInteger, nullable=False),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for what in ("update", "delete"):
            op.execute(_SQLITE_GUARD.format(what=what, WHAT=what.upper()))
    elif dialect == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_GUARD)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS exception_audit_no_update")
        op.execute("DROP TRIGGER IF EXISTS exception_audit_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS exception_audit_no_update_delete ON exception_audit")
        op.execute("DROP FUNCTION IF EXISTS exception_audit_append_only()")
    op.drop_table("detector_state")
    op.drop_table("exception_audit")
    op.drop_table("exception_orders")
    op.drop_table("exceptions")
