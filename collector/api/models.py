"""Response bodies of the collector's routes (SPEC 1 and 5), for ``/openapi.json``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from collector.api.responses import Model

__all__ = [
    "AttemptView",
    "EventView",
    "EventsAccepted",
    "EventsRefused",
    "ExportTraceResponse",
    "LineageView",
    "OrderLineage",
    "OrphanAttempts",
    "Rejection",
    "RpcStatus",
    "SkuLineage",
    "SnapshotList",
    "SnapshotRefused",
    "SnapshotStored",
    "SnapshotSummary",
    "SnapshotValue",
    "SpanNode",
    "TargetView",
    "TraceView",
]


class AttemptView(Model):
    """One delivery attempt (a span with an event id and a target)."""

    attempt: int | None
    replay: bool
    outcome: Literal["success", "failure"]
    dead_lettered: bool
    duplicate: bool
    error_type: str | None
    http_status: int | None
    status_message: str | None
    start: str | None
    end: str | None
    latency_s: float | None
    trace_id: str
    span_id: str
    before_event: bool


class TargetView(Model):
    """SPEC 2's facts of one (event, target) pair, with its attempts."""

    target: str
    expected: bool
    state: Literal["applied", "pending", "undelivered", "dead_lettered"]
    applied_at: str | None
    latency_s: float | None
    within_objective: bool | None
    first_pass: bool | None
    double_apply: bool
    deadline_s: float | None
    latency_objective_s: float | None
    attempts: list[AttemptView]


class EventView(Model):
    """One business event and its delivery to each target."""

    source: str
    id: str
    type: str
    time: str | None
    system: str
    sku: str
    location: str
    to_location: str | None
    quantity: float
    stock_status: str
    uom: str
    order_id: str | None
    channel: str | None
    sequence: int | None
    lot: str | None
    serial: str | None
    reason: str | None
    trace_id: str | None
    extensions: dict[str, Any] = Field(
        default_factory=dict, description="CloudEvents extension attributes as sent (e.g. rma)"
    )
    received_at: str | None
    attempts_seen: bool
    targets: list[TargetView]


class OrphanAttempts(Model):
    """Attempts of an event synclens has not received (yet)."""

    event_source: str
    event_id: str
    event_missing: bool
    location: str | None
    first_seen: str | None
    targets: list[TargetView]


class SnapshotValue(Model):
    """What one system's snapshot said of a key."""

    sku: str
    system: str
    instance: str | None
    channel: str | None
    taken_ns: int
    taken_at: str | None
    location: str
    stock_status: str
    quantity: float
    lot: str | None = None  # when the system reports lots (docs/reconciliation.md)
    serial: str | None = None


class LineageView(Model):
    events: list[EventView]
    orphan_attempts: list[OrphanAttempts]
    truncated: bool
    snapshots: list[SnapshotValue]
    exceptions: list[dict[str, Any]] = Field(default_factory=list)


class SkuLineage(LineageView):
    """``GET /api/v1/lineage``: one SKU's sync history."""

    sku: str
    location: str | None


class OrderLineage(LineageView):
    """``GET /api/v1/orders/{order_id}/lineage``."""

    order_id: str


class SpanNode(Model):
    """A span of the trace view, with its children."""

    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    start: str | None
    end: str | None
    duration_s: float
    attributes: dict[str, Any]
    scope_name: str | None = None
    scope_version: str | None = None
    scope_attributes: dict[str, Any] | None = None
    children: list[SpanNode]


class LinkedTrace(Model):
    trace_id: str
    roots: list[SpanNode]


class TraceView(Model):
    """``GET /api/v1/traces/{trace_id}``: the span tree, links followed one hop."""

    trace_id: str
    spans: int
    roots: list[SpanNode]
    linked_traces: list[LinkedTrace]


class Rejection(Model):
    """An event of the request that was not stored, and why."""

    index: int
    id: str | None
    reason: str


class EventsAccepted(Model):
    """``POST /v1/events``: what was stored, repeated or refused (SPEC 1.2)."""

    accepted: int
    duplicates: int
    rejected: list[Rejection]


class EventsRefused(Model):
    """The one event of a structured or binary request was invalid."""

    error: str
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = Field(default_factory=list)


class SnapshotStored(Model):
    """``POST /v1/snapshots``: the snapshot is stored whole."""

    snapshot_id: int
    system: str
    instance: str | None
    channel: str | None
    taken_ns: int
    rows: int
    stored: Literal[True]


class SnapshotRefused(Model):
    """Nothing of the snapshot is stored; ``errors`` names the first bad rows."""

    error: str
    stored: Literal[False] = False
    errors: list[dict[str, Any]] = Field(default_factory=list)
    error_counts: dict[str, int] = Field(default_factory=dict)
    invalid_rows_total: int = 0


class SnapshotSummary(Model):
    snapshot_id: int
    system: str
    instance: str | None
    channel: str | None
    taken_ns: int
    received_ns: int
    rows: int


class SnapshotList(Model):
    """``GET /api/v1/snapshots``: stored snapshots, newest first."""

    snapshots: list[SnapshotSummary]


class RpcStatus(Model):
    """``google.rpc.Status`` (OTLP's error body): JSON here; protobuf when the
    request was ``application/x-protobuf``."""

    code: int
    message: str
    details: list[dict[str, Any]] = Field(default_factory=list)


class PartialSuccess(Model):
    rejectedSpans: str | int | None = None
    errorMessage: str | None = None


class ExportTraceResponse(Model):
    """``ExportTraceServiceResponse``: JSON here; protobuf when the request was
    ``application/x-protobuf``; ``partialSuccess`` counts the spans rejected."""

    partialSuccess: PartialSuccess | None = None
