"""The soak: ``synclens serve`` for a long time at half its maximum ingest,
with lineage and SLI queries beside it; is memory flat, is latency steady?

``python -m bench.soak [--minutes 30] [--rate SPANS_PER_S] [--warmup-minutes 5]
[--skus 1000000]``

1. A real ``synclens serve`` on a fresh database (``bench.service.Server``).
2. Unless ``--rate`` is given, its maximum is measured first: closed-loop
   OTLP load (``bench.load.run_load``, 10 connections) for ``--probe-s``
   seconds; the soak runs at half of it.
3. Open-loop ingest at that rate: bodies of 1,000 spans
   (``collector.testing.workload``) over a catalogue of ``--skus`` SKUs
   (default 1,000,000: bench/README.md says why), each sent when the schedule says,
   over ``--connections`` keep-alive connections (10, as an OpenTelemetry
   Collector exporter), so a slow server shows as growing ack latency
   rather than as a lower rate (until every connection waits).
4. Beside it, one client asks the lineage of a random SKU every 0.5 s and one
   the 1 h SLIs every 2 s.
5. Every 5 s the resident memory of the server's process tree is sampled.

Per window (``--window-s``): ack p50/p99, lineage p99, SLI p99, spans/s,
refusals, RSS. After the warm-up: RSS growth from the first window to the
last (target < 10 %) and the spread of the windows' p99s. Finally a clean
SIGTERM, and the store must hold every acknowledged span. Prints a table
and writes ``bench/results/soak.json``.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import duckdb

from bench.load import run_load
from bench.report import percentile, tree_rss_mib
from bench.service import Server
from collector.testing.workload import Templates, patch, sku_name, span_templates

__all__ = ["main", "soak"]

Sample = tuple[float, float, int]  # (when, seconds taken, status)


def _paced_ingest(
    templates: Templates,
    port: int,
    rate: float,
    stop: threading.Event,
    connections: int,
    out: list[tuple[float, float, int, int]],
) -> None:
    per_request_s = templates.items[0] / rate
    slots = itertools.count()  # next() is atomic under the GIL
    start = time.perf_counter()

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Content-Type": templates.content_type}
        try:
            while not stop.is_set():
                slot = next(slots)
                due = start + slot * per_request_s
                if (wait := due - time.perf_counter()) > 0 and stop.wait(wait):
                    return
                body, n = patch(templates, slot)
                t0 = time.perf_counter()
                try:
                    conn.request("POST", "/v1/traces", body, headers)
                    resp = conn.getresponse()
                    resp.read()
                    status = resp.status
                except (OSError, http.client.HTTPException):
                    # a reset or a timeout is a refusal the table shows (status 0),
                    # not a worker that dies quietly and lowers the rate
                    status = 0
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                out.append((t0, time.perf_counter() - t0, status, n))
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _query_loop(
    port: int, path: Any, pause_s: float, stop: threading.Event, out: list[Sample]
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        while not stop.is_set():
            t0 = time.perf_counter()
            try:
                conn.request("GET", path())
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException):
                status = 0  # counted as an error, and the loop goes on
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            out.append((t0, time.perf_counter() - t0, status))
            stop.wait(pause_s)
    finally:
        conn.close()


def _load_1m() -> float:
    """The machine's 1-minute load average (-1 where /proc has none): a soak
    on a shared machine measures its neighbours too, and this says how much."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return -1.0


def _p(values: list[float], q: float) -> float | None:
    return round(percentile(values, q) * 1e3, 1) if values else None


