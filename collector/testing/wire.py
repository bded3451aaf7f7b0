"""Real wire bodies for tests and benchmarks: OTLP protobuf and JSON, CloudEvents."""

from __future__ import annotations

import base64
import json
import os
import random
from typing import Any

from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from collector.timefmt import NS_PER_S as NS

__all__ = [
    "BATCH",
    "JSON",
    "NS",
    "PROTOBUF",
    "STRUCTURED",
    "T0",
    "attempt_span",
    "batch_body",
    "cloudevent",
    "kv",
    "otlp_json",
    "random_request",
    "request",
]

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


def request(
    *spans: Span,
    service: str = "middleware",
    resource: dict[str, Any] | None = None,
    scope: str = "tests",
    scope_version: str = "",
    scope_attributes: dict[str, Any] | None = None,
) -> ExportTraceServiceRequest:
    """One ExportTraceServiceRequest of ``spans`` from one service and scope."""
    attributes = [kv(k, v) for k, v in {"service.name": service, **(resource or {})}.items()]
    return ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource=Resource(attributes=attributes),
                scope_spans=[
                    ScopeSpans(
                        scope=InstrumentationScope(
                            name=scope,
                            version=scope_version,
                            attributes=[kv(k, v) for k, v in (scope_attributes or {}).items()],
                        ),
                        spans=list(spans),
                    )
                ],
            )
        ]
    )


def _hex_ids(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: base64.b64decode(v).hex()
            if k in ("traceId", "spanId", "parentSpanId")
            else _hex_ids(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_hex_ids(v) for v in node]
    return node


def otlp_json(request: ExportTraceServiceRequest) -> dict[str, Any]:
    """The OTLP/JSON form of ``request``: hex ids, integer enums, int64 as strings."""
    doc: dict[str, Any] = _hex_ids(MessageToDict(request, use_integers_for_enums=True))
    return doc


_TARGETS = ("erp", "wms", "tpl", "commerce")
_ERRORS = ("timeout", "429", "validation")


def random_request(rng: random.Random, n_spans: int, seq: int) -> ExportTraceServiceRequest:
    """One request of ``n_spans`` delivery-attempt spans with SPEC 1.1's attributes
    (retries, failures, replays, links), as the ingest benchmarks send."""
    spans = []
    t0 = 1_795_000_000_000_000_000 + seq * 10_000_000_000
    for i in range(n_spans):
        attempt = 1 + (i % 7 == 0) + (i % 21 == 0)
        failed = attempt == 1 and i % 7 == 0
        attrs = [
            kv("inventory.event_id", f"evt-{seq:04d}-{i:06d}"),
            kv("inventory.event_source", "wms/dc-east"),
            kv("inventory.sku", f"SKU-{rng.randrange(50_000):05d}"),
            kv("inventory.location", f"DC-EAST/R-{rng.randrange(40):02d}-{rng.randrange(20):02d}"),
            kv("order.id", f"SO-{rng.randrange(1_000_000):07d}"),
            kv("sync.target", _TARGETS[i % 4]),
            kv("sync.attempt", attempt),
            kv("sync.replay", i % 50 == 0),
            kv("error.type", _ERRORS[i % 3] if failed else ""),
            kv("http.response.status_code", 504 if failed else 200),
            kv("messaging.system", "kafka"),
        ]
        links = []
        if i % 2 == 0:
            links.append(Span.Link(trace_id=rng.randbytes(16), span_id=rng.randbytes(8)))
        start = t0 + i * 1_000_000
        spans.append(
            Span(
                trace_id=rng.randbytes(16),
                span_id=rng.randbytes(8),
                parent_span_id=rng.randbytes(8),
                name="deliver inventory.adjusted",
                kind=Span.SPAN_KIND_CLIENT,
                start_time_unix_nano=start,
                end_time_unix_nano=start + rng.randrange(1_000_000, 900_000_000),
                attributes=attrs,
                links=links,
                status=Status(
                    code=Status.STATUS_CODE_ERROR if failed else Status.STATUS_CODE_UNSET
                ),
            )
        )
    return request(
        *spans, service="sync-middleware", scope="synclens.middleware", scope_version="1.0"
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
