"""Request bodies for the ingest benchmarks, made unique per round cheaply.

A load generator must send fresh spans and events for the whole run (the
store drops re-sent ones as duplicates, which is a different and cheaper
path), yet building millions of protobuf spans in Python would take the CPU
the server needs.  So a few *templates* are built once with the real
OpenTelemetry protobuf classes, and each round patches them with
``bytes.replace`` of fixed-length markers (C speed, no re-encoding):

- every trace id starts with :data:`TRACE_MARK` (8 bytes), replaced by the
  round number, so (trace id, span id) is unique per round;
- every start and end time shares its high 32 bits, replaced by that value
  plus the round, so times advance ~4.3 s per round as real traffic would
  (the store's duplicate check reads the batch's time range only);
- every ``inventory.event_id`` / CloudEvent ``id`` holds :data:`ID_MARK`
  (8 characters), replaced by the round in hex;
- with a catalogue larger than :data:`SKU_POOL` (``skus``), every
  ``inventory.sku`` holds :data:`SKU_MARK` (4 characters), replaced by the
  round modulo ``skus / SKU_POOL`` in hex: each round draws its SKUs from one
  group of :data:`SKU_POOL`, the groups in turn, so every SKU of the
  catalogue gets the same share of the spans (:func:`sku_name` names them).

:func:`check_span_patch` decodes a patched body to prove the markers land
where intended.
"""

from __future__ import annotations

import json
import random
import struct
import time
from dataclasses import dataclass

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import InstrumentationScope
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from collector.otlp import decode_protobuf
from collector.testing.wire import kv
from collector.timefmt import NS_PER_S

__all__ = [
    "ID_MARK",
    "SKU_MARK",
    "SKU_POOL",
    "TRACE_MARK",
    "Templates",
    "check_span_patch",
    "event_templates",
    "patch",
    "sku_name",
    "span_templates",
]

TRACE_MARK = b"\x9c\x3e\x5a\x71\xd2\x0b\x88\xf4"
ID_MARK = b"Rq7ZxW3k"
SKU_MARK = b"Kp4Y"
#: SKUs one template body draws from (a larger catalogue: groups of this many)
SKU_POOL = 5000
_TAG_END = b"\x41"  # field 8 (end_time_unix_nano), fixed64: follows the start time
_TAG_ATTRS = b"\x4a"  # field 9 (attributes): follows the end time
_SOURCES = ("wms/dc-east", "tpl/acme", "returns/loop")
_TARGETS = ("erp", "commerce", "wms")
_ERRORS = ("timeout", "http.503", "validation")
_TYPES = (
    "inventory.received",
    "inventory.adjusted",
    "inventory.moved",
    "shipment.confirmed",
    "inventory.reserved",
)


@dataclass(frozen=True, slots=True)
class Templates:
    """Bodies of one kind ("spans" or "events") and how to make them unique."""

    kind: str
    content_type: str
    bodies: tuple[bytes, ...]
    items: tuple[int, ...]  # spans or events per body
    time_hi: int = 0  # the shared high 32 bits of span times (spans only)
    sku_groups: int = 1  # groups of SKU_POOL SKUs the rounds take in turn (spans only)


def patch(templates: Templates, index: int) -> tuple[bytes, int]:
    """Body number ``index`` of an endless unique stream, and its item count."""
    k = len(templates.bodies)
    body, rnd = templates.bodies[index % k], index // k + 1
    body = body.replace(ID_MARK, b"%08x" % rnd)
    if templates.kind == "spans":
        body = body.replace(TRACE_MARK, struct.pack(">Q", 0x5EED_0000_0000_0000 | rnd))
        old = struct.pack("<I", templates.time_hi)
        new = struct.pack("<I", templates.time_hi + rnd)
        body = body.replace(old + _TAG_END, new + _TAG_END).replace(
            old + _TAG_ATTRS, new + _TAG_ATTRS
        )
        if templates.sku_groups > 1:
            body = body.replace(SKU_MARK, b"%04x" % (rnd % templates.sku_groups))
    return body, templates.items[index % k]


def sku_name(n: int, skus: int = SKU_POOL) -> str:
    """The name of SKU number ``n`` (0 <= n < ``skus``) of a catalogue of
    ``skus``, as the patched bodies of :func:`span_templates` carry it."""
    if skus <= SKU_POOL:
        return f"SKU-{n:05d}"
    return f"SKU-{n // SKU_POOL:04x}{n % SKU_POOL:05d}"


def _span(rng: random.Random, body: int, i: int, time_hi: int, skus: int) -> Span:
    """One delivery attempt carrying SPEC 1.1's attributes."""
    mark = ID_MARK.decode()
    local = rng.randrange(min(skus, SKU_POOL))
    sku = f"SKU-{local:05d}" if skus <= SKU_POOL else f"SKU-{SKU_MARK.decode()}{local:05d}"
    attempt = 1 + (i % 9 == 0) + (i % 27 == 0)
    failed = rng.random() < 0.08
    target = _TARGETS[i % 3]
    attrs = [
        kv("inventory.event_id", f"evt-{mark}-{body:03d}{i:05d}"),
        kv("inventory.event_source", _SOURCES[i % 3]),
        kv("inventory.sku", sku),
        kv("inventory.location", f"DC-EAST/R-{rng.randrange(40):02d}-{rng.randrange(20):02d}"),
        kv("sync.target", target),
        kv("sync.attempt", attempt),
        kv("sync.replay", i % 50 == 0),
        kv("http.response.status_code", 503 if failed else 200),
        kv("messaging.system", "kafka"),
    ]
    if rng.random() < 0.3:
        attrs.append(kv("order.id", f"SO-{rng.randrange(10**7):07d}"))
    if failed:
        attrs.append(kv("error.type", rng.choice(_ERRORS)))
    links = []
    if i % 2 == 0:  # the producer's span, as a messaging consumer links to it
        links.append(Span.Link(trace_id=rng.randbytes(16), span_id=rng.randbytes(8)))
    start = (time_hi << 32) + i * 2_000_000 + rng.randrange(1_000_000)
    return Span(
        trace_id=TRACE_MARK + rng.randbytes(8),
        span_id=rng.randbytes(8),
        parent_span_id=rng.randbytes(8),
        name=f"deliver {target}",
        kind=Span.SPAN_KIND_CONSUMER if links else Span.SPAN_KIND_CLIENT,
        start_time_unix_nano=start,
        end_time_unix_nano=start + rng.randrange(1_000_000, 900_000_000),
        attributes=attrs,
        links=links,
        status=Status(code=Status.STATUS_CODE_ERROR if failed else Status.STATUS_CODE_OK),
    )


