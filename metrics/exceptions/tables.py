"""The operational store's tables (SQLAlchemy Core): exceptions, their orders,
the append-only audit log, the detectors' watermarks, and the event outbox
with each sink's delivery state.

The schema itself is created by the Alembic migrations next to this module;
these definitions are what the code reads and writes through.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

__all__ = [
    "KINDS",
    "STATUSES",
    "audit",
    "change_markers",
    "detector_state",
    "event_outbox",
    "event_sinks",
    "exception_orders",
    "exceptions",
    "metadata",
]

KINDS = (
    "mismatch",
    "undelivered",
    "dead_lettered",
    "double_apply",
    "out_of_sequence",
    "sequence_gap",
    "ownership_violation",
)
STATUSES = ("open", "acknowledged", "resolved")

metadata = MetaData()

exceptions = Table(
    "exceptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("identity", String(1024), nullable=False),
    Column("status", String(16), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("owner_team", String(128), nullable=False),
    Column("reason", Text, nullable=False),
    Column("sku", String(256)),
    Column("location", String(256)),
    Column("warehouse", String(256)),
    Column("target", String(128)),
    Column("stock_status", String(32)),
    Column("source", String(256)),
    Column("event_ids", Text, nullable=False),  # JSON list
    Column("trace_ids", Text, nullable=False),  # JSON list
    Column("order_ids", Text, nullable=False),  # JSON list
    Column("detail", Text, nullable=False),  # JSON object
    Column("opened_at_ns", BigInteger, nullable=False),
    Column("updated_at_ns", BigInteger, nullable=False),
    Column("acknowledged_at_ns", BigInteger),
    Column("acknowledged_by", String(256)),
    Column("resolved_at_ns", BigInteger),
    Column("resolved_by", String(256)),
    Column("resolution", String(16)),  # auto | manual
    Index("ix_exceptions_status_kind", "status", "kind"),
    Index("ix_exceptions_kind_identity", "kind", "identity"),
    Index("ix_exceptions_sku", "sku"),
    Index(
        "ux_exceptions_unresolved_identity",
        "kind",
        "identity",
        unique=True,
        sqlite_where=text("status <> 'resolved'"),
        postgresql_where=text("status <> 'resolved'"),
    ),
)

exception_orders = Table(
    "exception_orders",
    metadata,
    Column("exception_id", Integer, primary_key=True),
    Column("order_id", String(256), primary_key=True),
)

audit = Table(
    "exception_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("exception_id", Integer, nullable=False),
    Column("at_ns", BigInteger, nullable=False),
    Column("action", String(32), nullable=False),  # opened | acknowledged | resolved | ...
    Column("from_status", String(16)),
    Column("to_status", String(16), nullable=False),
    Column("by", String(256), nullable=False),  # display name (or "synclens")
    Column("by_subject", String(256)),  # user:ana, token:wms, oidc:<sub>; NULL: synclens
    Column("note", Text, nullable=False),
    Index("ix_exception_audit_exception", "exception_id"),
)

detector_state = Table(
    "detector_state",
    metadata,
    Column("name", String(1024), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("now_ns", BigInteger, nullable=False),
)

# Exception events waiting to go out, in the order they happened (id); written
# in the transaction of the change they describe (docs/exceptions.md, "Events out").
event_outbox = Table(
    "event_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("type", String(128), nullable=False),
    Column("subject", String(1024), nullable=False),
    Column("exception_id", Integer, nullable=False),
    Column("time_ns", BigInteger, nullable=False),
    Column("has_orders", Boolean, nullable=False),
    Column("data", Text, nullable=False),  # JSON: the exception as the API shows it
)

# Per sink: everything up to delivered_id has been delivered, in order.
event_sinks = Table(
    "event_sinks",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("delivered_id", BigInteger, nullable=False),
    Column("delivered", BigInteger, nullable=False),
    Column("failures", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False),  # failed attempts since the last delivery
    Column("next_attempt_ns", BigInteger, nullable=False),
    Column("last_delivered_ns", BigInteger),
    Column("last_error", Text),
)

# Change markers on the time charts (docs/dashboards.md, "Change markers"):
# deploys and notes posted through the API, configuration reloads and SLO
# edits recorded by synclens at start-up (``digest``: what was loaded).
change_markers = Table(
    "annotations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at_ns", BigInteger, nullable=False),
    Column("kind", String(32), nullable=False),  # deploy | note | config_reload | slo_edit
    Column("title", String(256), nullable=False),
    Column("detail", Text, nullable=False),
    Column("system", String(128)),
    Column("digest", String(64)),
    Column("by", String(256), nullable=False),
    Column("by_subject", String(256)),
    Column("created_ns", BigInteger, nullable=False),
    Index("ix_annotations_at", "at_ns"),
)
