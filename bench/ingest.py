"""Parts ``ingest`` (OTLP spans), ``events`` (CloudEvents) over real HTTP, and
``grpc`` (OTLP spans over OTLP/gRPC).

A ``synclens serve`` subprocess on a fresh database; a separate load process
(:mod:`bench.load`) posts batches over a few keep-alive connections for the
configured duration.  Reported: items acknowledged per second, ack latency
percentiles, the server's peak RSS and CPU, and that the store holds every
acknowledged row after shutdown.  Two references, measured in this process
on the same bodies before the server starts, in one thread, no HTTP, no
store: a protobuf library parse plus a Python flatten into an Arrow table
(``decode_protobuf``; for events ``json`` and event-by-event validation),
the issue's reference and the one its ratio target is checked against; and
the service's own decode (``collector.decoding.decode_spans`` /
``decode_events``: the native OTLP decoder, the CloudEvents fast path).
``grpc`` also sends the same bodies over HTTP right after (a fresh server,
the same options) and reports gRPC / HTTP: on a shared machine the two
transports' absolute rates move together with the cores left free.
"""

from __future__ import annotations

import json
import pickle
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from bench.options import Options
from bench.report import (
    Table,
    machine,
    peak_rss_mib,
    process_tree,
    tree_cpu_seconds,
    tree_rss_mib,
    write_result,
)
from bench.service import Server, find_py_spy, summarise_profile
from collector.cloudevents.events import decode_batch_text
from collector.decoding import decode_events, decode_spans
from collector.otlp import decode_protobuf
from collector.schema import EVENT_SCHEMA, SPAN_SCHEMA
from collector.testing.workload import (
    Templates,
    check_span_patch,
    event_templates,
    patch,
    span_templates,
)

__all__ = ["run_events", "run_ingest", "run_ingest_grpc"]

_REPO = Path(__file__).resolve().parent.parent
_TARGETS: dict[str, dict[str, float]] = {
    "spans": {"per_s": 100_000, "ratio": 0.5, "p99_ms": 250, "rss_mib": 1536},
    "events": {"per_s": 50_000},
}


def _decode_spans(body: bytes) -> int:
    return int(decode_spans(body, False, 1).table.num_rows)


def _decode_events(body: bytes) -> int:
    return int(decode_events("batch", {}, body, 1, None).table.num_rows)


def _parse_flatten_spans(body: bytes) -> int:
    """The issue's reference as first written: a protobuf library parse and
    a Python flatten (``decode_protobuf``), then the Arrow table."""
    batch = decode_protobuf(body, received_ns=1)
    return int(pa.Table.from_pydict(batch.columns, schema=SPAN_SCHEMA).num_rows)


def _parse_flatten_events(body: bytes) -> int:
    """``json`` parse, event-by-event validation, then the Arrow table."""
    batch = decode_batch_text(body.decode(), 1, None)
    return int(pa.Table.from_pydict(batch.columns, schema=EVENT_SCHEMA).num_rows)


def reference(
    templates: Templates, decode: Callable[[bytes], int], repeat: int = 3
) -> dict[str, Any]:
    """Decode + Arrow, in-process and single-threaded, over two rounds of bodies."""
    bodies = [patch(templates, i) for i in range(2 * len(templates.bodies))]
    expected = sum(n for _, n in bodies)
    rates, cpu_rates = [], []
    for _ in range(repeat):
        started, cpu0 = time.perf_counter(), time.process_time()
        rows = sum(decode(body) for body, _ in bodies)
        rates.append(rows / (time.perf_counter() - started))
        cpu_rates.append(rows / max(time.process_time() - cpu0, 1e-9))
        if rows != expected:
            raise AssertionError(f"reference decoded {rows} of {expected} rows")
    return {
        "items": expected,
        "repeat": repeat,
        "items_per_s": round(statistics.median(rates), 1),
        "best_items_per_s": round(max(rates), 1),
        "items_per_cpu_s": round(statistics.median(cpu_rates), 1),
    }


