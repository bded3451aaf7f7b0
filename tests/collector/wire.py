"""Building real wire bodies for the service tests: OTLP protobuf/JSON and CloudEvents."""

from __future__ import annotations

import json
import os
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

NS = 1_000_000_000
T0 = 1_795_162_502 * NS  # 2026-11-20T08:15:02Z, the default event time below


def kv(key: str, value: Any) -> KeyValue:
    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=str(value)))


def attempt_span(
    *,
    trace_id: bytes | None = None,
    span_id: bytes | None = None,
    event_id: str,
    source: str = "wms/dc-west",
    sku: str | None = "BOLT-M8",
    location: str = "DC-WEST/R-12-04",
    target: str = "erp",
    attempt: int = 1,
    start_ns: int = T0,
    end_ns: int | None = None,
    error: str | None = None,
    replay: bool = False,
    dead_lettered: bool = False,
    duplicate: bool = False,
    order_id: str | None = None,
) -> Span:
    attrs = [
        kv("inventory.event_id", event_id),
        kv("inventory.event_source", source),
        kv("inventory.location", location),
        kv("sync.target", target),
        kv("sync.attempt", attempt),
    ]
    if sku is not None:
        attrs.append(kv("inventory.sku", sku))
    if order_id is not None:
        attrs.append(kv("order.id", order_id))
    if replay:
        attrs.append(kv("sync.replay", True))
    if dead_lettered:
        attrs.append(kv("sync.dead_lettered", True))
    if duplicate:
        attrs.append(kv("sync.duplicate", True))
    if error:
        attrs.append(kv("error.type", error))
    return Span(
        trace_id=trace_id or os.urandom(16),
        span_id=span_id or os.urandom(8),
        name=f"deliver {target}",
        kind=Span.SPAN_KIND_CLIENT,
        start_time_unix_nano=start_ns,
        end_time_unix_nano=end_ns if end_ns is not None else start_ns + NS,
        attributes=attrs,
        status=Status(code=Status.STATUS_CODE_ERROR if error else Status.STATUS_CODE_OK),
    )


def request(*spans: Span, service: str = "middleware") -> ExportTraceServiceRequest:
    return ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource={"attributes": [kv("service.name", service)]},
                scope_spans=[ScopeSpans(scope={"name": "tests"}, spans=list(spans))],
            )
        ]
    )


def cloudevent(
    event_id: str,
    *,
    source: str = "wms/dc-west",
    type: str = "inventory.adjusted",
    time: str = "2026-11-20T08:15:02Z",
    sku: str = "BOLT-M8",
    location: str = "DC-WEST/R-12-04",
    quantity: float = -6,
    traceparent: str | None = None,
    **data: Any,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": type,
        "time": time,
        "datacontenttype": "application/json",
        "data": {"sku": sku, "location": location, "quantity": quantity, **data},
    }
    if traceparent:
        event["traceparent"] = traceparent
    return event


def batch_body(*events: dict[str, Any]) -> bytes:
    return json.dumps(list(events)).encode()


BATCH = {"content-type": "application/cloudevents-batch+json"}
STRUCTURED = {"content-type": "application/cloudevents+json"}
PROTOBUF = {"content-type": "application/x-protobuf"}
JSON = {"content-type": "application/json"}
