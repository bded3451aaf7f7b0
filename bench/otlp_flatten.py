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
import json
import random
import time
from collections.abc import Callable

import pyarrow as pa
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from collector.decoding import decode_spans
from collector.otlp import decode_json, decode_protobuf
from collector.otlp.native import decode_protobuf_table, native_decoder
from collector.schema import SPAN_SCHEMA
from collector.testing.wire import otlp_json, random_request


def to_otlp_json(request: ExportTraceServiceRequest) -> bytes:
    """OTLP/JSON: proto3 JSON with hex ids and integer enums."""
    return json.dumps(otlp_json(request)).encode()


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
    requests = [random_request(rng, args.spans, k) for k in range(args.requests)]
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