def _stored_rows(db: Path, table: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(f"SELECT count(*) FROM {table}").fetchone()  # table: "spans" or "events"
    finally:
        con.close()
    return int(row[0]) if row else 0


def _over_the_wire(
    kind: str, part: str, templates: Templates, opts: Options, workdir: Path, grpc: bool
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    pickled = workdir / "templates.pkl"
    pickled.write_bytes(pickle.dumps(templates))
    path = "/v1/traces" if kind == "spans" else "/v1/events"
    profile: dict[str, Any] | None = None
    with Server(workdir, grpc=grpc) as server:
        url = f"grpc://127.0.0.1:{server.grpc_port}" if grpc else server.url + path
        sampler = _RssSampler(server.pid)
        sampler.start()
        cpu0, t0 = tree_cpu_seconds(server.pid), time.perf_counter()
        load = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.load",
                str(pickled),
                url,
                "--duration",
                str(opts.duration_s),
                "--warmup",
                str(opts.warmup_s),
                "--connections",
                str(opts.connections),
            ],
            cwd=_REPO,
            stdout=subprocess.PIPE,
        )
        spy = _start_py_spy(server.pid, opts, workdir, part) if opts.profile else None
        out, _ = load.communicate(timeout=opts.warmup_s + opts.duration_s + 300)
        server_cpu = tree_cpu_seconds(server.pid) - cpu0
        elapsed = time.perf_counter() - t0
        sampler.stop()
        hwm = [peak_rss_mib(p) for p in process_tree(server.pid)]
        if spy is not None:
            spy[0].wait(timeout=120)
            profile = {"collapsed": str(spy[1]), **summarise_profile(spy[1])}
        if load.returncode != 0:
            raise RuntimeError(
                f"load generator failed ({load.returncode}); server log:\n{server.tail()}"
            )
        result: dict[str, Any] = json.loads(out)
        stop_s = server.stop()
    result["server"] = {
        # the server process and its decode pool, sampled every 0.25 s
        "peak_rss_mib": max(sampler.peak_mib, hwm[0]),
        "processes": sampler.processes,
        "main_process_vmhwm_mib": hwm[0],
        "sum_vmhwm_mib": round(sum(hwm), 1),  # upper bound: peaks need not coincide
        "cpu_s": round(server_cpu, 2),
        "cpu_cores_used": round(server_cpu / elapsed, 2),
        # contention-proof efficiency: what one CPU-second of the server ingests
        "items_per_cpu_s": round(result["items_total"] / server_cpu, 1) if server_cpu else None,
        "load_cpu_cores_used": round(result["load_cpu_s"] / elapsed, 2),
        "shutdown_s": round(stop_s, 2),
    }
    stored = _stored_rows(server.db, "spans" if kind == "spans" else "events")
    result["stored_rows"] = stored
    result["all_acked_stored"] = stored == result["items_total"]
    return result, profile


class _RssSampler(threading.Thread):
    """The largest resident size of a process tree, sampled in the background."""

    def __init__(self, pid: int, interval_s: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval_s = pid, interval_s
        self.peak_mib, self.processes = 0.0, 1
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(self.interval_s):
            mib, n = tree_rss_mib(self.pid)
            if mib > self.peak_mib:
                self.peak_mib, self.processes = mib, n

    def stop(self) -> None:
        self._done.set()
        self.join()


def _start_py_spy(
    pid: int, opts: Options, workdir: Path, part: str
) -> tuple[subprocess.Popen[bytes], Path] | None:
    exe = find_py_spy()
    if exe is None:
        print("--profile: py-spy not found (pip install py-spy, or set PY_SPY)", file=sys.stderr)
        return None
    out = opts.results_dir / f"profile-{part}.txt"
    opts.results_dir.mkdir(parents=True, exist_ok=True)
    time.sleep(opts.warmup_s)
    proc = subprocess.Popen(
        [
            exe,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(opts.duration_s)),
            "--rate",
            "50",
            "--format",
            "raw",
            "--function",
            "--subprocesses",
            "--output",
            str(out),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "py-spy.log").open("wb"),
    )
    return proc, out


def _run(kind: str, part: str, opts: Options, *, grpc: bool = False) -> dict[str, Any]:
    info = machine()
    build = span_templates if kind == "spans" else event_templates
    started = time.perf_counter()
    templates = build(opts.templates, opts.batch)
    if kind == "spans":
        check_span_patch(templates)
    build_s = time.perf_counter() - started
    ref = reference(templates, _decode_spans if kind == "spans" else _decode_events)
    lib = reference(templates, _parse_flatten_spans if kind == "spans" else _parse_flatten_events)
    with tempfile.TemporaryDirectory(prefix=f"synclens-bench-{part}-") as tmp:
        http, profile = _over_the_wire(kind, part, templates, opts, Path(tmp), grpc)
    over_http: dict[str, Any] | None = None
    if grpc:  # the same bodies over HTTP right after: the machine's share, not the transport's
        with tempfile.TemporaryDirectory(prefix=f"synclens-bench-{part}-http-") as tmp:
            over_http, _ = _over_the_wire(
                kind, part, templates, replace(opts, profile=False), Path(tmp), False
            )
    ratio = http["items_per_s"] / ref["items_per_s"] if ref["items_per_s"] else None
    ratio_lib = http["items_per_s"] / lib["items_per_s"] if lib["items_per_s"] else None
    per_cpu = http["server"]["items_per_cpu_s"]
    ratio_cpu = per_cpu / ref["items_per_cpu_s"] if per_cpu and ref["items_per_cpu_s"] else None
    targets = _TARGETS[kind]
    lat = http["ack_latency"]
    met = {"per_s": http["items_per_s"] >= targets["per_s"]}
    if kind == "spans":
        met["ratio"] = ratio_lib is not None and ratio_lib >= targets["ratio"]
        met["p99_ms"] = lat.get("p99_ms", 1e9) < targets["p99_ms"]
        met["rss_mib"] = http["server"]["peak_rss_mib"] < targets["rss_mib"]
    unit = "spans" if kind == "spans" else "events"
    result: dict[str, Any] = {
        "machine": info,
        "options": {
            "duration_s": opts.duration_s,
            "warmup_s": opts.warmup_s,
            "connections": opts.connections,
            "batch": opts.batch,
            "templates": opts.templates,
            "body_bytes": len(templates.bodies[0]),
            "template_build_s": round(build_s, 2),
        },
        "unit": unit,
        "transport": "grpc" if grpc else "http",
        "http": http,  # the key of either transport's figures
        "reference": ref,
        "ratio": round(ratio, 3) if ratio is not None else None,
        "reference_parse_flatten": lib,
        "ratio_parse_flatten": round(ratio_lib, 3) if ratio_lib is not None else None,
        "ratio_per_cpu_s": round(ratio_cpu, 3) if ratio_cpu is not None else None,
        "targets": targets,
        "met": met,
    }
    if over_http is not None:
        result["http_same_run"] = over_http
        result["ratio_grpc_http"] = round(http["items_per_s"] / over_http["items_per_s"], 3)
    if profile is not None:
        result["profile"] = profile
    _print(part, unit, result)
    write_result(opts.results_dir, part, result)
    return result


