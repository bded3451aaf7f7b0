"""What the exporter tests send through a real OpenTelemetry SDK: a linked
producer span, a failed delivery attempt and its retry, for one event; and
how the results are compared across transports (ids left out)."""

from __future__ import annotations

from typing import Any

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

from collector.testing.wire import NS, T0

__all__ = ["comparable", "send_attempts"]


def send_attempts(exporter: SpanExporter, *, event_id: str, sku: str) -> None:
    """Export, one span at a time as a service would: the producer of the
    event (its own trace), then two attempts to deliver it to the ERP, each
    a consumer span linked to the producer; the first times out."""
    provider = TracerProvider(resource=Resource.create({"service.name": "middleware"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("sync.worker", "1.4.2", attributes={"team": "integration"})
    common = {
        "inventory.event_id": event_id,
        "inventory.event_source": "wms/dc-west",
        "inventory.sku": sku,
        "inventory.location": "DC-WEST/R-12-04",
        "messaging.system": "rabbitmq",
        "messaging.destination.name": "inventory",
    }
    producer = tracer.start_span(
        "publish inventory",
        kind=SpanKind.PRODUCER,
        start_time=T0,
        attributes={**common, "messaging.message.id": event_id},
    )
    producer.end(end_time=T0 + NS // 10)
    link = Link(producer.get_span_context(), {"messaging.message.id": event_id})
    first = tracer.start_span(
        "deliver erp",
        kind=SpanKind.CONSUMER,
        start_time=T0 + 2 * NS,
        links=[link],
        attributes={**common, "sync.target": "erp", "sync.attempt": 1, "error.type": "timeout"},
    )
    first.set_status(Status(StatusCode.ERROR, "timeout"))
    first.end(end_time=T0 + 5 * NS)
    retry = tracer.start_span(
        "deliver erp",
        kind=SpanKind.CONSUMER,
        start_time=T0 + 10 * NS,
        links=[link],
        attributes={
            **common,
            "sync.target": "erp",
            "sync.attempt": 2,
            "http.response.status_code": 200,
        },
    )
    retry.end(end_time=T0 + 12_500_000_000)
    provider.shutdown()


_IDS = {"trace_id", "span_id", "parent_span_id", "event_id", "id", "sku"}
_TIMES = {"received_ns", "received_at"}  # when it arrived, not what it says


def comparable(node: Any, replace: dict[str, str]) -> Any:
    """``node`` without ids and receive times, and with the strings in
    ``replace`` (one run's event id and SKU) put back to a common value."""
    if isinstance(node, dict):
        return {k: comparable(v, replace) for k, v in node.items() if k not in _IDS | _TIMES}
    if isinstance(node, list):
        return [comparable(v, replace) for v in node]
    if isinstance(node, str):
        for old, new in replace.items():
            node = node.replace(old, new)
    return node
