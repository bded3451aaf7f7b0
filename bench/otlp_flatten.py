"""Throughput of the OTLP decoders (collector/otlp/), without HTTP or store.

Builds 100 ExportTraceServiceRequests of 1,000 spans each carrying SPEC 1.1's
synclens attributes (half of them with a span link), serialises them as
protobuf and as OTLP/JSON, and times over all of them, in this process:

- ``service path``: what ingest runs per body (``collector.decoding.decode_spans``):
  the native decoder when built, else ``decode_protobuf``; Arrow table included;
- ``native + table``: ``decode_protobuf_table`` alone (absent when not built);
- ``Python + table``: ``decode_protobuf`` and ``pa.Table.from_pydict``;
- ``decode_protobuf`` / ``decode_json``: the Python decoders, columns only.

Prints spans/s and spans per CPU-second, best of ``--repeat`` runs.

    .venv/bin/python bench/otlp_flatten.py [--requests 100] [--spans 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import time
from collections.abc import Callable
from typing import Any

import pyarrow as pa
from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from collector.decoding import decode_spans
from collector.otlp import decode_json, decode_protobuf
from collector.otlp.native import decode_protobuf_table, native_decoder
from collector.schema import SPAN_SCHEMA

_TARGETS = ("erp", "wms", "tpl", "commerce")
_ERRORS = ("timeout", "429", "validation")
_ID_KEYS = {"traceId", "spanId", "parentSpanId"}


def _kv(key: str, value: object) -> KeyValue:
    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=str(value)))


def build_request(rng: random.Random, n_spans: int, seq: int) -> ExportTraceServiceRequest:
    """One request of ``n_spans`` delivery-attempt spans from one middleware service."""
    spans = []
    t0 = 1_795_000_000_000_000_000 + seq * 10_000_000_000
    for i in range(n_spans):
        attempt = 1 + (i % 7 == 0) + (i % 21 == 0)
        failed = attempt == 1 and i % 7 == 0
        attrs = [
            _kv("inventory.event_id", f"evt-{seq:04d}-{i:06d}"),
            _kv("inventory.event_source", "wms/dc-east"),
            _kv("inventory.sku", f"SKU-{rng.randrange(50_000):05d}"),
            _kv("inventory.location", f"DC-EAST/R-{rng.randrange(40):02d}-{rng.randrange(20):02d}"),
            _kv("order.id", f"SO-{rng.randrange(1_000_000):07d}"),
            _kv("sync.target", _TARGETS[i % 4]),
            _kv("sync.attempt", attempt),
            _kv("sync.replay", i % 50 == 0),
            _kv("error.type", _ERRORS[i % 3] if failed else ""),
            _kv("http.response.status_code", 504 if failed else 200),
            _kv("messaging.system", "kafka"),
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
    resource = Resource(attributes=[_kv("service.name", "sync-middleware")])
    scope = InstrumentationScope(name="synclens.middleware", version="1.0")
    return ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(resource=resource, scope_spans=[ScopeSpans(scope=scope, spans=spans)])
        ]
    )


def _hex_ids(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: base64.b64decode(v).hex() if k in _ID_KEYS else _hex_ids(v) for k, v in node.items()
        }
    if isinstance(node, list):
        return [_hex_ids(v) for v in node]
    return node


def to_otlp_json(request: ExportTraceServiceRequest) -> bytes:
    """OTLP/JSON: proto3 JSON with hex ids and integer enums."""
    doc = MessageToDict(request, use_integers_for_enums=True)
    return json.dumps(_hex_ids(doc)).encode()


def _service(body: bytes) -> int:
    return int(decode_spans(body, False, 1).table.num_rows)


def _native_table(body: bytes) -> int:
    decoded = decode_protobuf_table(body, 1)
    if decoded is None:
        raise AssertionError("the native decoder declined a bench body")
    return int(decoded[0].num_rows)


def _python_table(body: bytes) -> int:
    batch = decode_protobuf(body, received_ns=1)
    return int(pa.Table.from_pydict(batch.columns, schema=SPAN_SCHEMA).num_rows)


def _time(
    decode: Callable[[bytes], int], bodies: list[bytes], repeat: int
) -> tuple[float, float, int]:
    """Best wall and CPU seconds of ``repeat`` runs over ``bodies``, and the spans."""
    best = best_cpu = float("inf")
    spans = 0
    for _ in range(repeat):
        t, cpu = time.perf_counter(), time.process_time()
        spans = sum(decode(body) for body in bodies)
        best = min(best, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best, best_cpu, spans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--spans", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    rng = random.Random(42)
    requests = [build_request(rng, args.spans, k) for k in range(args.requests)]
    pb_bodies = [r.SerializeToString() for r in requests]
    json_bodies = [to_otlp_json(r) for r in requests]
    print(
        f"{args.requests} requests x {args.spans} spans; protobuf "
        f"{sum(map(len, pb_bodies)) / len(pb_bodies) / 1024:.0f} KiB/request, OTLP/JSON "
        f"{sum(map(len, json_bodies)) / len(json_bodies) / 1024:.0f} KiB/request"
    )
    native = native_decoder() is not None
    runs: list[tuple[str, Callable[[bytes], int], list[bytes]]] = [
        (f"service path ({'native' if native else 'Python'})", _service, pb_bodies),
        ("Python + table", _python_table, pb_bodies),
        ("decode_protobuf", lambda b: decode_protobuf(b, received_ns=1).accepted, pb_bodies),
        ("decode_json", lambda b: decode_json(b, received_ns=1).accepted, json_bodies),
    ]
    if native:
        runs.insert(1, ("native + table", _native_table, pb_bodies))
    else:
        print("collector.otlp._native is not built: the service decodes in Python")
    for label, decode, bodies in runs:
        seconds, cpu, spans = _time(decode, bodies, args.repeat)
        print(
            f"{label:22s} {spans:>8d} spans in {seconds:6.3f} s = {spans / seconds:>11,.0f} "
            f"spans/s, {spans / max(cpu, 1e-9):>11,.0f} spans/CPU-s"
        )


if __name__ == "__main__":
    main()