def span_templates(
    count: int,
    size: int,
    *,
    seed: int = 42,
    now_ns: int | None = None,
    skus: int = SKU_POOL,
) -> Templates:
    """``count`` OTLP protobuf bodies of ``size`` spans each (``size`` <= 1,000),
    over a catalogue of ``skus`` SKUs (a multiple of :data:`SKU_POOL` above it)."""
    if size > 1000:
        raise ValueError("at most 1,000 spans per body: their times must fit 2**32 ns")
    if skus < 1 or (skus > SKU_POOL and (skus % SKU_POOL or skus // SKU_POOL > 0xFFFF)):
        raise ValueError(f"skus: 1 to {SKU_POOL}, or a multiple of {SKU_POOL} up to 65535 times it")
    rng = random.Random(seed)
    now_ns = time.time_ns() if now_ns is None else now_ns
    time_hi = (now_ns - 3600 * NS_PER_S) >> 32  # an hour ago; rounds move forward from there
    resource = Resource(
        attributes=[
            kv("service.name", "sync-middleware"),
            kv("service.version", "2.4.1"),
            kv("deployment.environment", "bench"),
        ]
    )
    scope = InstrumentationScope(name="synclens.middleware", version="1.0")
    bodies = []
    for b in range(count):
        spans = [_span(rng, b, i, time_hi, skus) for i in range(size)]
        request = ExportTraceServiceRequest(
            resource_spans=[
                ResourceSpans(resource=resource, scope_spans=[ScopeSpans(scope=scope, spans=spans)])
            ]
        )
        bodies.append(request.SerializeToString())
    groups = max(1, skus // SKU_POOL)
    return Templates(
        "spans", "application/x-protobuf", tuple(bodies), (size,) * count, time_hi, groups
    )


def check_span_patch(templates: Templates) -> None:
    """Decode a patched body: every id and time must carry the round (else raise)."""
    body, n = patch(templates, len(templates.bodies) * 2)  # round 3 of template 0
    batch = decode_protobuf(body, received_ns=0)
    cols = batch.columns
    hi = templates.time_hi + 3
    problems = []
    if batch.accepted != n:
        problems.append(f"{batch.accepted} of {n} spans accepted: {batch.errors}")
    if any(not str(t).startswith("5eed000000000003") for t in cols["trace_id"]):
        problems.append("trace ids not patched")
    if any(int(str(s)) >> 32 != hi for s in cols["start_ns"] + cols["end_ns"]):
        problems.append("span times not patched")
    if any("00000003" not in str(e) for e in cols["event_id"]):
        problems.append("event ids not patched")
    group = b"%04x" % (3 % templates.sku_groups)
    if templates.sku_groups > 1 and any(
        str(k)[4:8].encode() != group or len(str(k)) != 13 for k in cols["sku"]
    ):
        problems.append("SKUs not patched")
    if problems:
        raise AssertionError("span template patching is broken: " + "; ".join(problems))


def event_templates(
    count: int, size: int, *, seed: int = 7, now_ns: int | None = None
) -> Templates:
    """``count`` CloudEvents batch bodies (JSON arrays) of ``size`` events each."""
    rng = random.Random(seed)
    now_ns = time.time_ns() if now_ns is None else now_ns
    mark = ID_MARK.decode()
    bodies = []
    for b in range(count):
        events = []
        for i in range(size):
            event_type = rng.choice(_TYPES)
            data: dict[str, object] = {
                "sku": f"SKU-{rng.randrange(5000):05d}",
                "location": f"DC-EAST/R-{rng.randrange(40):02d}-{rng.randrange(20):02d}",
                "quantity": rng.randrange(-50, 200),
                "stock_status": "on_hand",
                "sequence": b * size + i,
            }
            if rng.random() < 0.3:
                data["order_id"] = f"SO-{rng.randrange(10**7):07d}"
                data["channel"] = rng.choice(("web", "store", "marketplace"))
            if event_type == "inventory.moved":
                data["to_location"] = f"DC-EAST/R-{rng.randrange(40):02d}-01"
            stamp = (now_ns - 3600 * NS_PER_S) // NS_PER_S + b * 2 + i // 500
            events.append(
                {
                    "specversion": "1.0",
                    "id": f"evt-{mark}-{b:03d}{i:05d}",
                    "source": _SOURCES[i % 3],
                    "type": event_type,
                    "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(stamp))
                    + f".{rng.randrange(10**6):06d}Z",
                    "traceparent": f"00-{rng.getrandbits(128):032x}-{rng.getrandbits(64):016x}-01",
                    "datacontenttype": "application/json",
                    "data": data,
                }
            )
        bodies.append(json.dumps(events).encode())
    return Templates("events", "application/cloudevents-batch+json", tuple(bodies), (size,) * count)
