"""The columnar shape of what the collector stores.

Decoders produce columns (``dict[str, list]``) in exactly these names and
types; the store appends them to DuckDB as Arrow tables.  Times are integer
nanoseconds since the Unix epoch (UTC) so that latencies are exact.
"""

from __future__ import annotations

import pyarrow as pa

__all__ = ["EVENT_COLUMNS", "EVENT_SCHEMA", "SPAN_COLUMNS", "SPAN_SCHEMA", "empty_columns"]

SPAN_SCHEMA = pa.schema(
    [
        ("trace_id", pa.string()),  # 32 lowercase hex digits
        ("span_id", pa.string()),  # 16 lowercase hex digits
        ("parent_span_id", pa.string()),  # null for a root span
        ("name", pa.string()),
        ("kind", pa.int32()),  # OTLP SpanKind number
        ("start_ns", pa.int64()),
        ("end_ns", pa.int64()),
        ("status_code", pa.int32()),  # 0 unset, 1 ok, 2 error
        ("status_message", pa.string()),
        ("service_name", pa.string()),  # resource attribute service.name
        ("scope_name", pa.string()),  # instrumentation scope; null when empty
        ("scope_version", pa.string()),  # null when empty
        ("scope_attributes", pa.string()),  # JSON object; null when the scope has none
        ("event_id", pa.string()),  # inventory.event_id
        ("event_source", pa.string()),  # inventory.event_source
        ("sku", pa.string()),  # inventory.sku
        ("location", pa.string()),  # inventory.location
        ("order_id", pa.string()),  # order.id
        ("target", pa.string()),  # sync.target
        ("attempt", pa.int64()),  # sync.attempt
        ("replay", pa.bool_()),  # sync.replay (false when absent)
        ("dead_lettered", pa.bool_()),  # sync.dead_lettered (false when absent)
        ("duplicate", pa.bool_()),  # sync.duplicate (false when absent)
        ("error_type", pa.string()),  # error.type
        ("http_status", pa.int64()),  # http.response.status_code
        ("attributes", pa.string()),  # JSON object: the attributes without a column above
        # (and those the column holds converted); otlp.common.span_attributes
        # gives them all back
        ("resource", pa.string()),  # JSON object: resource attributes
        ("links", pa.string()),  # JSON list of {trace_id, span_id, attributes}
        ("span_events", pa.string()),  # JSON list of {name, time_ns, attributes}
        ("received_ns", pa.int64()),
    ]
)

EVENT_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("id", pa.string()),
        ("system", pa.string()),  # first path segment of source
        ("instance", pa.string()),  # rest of source ('' when absent)
        ("type", pa.string()),
        ("time_ns", pa.int64()),
        ("sku", pa.string()),
        ("location", pa.string()),
        ("to_location", pa.string()),
        ("quantity", pa.float64()),
        ("stock_status", pa.string()),  # default on_hand
        ("uom", pa.string()),  # default EA
        ("order_id", pa.string()),
        ("channel", pa.string()),
        ("sequence", pa.int64()),
        ("lot", pa.string()),
        ("serial", pa.string()),
        ("reason", pa.string()),
        ("trace_id", pa.string()),  # from the traceparent extension
        ("parent_span_id", pa.string()),  # from the traceparent extension
        ("data", pa.string()),  # JSON object: the event's data as sent
        ("extensions", pa.string()),  # JSON object: other context attributes
        ("received_ns", pa.int64()),
    ]
)

SPAN_COLUMNS: tuple[str, ...] = tuple(SPAN_SCHEMA.names)
EVENT_COLUMNS: tuple[str, ...] = tuple(EVENT_SCHEMA.names)


def empty_columns(schema: pa.Schema) -> dict[str, list[object]]:
    """A fresh ``{column: []}`` for one of the schemas above."""
    return {name: [] for name in schema.names}
