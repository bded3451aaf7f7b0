"""Reconciliation of 1 million keys across 3 systems.

Run: ``.venv/bin/python bench/reconcile_bench.py [--keys 1000000] [--events 100000]``.
The WMS (system of record for on-hand stock) holds ``--keys`` bin-level
keys, the ERP the same keys (1% off by a unit, 1% with the difference
explained by an event still in flight), the commerce platform the warehouse
totals. ``--events`` adjustments with their delivery spans feed the
in-flight correction. Prints the time of one reconciliation run and its
result counts.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from collector.routing import RouteTable
from collector.schema import EVENT_SCHEMA, SPAN_SCHEMA
from collector.snapshots import SnapshotHeader, write_snapshot
from collector.store import Store
from collector.timefmt import NS_PER_S
from metrics import STORE_MIGRATIONS
from metrics.reconciliation.compute import reconcile
from metrics.reconciliation.model import ReconcileConfig

T0 = 1_795_000_000 * NS_PER_S
_BINS = 50


def _snapshot(store: Store, source: str, taken_ns: int, table: pa.Table) -> None:
    system, instance = source.split("/")
    batches = iter(table.to_batches(max_chunksize=100_000))
    write_snapshot(
        store, SnapshotHeader(system, instance, taken_ns), batches, fmt="parquet", received_ns=0
    )


def _nulls(n: int, schema: pa.Schema) -> dict[str, pa.Array]:
    return {f.name: pa.nulls(n, f.type) for f in schema}


def build(store: Store, keys: int, events: int) -> None:
    idx = pa.array(range(keys), pa.int64())
    sku = pc.binary_join_element_wise("SKU-", pc.cast(pc.divide(idx, _BINS), pa.string()), "")
    loc = pc.binary_join_element_wise(
        "DC-EAST/A-", pc.cast(pc.bit_wise_and(idx, 63), pa.string()), ""
    )
    qty = pc.cast(pc.add(pc.bit_wise_and(idx, 127), 10), pa.float64())
    status = pa.array(["on_hand"] * keys)
    wms = pa.table({"sku": sku, "location": loc, "stock_status": status, "quantity": qty})
    _snapshot(store, "wms/dc-east", T0 + 100 * NS_PER_S, wms)
    off = pc.equal(pc.bit_wise_and(idx, 127), 7)  # ~1% really off by one
    erp_qty = pc.if_else(off, pc.add(qty, 1.0), qty)
    # events: the first --events keys got an adjustment of -1 at 90 s that the ERP applies
    # at 110 s, after its snapshot at 103 s: in flight, so those keys come out transient
    inflight = pc.less(idx, events)
    erp_qty = pc.if_else(inflight, pc.add(erp_qty, 1.0), erp_qty)
    erp = pa.table({"sku": sku, "location": loc, "stock_status": status, "quantity": erp_qty})
    _snapshot(store, "erp/s4", T0 + 103 * NS_PER_S, erp)
    commerce = (
        wms.group_by(["sku"]).aggregate([("quantity", "sum")]).rename_columns(["sku", "quantity"])
    )
    n = commerce.num_rows
    commerce = pa.table(
        {
            "sku": commerce["sku"],
            "location": pa.array(["DC-EAST"] * n),
            "stock_status": pa.array(["on_hand"] * n),
            "quantity": commerce["quantity"],
        }
    )
    _snapshot(store, "commerce/shopify", T0 + 105 * NS_PER_S, commerce)
    ev_sku, ev_loc = sku.slice(0, events), loc.slice(0, events)
    ids = pc.binary_join_element_wise("adj-", pc.cast(idx.slice(0, events), pa.string()), "")
    cols = _nulls(events, EVENT_SCHEMA)
    cols |= {
        "source": pa.array(["wms/dc-east"] * events),
        "id": ids,
        "system": pa.array(["wms"] * events),
        "instance": pa.array(["dc-east"] * events),
        "type": pa.array(["inventory.adjusted"] * events),
        "time_ns": pa.array([T0 + 90 * NS_PER_S] * events, pa.int64()),
        "sku": ev_sku,
        "location": ev_loc,
        "quantity": pa.array([-1.0] * events),
        "stock_status": pa.array(["on_hand"] * events),
        "uom": pa.array(["EA"] * events),
        "received_ns": pa.array([T0] * events, pa.int64()),
    }
    store.submit("events", pa.table(cols, schema=EVENT_SCHEMA)).result()
    spans = _nulls(2 * events, SPAN_SCHEMA)
    hexes = [f"{i:032x}" for i in range(2 * events)]
    spans |= {
        "trace_id": pa.array(hexes),
        "span_id": pa.array([h[16:] for h in hexes]),
        "name": pa.array(["deliver"] * 2 * events),
        "kind": pa.array([3] * 2 * events, pa.int32()),
        "start_ns": pa.array([T0 + 109 * NS_PER_S] * 2 * events, pa.int64()),
        "end_ns": pa.array([T0 + 110 * NS_PER_S] * 2 * events, pa.int64()),
        "status_code": pa.array([1] * 2 * events, pa.int32()),
        "event_id": pa.concat_arrays([ids, ids]),
        "event_source": pa.array(["wms/dc-east"] * 2 * events),
        "target": pa.array(["erp"] * events + ["commerce"] * events),
        "attempt": pa.array([1] * 2 * events, pa.int64()),
        "replay": pa.array([False] * 2 * events),
        "dead_lettered": pa.array([False] * 2 * events),
        "duplicate": pa.array([False] * 2 * events),
        "received_ns": pa.array([T0] * 2 * events, pa.int64()),
    }
    store.submit("spans", pa.table(spans, schema=SPAN_SCHEMA)).result()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from synclens.settings import Settings

    settings = Settings()
    config = ReconcileConfig(ownership=settings.ownership, routes=RouteTable(settings.routes))
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb", queue_max_rows=10_000_000,
                      max_group_rows=10_000_000, extra_migrations=STORE_MIGRATIONS)  # fmt: skip
        t0 = time.perf_counter()
        build(store, args.keys, args.events)
        print(f"set-up: {args.keys} keys x 3 systems, {args.events} events: "
              f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
        for i in range(args.rounds):
            t0 = time.perf_counter()
            run = reconcile(store, config, now_ns=T0 + 200 * NS_PER_S, trigger="bench")
            wall = time.perf_counter() - t0
            print(f"run {i + 1}: {wall:.2f} s  compared {sum(run.totals.values())} keys  "
                  f"{run.totals}")  # fmt: skip
        store.close()


if __name__ == "__main__":
    main()
