"""The load generator: a separate process sending request bodies over HTTP or gRPC.

``python -m bench.load TEMPLATES URL --duration S --warmup S --connections N``
reads pickled :class:`collector.testing.workload.Templates`, then ``N`` threads each
keep one request in flight (closed loop, like an OTLP exporter's workers):
for an ``http://`` URL each over its own HTTP/1.1 keep-alive connection
(``http.client``); for ``grpc://host:port`` each as a stream of one shared
gRPC channel (one HTTP/2 connection, as an OpenTelemetry Collector's
``otlp`` exporter sends), calling ``TraceService/Export`` with the raw bytes.
Requests started after the warm-up are measured.  Prints one JSON object:
items acknowledged, wall time, ack latencies, status codes, CPU used.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import pickle
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.report import cpu_seconds, summary_ms
from collector.testing.workload import Templates, patch

__all__ = ["main", "run_load"]


def run_load(
    templates: Templates, url: str, *, duration_s: float, warmup_s: float, connections: int
) -> dict[str, Any]:
    connect = _grpc(url) if url.startswith("grpc://") else _http(url, templates.content_type)
    counter = itertools.count()  # next() is atomic under the GIL
    started = time.perf_counter()
    measure_from = started + warmup_s
    stop_at = measure_from + duration_s
    latencies: list[list[float]] = [[] for _ in range(connections)]
    statuses: list[Counter[str]] = [Counter() for _ in range(connections)]
    items = [0] * connections
    items_total = [0] * connections  # warm-up included: what the store should hold
    last_done = [measure_from] * connections
    errors: list[str] = []

    def worker(w: int) -> None:
        send, close = connect()
        try:
            while (now := time.perf_counter()) < stop_at:
                body, n = patch(templates, next(counter))
                t0 = time.perf_counter()
                status = send(body)
                t1 = time.perf_counter()
                ok = status in ("200", "OK")
                if ok:
                    items_total[w] += n
                if now >= measure_from:
                    latencies[w].append(t1 - t0)
                    statuses[w][status] += 1
                    if ok:
                        items[w] += n
                    last_done[w] = t1
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"connection {w}: {exc!r}")
        finally:
            close()

    cpu0 = cpu_seconds()
    threads = [threading.Thread(target=worker, args=(w,)) for w in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = max(last_done) - measure_from
    all_latencies = [x for per in latencies for x in per]
    status_total: Counter[str] = Counter()
    for c in statuses:
        status_total.update(c)
    return {
        "items": sum(items),
        "items_total": sum(items_total),
        "requests": len(all_latencies),
        "wall_s": round(wall, 3),
        "items_per_s": round(sum(items) / wall, 1) if wall > 0 else 0.0,
        "ack_latency": summary_ms(all_latencies),
        "status": dict(sorted(status_total.items())),
        "load_cpu_s": round(cpu_seconds() - cpu0, 2),
        "errors": errors,
    }


Send = Callable[[bytes], str]  # body -> status: "200", "429", ... or "OK", "UNAVAILABLE", ...


def _http(url: str, content_type: str) -> Callable[[], tuple[Send, Callable[[], None]]]:
    parts = urlsplit(url)
    host, port, path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path
    headers = {"Content-Type": content_type}

    def connect() -> tuple[Send, Callable[[], None]]:
        conn = http.client.HTTPConnection(host, port, timeout=120)

        def send(body: bytes) -> str:
            conn.request("POST", path, body, headers)
            resp = conn.getresponse()
            resp.read()
            return str(resp.status)

        return send, conn.close

    return connect


def _grpc(url: str) -> Callable[[], tuple[Send, Callable[[], None]]]:
    import grpc  # only the gRPC load needs it

    channel = grpc.insecure_channel(
        url.removeprefix("grpc://"),
        options=[("grpc.max_send_message_length", 64 * 1024 * 1024)],
    )
    export: grpc.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
    )

    def send(body: bytes) -> str:
        try:
            export(body, timeout=120)
        except grpc.RpcError as exc:
            return str(exc.code().name)
        return "OK"

    def connect() -> tuple[Send, Callable[[], None]]:
        return send, lambda: None  # the streams share the channel

    return connect


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("templates", type=Path, help="pickled bench.workload.Templates")
    parser.add_argument("url", help="e.g. http://127.0.0.1:4318/v1/traces or grpc://127.0.0.1:4317")
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args(argv)
    with args.templates.open("rb") as f:
        templates = pickle.load(f)
    if not isinstance(templates, Templates):
        parser.error(f"{args.templates} does not hold collector.testing.workload.Templates")
    result = run_load(
        templates,
        args.url,
        duration_s=args.duration,
        warmup_s=args.warmup,
        connections=args.connections,
    )
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