def _print(part: str, unit: str, r: dict[str, Any]) -> None:
    http, ref, lat, srv = r["http"], r["reference"], r["http"]["ack_latency"], r["http"]["server"]
    wire = "gRPC" if r["transport"] == "grpc" else "HTTP"
    streams = "streams of one channel" if wire == "gRPC" else "connections"
    t = Table(
        f"{part}: {unit} over {wire}, batches of {r['options']['batch']}, "
        f"{r['options']['connections']} {streams}, {r['options']['duration_s']:.0f} s "
        f"(load avg {r['machine']['loadavg_1m_at_start']} on {r['machine']['cpus']} CPUs)",
        ["measure", "value", "target", "met"],
    )
    targets, met = r["targets"], r["met"]
    t.add(f"{unit}/s over {wire}", http["items_per_s"], f">= {targets['per_s']:,.0f}", met["per_s"])
    lib = r["reference_parse_flatten"]
    t.add(f"reference {unit}/s: library parse + flatten + Arrow", lib["items_per_s"], None, None)
    t.add(
        f"ratio {wire} / parse + flatten",
        r["ratio_parse_flatten"],
        f">= {targets['ratio']}" if "ratio" in targets else None,
        met.get("ratio"),
    )
    t.add(f"reference {unit}/s: service decode + Arrow", ref["items_per_s"], None, None)
    t.add(f"ratio {wire} / service decode", r["ratio"], None, None)
    t.add(f"server {unit} per CPU-second", srv["items_per_cpu_s"], None, None)
    t.add(f"reference {unit} per CPU-second", ref["items_per_cpu_s"], None, None)
    t.add("ratio per CPU-second (server / reference)", r["ratio_per_cpu_s"], None, None)
    t.add("ack latency p50 ms", lat.get("p50_ms"), None, None)
    t.add(
        "ack latency p99 ms",
        lat.get("p99_ms"),
        f"< {targets['p99_ms']:.0f}" if "p99_ms" in targets else None,
        met.get("p99_ms"),
    )
    t.add("ack latency max ms", lat.get("max_ms"), None, None)
    t.add(
        "server peak RSS MiB",
        srv["peak_rss_mib"],
        f"< {targets['rss_mib']:.0f}" if "rss_mib" in targets else None,
        met.get("rss_mib"),
    )
    t.add("server processes (main + decode pool)", srv["processes"], None, None)
    t.add("server CPU cores used", srv["cpu_cores_used"], None, None)
    t.add("load generator CPU cores used", srv["load_cpu_cores_used"], None, None)
    t.add("requests (status)", f"{http['requests']:,} {http['status']}", None, None)
    t.add("every acknowledged row stored", http["all_acked_stored"], None, None)
    if "http_same_run" in r:
        same, same_srv = r["http_same_run"], r["http_same_run"]["server"]
        t.add(
            f"reference {unit}/s over HTTP (same bodies, right after)",
            same["items_per_s"],
            None,
            None,
        )
        t.add("ratio gRPC / HTTP (same run)", r["ratio_grpc_http"], None, None)
        t.add("HTTP ack latency p99 ms", same["ack_latency"].get("p99_ms"), None, None)
        t.add(f"HTTP server {unit} per CPU-second", same_srv["items_per_cpu_s"], None, None)
        t.add("HTTP server CPU cores used", same_srv["cpu_cores_used"], None, None)
        t.add("HTTP: every acknowledged row stored", same["all_acked_stored"], None, None)
    t.print()
    if "profile" in r:
        p = Table("server profile (py-spy): share of samples, leaf frames", ["frame", "share"])
        for frame, share in r["profile"]["self"]:
            p.add(frame, share)
        p.print()


def run_ingest(opts: Options) -> dict[str, Any]:
    return _run("spans", "ingest", opts)


def run_ingest_grpc(opts: Options) -> dict[str, Any]:
    return _run("spans", "grpc", opts, grpc=True)


def run_events(opts: Options) -> dict[str, Any]:
    return _run("events", "events", opts)
