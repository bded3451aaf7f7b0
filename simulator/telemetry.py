"""The middleware's instrumentation with the real OpenTelemetry SDK.

One PRODUCER span per published event (its context becomes the CloudEvent's
``traceparent``) and one CONSUMER span per delivery attempt, in a trace of its
own, linked to the producer span. Times are the simulated clock's, ids come
from a seeded generator, and ended spans are collected for the transport.
"""

from __future__ import annotations

import random

from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.sdk.trace.sampling import ALWAYS_ON
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode
from opentelemetry.util.types import AttributeValue

from .events import Event
from .middleware import Attempt

__all__ = ["SeededIdGenerator", "Telemetry"]


class SeededIdGenerator(IdGenerator):
    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def generate_span_id(self) -> int:
        return self._rng.getrandbits(64) or 1

    def generate_trace_id(self) -> int:
        return self._rng.getrandbits(128) or 1


class _Collect(SpanProcessor):
    def __init__(self) -> None:
        self.spans: list[ReadableSpan] = []

    def on_end(self, span: ReadableSpan) -> None:
        self.spans.append(span)


def traceparent(ctx: SpanContext) -> str:
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-01"


class Telemetry:
    def __init__(self, seed: int, service_name: str = "sync-middleware") -> None:
        self._collect = _Collect()
        self._provider = TracerProvider(
            resource=Resource.create(
                {"service.name": service_name, "service.namespace": "synclens-sim"}
            ),
            id_generator=SeededIdGenerator(random.Random(f"ids:{seed}")),
            sampler=ALWAYS_ON,
        )
        self._provider.add_span_processor(self._collect)
        self._tracer = self._provider.get_tracer("synclens.simulator")

    def _take(self) -> ReadableSpan:
        return self._collect.spans.pop()

    def _base_attributes(self, event: Event) -> dict[str, AttributeValue]:
        attrs: dict[str, AttributeValue] = {
            "inventory.event_id": event.id,
            "inventory.event_source": event.source,
            "inventory.sku": event.sku,
            "inventory.location": event.location,
            "messaging.system": "simbus",
            "messaging.message.id": event.id,
        }
        if event.order_id:
            attrs["order.id"] = event.order_id
        return attrs

    def producer(self, event: Event, publish_ns: int) -> ReadableSpan:
        attrs = self._base_attributes(event)
        attrs["messaging.operation.type"] = "send"
        attrs["messaging.destination.name"] = "inventory-events"
        attrs["cloudevents.event_type"] = event.type
        span = self._tracer.start_span(
            f"send {event.type}",
            context=Context(),
            kind=SpanKind.PRODUCER,
            attributes=attrs,
            start_time=event.time_ns,
        )
        span.end(end_time=publish_ns)
        return self._take()

    def attempt(self, event: Event, attempt: Attempt, producer: SpanContext) -> ReadableSpan:
        attrs = self._base_attributes(event)
        attrs.update(
            {
                "messaging.operation.type": "process",
                "messaging.destination.name": f"inventory-{attempt.target}",
                "sync.target": attempt.target,
                "sync.attempt": attempt.attempt,
                "sync.replay": attempt.replay,
                "sync.dead_lettered": attempt.dead_lettered,
                "sync.duplicate": attempt.duplicate,
                "http.response.status_code": attempt.http_status,
                "cloudevents.event_type": event.type,
            }
        )
        if attempt.error_type:
            attrs["error.type"] = attempt.error_type
        span = self._tracer.start_span(
            f"deliver {event.type} to {attempt.target}",
            context=Context(),
            kind=SpanKind.CONSUMER,
            attributes=attrs,
            links=[Link(producer)],
            start_time=attempt.start_ns,
        )
        if not attempt.success:
            span.set_status(Status(StatusCode.ERROR, f"{attempt.error_type} from {attempt.target}"))
        span.end(end_time=attempt.end_ns)
        out = self._take()
        ctx = out.context
        assert ctx is not None
        attempt.trace_id = f"{ctx.trace_id:032x}"
        attempt.span_id = f"{ctx.span_id:016x}"
        return out

    def shutdown(self) -> None:
        self._provider.shutdown()