def _windows(
    started: float,
    window_s: float,
    acks: list[tuple[float, float, int, int]],
    lineage: list[Sample],
    slis: list[Sample],
    rss: list[tuple[float, float, float]],
) -> list[dict[str, Any]]:
    def index(t: float) -> int:
        return int((t - started) // window_s)

    # complete windows only: the last, partial one would read as a lower rate
    n = int((max(t for t, *_ in acks) - started) // window_s) if acks else 0
    rows = []
    for w in range(n):
        ack = [a for a in acks if index(a[0]) == w]
        ok = [a for a in ack if a[2] == 200]
        lin = [q[1] for q in lineage if index(q[0]) == w]
        sli = [q[1] for q in slis if index(q[0]) == w]
        mem = [m for t, m, _ in rss if index(t) == w]
        load = [la for t, _, la in rss if index(t) == w]
        rows.append(
            {
                "window": w,
                "spans_per_s": round(sum(a[3] for a in ok) / window_s),
                "refused": len(ack) - len(ok),
                "ack_p50_ms": _p([a[1] for a in ack], 50),
                "ack_p99_ms": _p([a[1] for a in ack], 99),
                "lineage_p99_ms": _p(lin, 99),
                "slis_p99_ms": _p(sli, 99),
                "rss_mib": round(max(mem), 1) if mem else None,
                "load_1m": round(max(load), 2) if load else None,
            }
        )
    return rows


def _verdict(rows: list[dict[str, Any]], warmup_windows: int) -> dict[str, Any]:
    steady = [r for r in rows[warmup_windows:] if r["rss_mib"] is not None]
    if len(steady) < 2:
        return {"note": "too short for a verdict: fewer than 2 windows after the warm-up"}
    # The RSS of one window swings by hundreds of MiB (DuckDB's buffer pool
    # filling to store.memory_limit and being given back, Arrow batches in
    # flight), so one window against another measures the swing, not a leak:
    # the peak of the first third after the warm-up against that of the last.
    third = max(1, len(steady) // 3)
    first = max(r["rss_mib"] for r in steady[:third])
    last = max(r["rss_mib"] for r in steady[-third:])
    growth = round(100 * (last - first) / first, 1)

    def spread(key: str) -> dict[str, float | None]:
        values = [r[key] for r in steady if r[key] is not None]
        if not values:
            return {"min": None, "median": None, "max": None}
        return {"min": min(values), "median": statistics.median(values), "max": max(values)}

    return {
        "rss_compared": f"peak of windows {steady[0]['window']}-{steady[third - 1]['window']}"
        f" vs {steady[-third]['window']}-{steady[-1]['window']}",
        "rss_first_mib": first,
        "rss_last_mib": last,
        "rss_growth_pct": growth,
        "rss_window_to_window_pct": round(
            100 * (steady[-1]["rss_mib"] - steady[0]["rss_mib"]) / steady[0]["rss_mib"], 1
        ),
        "rss_flat": growth < 10.0,
        "ack_p99_ms": spread("ack_p99_ms"),
        "lineage_p99_ms": spread("lineage_p99_ms"),
        "slis_p99_ms": spread("slis_p99_ms"),
        "refused": sum(r["refused"] for r in steady),
    }


def soak(
    workdir: Path,
    *,
    minutes: float,
    rate: float | None,
    warmup_minutes: float,
    window_s: float,
    probe_s: float,
    connections: int,
    skus: int = 1_000_000,
) -> dict[str, Any]:
    templates = span_templates(16, 1000, skus=skus)
    result: dict[str, Any] = {
        "minutes": minutes,
        "skus": skus,
        "window_s": window_s,
        "loadavg_1m_at_start": _load_1m(),
    }
    with Server(workdir) as server:
        if rate is None:
            probe = run_load(
                templates, f"{server.url}/v1/traces", duration_s=probe_s, warmup_s=2, connections=10
            )
            result["max_spans_per_s"] = probe["items_per_s"]
            rate = probe["items_per_s"] / 2
            acked_before = probe["items_total"]
            # the soak goes on with fresh bodies after the probe's
            templates = span_templates(16, 1000, seed=4242, skus=skus)
        else:
            acked_before = 0
        result["rate_spans_per_s"] = rate
        stop = threading.Event()
        acks: list[tuple[float, float, int, int]] = []
        lineage: list[Sample] = []
        slis: list[Sample] = []
        rss: list[tuple[float, float, float]] = []
        rng = random.Random(1)
        started = time.perf_counter()
        threads = [
            threading.Thread(
                target=_paced_ingest,
                args=(templates, server.port, rate, stop, connections, acks),
            ),
            threading.Thread(
                target=_query_loop,
                args=(
                    server.port,
                    lambda: f"/api/v1/lineage?sku={sku_name(rng.randrange(skus), skus)}",
                    0.5,
                    stop,
                    lineage,
                ),
            ),
            threading.Thread(
                target=_query_loop,
                args=(server.port, lambda: "/api/v1/slis?window=1h", 2.0, stop, slis),
            ),
        ]
        for t in threads:
            t.start()
        end = started + minutes * 60
        while (now := time.perf_counter()) < end:
            rss.append((now, tree_rss_mib(server.pid)[0], _load_1m()))
            stop.wait(min(5.0, max(0.0, end - now)))
        stop.set()
        for t in threads:
            t.join(timeout=180)
        result["stop_s"] = round(server.stop(), 2)
        rows = _windows(started, window_s, acks, lineage, slis, rss)
        result["windows"] = rows
        result["verdict"] = _verdict(rows, int(warmup_minutes * 60 // window_s))
        acked = acked_before + sum(a[3] for a in acks if a[2] == 200)
        with duckdb.connect(str(server.db), read_only=True) as con:
            stored = int(con.execute("SELECT count(*) FROM spans").fetchall()[0][0])
        result["acked_spans"], result["stored_spans"] = acked, stored
        result["every_ack_stored"] = stored >= acked
        result["lineage_errors"] = sum(1 for q in lineage if q[2] != 200)
        result["slis_errors"] = sum(1 for q in slis if q[2] != 200)
    return result


def _table(result: dict[str, Any]) -> str:
    head = (
        "| window | spans/s | refused | ack p50 ms | ack p99 ms | lineage p99 ms | SLIs p99 ms "
        "| RSS MiB | load 1m |"
    )
    lines = [head, "|" + "---|" * 9]
    for r in result["windows"]:
        lines.append(
            f"| {r['window']} | {r['spans_per_s']} | {r['refused']} | {r['ack_p50_ms']} | "
            f"{r['ack_p99_ms']} | {r['lineage_p99_ms']} | {r['slis_p99_ms']} | {r['rss_mib']} | "
            f"{r['load_1m']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--rate", type=float, help="spans/s (default: half the measured maximum)")
    parser.add_argument("--warmup-minutes", type=float, default=5.0)
    parser.add_argument("--window-s", type=float, default=60.0)
    parser.add_argument("--probe-s", type=float, default=20.0)
    parser.add_argument(
        "--connections", type=int, default=10, help="the most requests in flight (default 10)"
    )
    parser.add_argument(
        "--skus",
        type=int,
        default=1_000_000,
        help="the catalogue: up to 5000, or a multiple of 5000 (default 1,000,000)",
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results/soak.json"))
    parser.add_argument(
        "--verdict-of",
        type=Path,
        metavar="SOAK_JSON",
        help="run nothing: print the verdict on the windows of a saved soak.json",
    )
    args = parser.parse_args(argv)
    if args.verdict_of is not None:
        saved = json.loads(args.verdict_of.read_text(encoding="utf-8"))
        warmup = int(args.warmup_minutes * 60 // saved["window_s"])
        print(json.dumps(_verdict(saved["windows"], warmup), indent=2))
        return 0
    with tempfile.TemporaryDirectory(prefix="synclens-soak-") as tmp:
        result = soak(
            Path(tmp),
            minutes=args.minutes,
            rate=args.rate,
            warmup_minutes=args.warmup_minutes,
            window_s=args.window_s,
            probe_s=args.probe_s,
            connections=args.connections,
            skus=args.skus,
        )
    result["loadavg_1m_at_end"] = _load_1m()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(_table(result))
    print(json.dumps({k: v for k, v in result.items() if k != "windows"}, indent=2))
    return 0 if result["every_ack_stored"] else 1


if __name__ == "__main__":
    sys.exit(main())
