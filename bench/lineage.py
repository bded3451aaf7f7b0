"""Part ``lineage``: SKU and order lineage on a large store.

For random SKUs (and orders) of the generated store (:mod:`bench.dataset`),
times ``collector.lineage.sku_lineage`` / ``order_lineage`` with the default
page (newest 200 events and all their attempts).  The reference, timed
right before each lookup on the same cursor: ``SELECT count(*) FROM events
WHERE lkey = hash($sku) AND sku = $sku`` (or ``order_id = $order``), the bare
lookup any lineage needs.
"""

from __future__ import annotations

import gc
import random
import time
from typing import Any

import duckdb

from bench.dataset import T_END, build_store
from bench.options import Options
from bench.report import Table, machine, peak_rss_mib, percentile, summary_ms, write_result
from collector.lineage import order_lineage, sku_lineage
from collector.locations import LocationMap
from collector.routing import RouteTable
from synclens.settings import load_settings

__all__ = ["run_lineage"]

_TARGET_P95_MS = 50.0
_REFERENCE = {
    "sku": "SELECT count(*) FROM events WHERE lkey = hash($key::VARCHAR) AND sku = $key",
    "order": "SELECT count(*) FROM events WHERE order_id = $key",
}


def _measure(
    cur: duckdb.DuckDBPyConnection,
    kind: str,
    keys: list[str],
    routes: RouteTable,
) -> dict[str, Any]:
    lookup = sku_lineage if kind == "sku" else order_lineage
    ref_sql = _REFERENCE[kind]

    def one(key: str) -> dict[str, Any]:
        return lookup(cur, key, routes=routes, locations=LocationMap(), now_ns=T_END)

    for key in keys[:3]:  # warm the caches the way a running service has them
        one(key)
        cur.execute(ref_sql, {"key": key}).fetchone()
    lineage_s: list[float] = []
    ref_s: list[float] = []
    events = attempts = 0
    for key in keys:
        started = time.perf_counter()
        cur.execute(ref_sql, {"key": key}).fetchone()
        ref_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        result = one(key)
        lineage_s.append(time.perf_counter() - started)
        events += len(result["events"])
        attempts += sum(len(t["attempts"]) for e in result["events"] for t in e["targets"])
    p50, p95 = percentile(lineage_s, 50), percentile(lineage_s, 95)
    r50, r95 = percentile(ref_s, 50), percentile(ref_s, 95)
    return {
        "lookups": len(keys),
        "lineage": summary_ms(lineage_s),
        "reference": summary_ms(ref_s),
        "ratio_p50": round(p50 / r50, 2) if r50 else None,
        "ratio_p95": round(p95 / r95, 2) if r95 else None,
        "mean_events": round(events / len(keys), 1),
        "mean_attempts": round(attempts / len(keys), 1),
        "target_p95_ms": _TARGET_P95_MS,
        "met": p95 * 1e3 < _TARGET_P95_MS,
    }


def run_lineage(opts: Options) -> dict[str, Any]:
    info = machine()
    path, build_s = build_store(opts.results_dir, opts.events, opts.spans)
    settings = load_settings()
    routes = RouteTable(settings.routes)
    rng = random.Random(11)
    skus = [f"SKU-{n:05d}" for n in rng.sample(range(5000), min(opts.queries, 5000))]
    orders = [f"SO-{rng.randrange(max(1, opts.events // 15)):08d}" for _ in range(opts.queries)]
    con = duckdb.connect(
        str(path), read_only=True, config={"memory_limit": settings.store.memory_limit}
    )
    gc.freeze()  # as the service does once started (synclens/app.py)
    try:
        cur = con.cursor()
        by_sku = _measure(cur, "sku", skus, routes)
        by_order = _measure(cur, "order", orders, routes)
        cur.close()
    finally:
        con.close()
    result: dict[str, Any] = {
        "machine": info,
        "store": {
            "path": str(path),
            "events": opts.events,
            "spans": opts.spans,
            "bytes": path.stat().st_size,
            "build_s": None if build_s is None else round(build_s, 1),
            "cached": build_s is None,
        },
        "sku": by_sku,
        "order": by_order,
        "peak_rss_mib": peak_rss_mib(),
    }
    t = Table(
        f"lineage: {opts.events:,} events, {opts.spans:,} spans "
        f"({path.stat().st_size / 2**30:.2f} GiB, "
        + ("cached" if build_s is None else f"built in {build_s:.0f} s")
        + f"; load avg {info['loadavg_1m_at_start']} on {info['cpus']} CPUs)",
        [
            "lookup",
            "n",
            "p50 ms",
            "p95 ms",
            "max ms",
            "ref p50 ms",
            "ref p95 ms",
            "ratio p50",
            "events",
            "attempts",
            "p95 < 50 ms",
        ],
    )
    for name, r in (("sku_lineage", by_sku), ("order_lineage", by_order)):
        lat, ref = r["lineage"], r["reference"]
        t.add(
            name,
            r["lookups"],
            lat["p50_ms"],
            lat["p95_ms"],
            lat["max_ms"],
            ref["p50_ms"],
            ref["p95_ms"],
            r["ratio_p50"],
            r["mean_events"],
            r["mean_attempts"],
            r["met"],
        )
    t.print()
    print(f"peak RSS of the bench process: {result['peak_rss_mib']} MiB")
    write_result(opts.results_dir, "lineage", result)
    return result
