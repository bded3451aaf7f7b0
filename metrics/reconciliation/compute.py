"""One reconciliation run (SPEC 2): the latest snapshots compared, stored.

The ownership model (:mod:`metrics.reconciliation.model`) says who is
compared with whom; the work is one SQL statement (``recon_compute.sql``)
on a reader cursor; the results are written by one task on the store's
writer thread (:func:`metrics.reconciliation.results.store_run`). See
docs/reconciliation.md for the model and a worked example.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from collector.queries import named
from collector.queries import sql as collector_sql
from collector.store import Store
from collector.timefmt import NS_PER_S
from metrics.reconciliation.model import (
    ReconcileConfig,
    Snap,
    appliers_table,
    classes_table,
    scope,
    scope_table,
    snaps_table,
    tolerance_table,
)
from metrics.reconciliation.results import store_run

__all__ = ["ReconciliationRun", "reconcile"]

sql = named("metrics.reconciliation")


@dataclass(frozen=True)
class ReconciliationRun:
    run_id: int
    now_ns: int
    trigger: str
    duration_s: float
    snapshots: list[dict[str, Any]]
    counts: list[dict[str, Any]]
    not_matching: pa.Table  # one row per key whose result is transient or mismatch

    @property
    def totals(self) -> dict[str, int]:
        out = {"match": 0, "transient": 0, "mismatch": 0}
        for c in self.counts:
            out[c["result"]] += c["keys"]
        return out

    @property
    def compared_instances(self) -> set[tuple[str, str]]:
        return {(s["system"], s["instance"]) for s in self.snapshots if s["compared"]}

    def summary(self) -> dict[str, Any]:
        totals = self.totals
        return {
            "run_id": self.run_id,
            "now_ns": self.now_ns,
            "trigger": self.trigger,
            "duration_s": round(self.duration_s, 4),
            "compared": sum(totals.values()),
            "matched": totals["match"],
            "transient": totals["transient"],
            "mismatched": totals["mismatch"],
            "snapshots": self.snapshots,
        }


def reconcile(
    store: Store, config: ReconcileConfig, *, now_ns: int, trigger: str = "schedule"
) -> ReconciliationRun:
    """Reconcile the latest snapshots taken at or before ``now_ns``; store the run."""
    wall = time.perf_counter()
    with store.reader() as cur:
        snaps = _latest(cur, now_ns)
        cur.register("rc_snaps", snaps_table(snaps))
        with config.locations.registered(cur):
            _profile(cur, snaps)
        since_ns = min((s.taken_ns for s in snaps), default=now_ns) - int(
            config.lookback_s * NS_PER_S
        )
        with config.locations.registered(cur):
            sourced, pairs = _event_profile(cur, since_ns)
        statuses = _pair_statuses(pairs)
        targets = config.routes.expected_pairs(sorted(statuses))
        routed: dict[str, set[str]] = defaultdict(set)
        for event_type, system, target in zip(
            targets["type"].to_pylist(),
            targets["system"].to_pylist(),
            targets["target"].to_pylist(),
            strict=True,
        ):
            routed[target] |= statuses[(event_type, system)]
        scope_rows, appliers = scope(snaps, config.ownership, sourced, routed)
        cur.register("rc_appliers", appliers_table(appliers))
        cur.register("rc_snaps", snaps_table(snaps))  # wh_level is known now
        cur.register("rc_scope", scope_table(scope_rows))
        cur.register("rc_targets", targets)
        cur.register("rc_classes", classes_table(config.item_classes))
        cur.register("rc_tol", tolerance_table(config.tolerances))
        with config.locations.registered(cur):
            cur.execute(sql("recon_compute"), {"since_ns": since_ns})
        counts = cur.sql(sql("recon_counts")).to_arrow_table()
        not_matching = cur.sql(sql("recon_not_matching")).to_arrow_table()
        cur.execute("DROP TABLE rc_result")
    compared = {y for y, *_ in scope_rows}
    snap_info = [
        {
            "snapshot_id": s.snapshot_id,
            "system": s.system,
            "instance": s.instance,
            "channel": s.channel,
            "taken_ns": s.taken_ns,
            "warehouse_level": s.wh_level,
            "compared": s.snapshot_id in compared,
        }
        for s in snaps
    ]
    duration = time.perf_counter() - wall

    def write(cur: duckdb.DuckDBPyConnection) -> int:
        return store_run(
            cur,
            now_ns=now_ns,
            trigger=trigger,
            duration_s=duration,
            snapshots=snap_info,
            counts=counts,
            not_matching=not_matching,
            keep_runs=config.keep_runs,
            keep_snapshots=config.keep_snapshots,
        )

    run_id: int = store.run_task(write).result()
    return ReconciliationRun(
        run_id, now_ns, trigger, duration, snap_info, counts.to_pylist(), not_matching
    )


# -- inputs -------------------------------------------------------------------


def _latest(cur: duckdb.DuckDBPyConnection, now_ns: int) -> list[Snap]:
    rows = cur.execute(collector_sql("snapshots_latest"), {"now_ns": now_ns}).fetchall()
    return [Snap(int(r[0]), r[1], r[2], r[3], int(r[4])) for r in rows]


def _profile(cur: duckdb.DuckDBPyConnection, snaps: list[Snap]) -> None:
    by_id = {s.snapshot_id: s for s in snaps}
    bins: dict[int, int] = defaultdict(int)
    for snapshot_id, status, warehouse, _n, bin_rows, lot_rows, serial_rows in cur.execute(
        sql("recon_snapshot_profile")
    ).fetchall():
        s = by_id[snapshot_id]
        s.lots = s.lots or lot_rows > 0
        s.serials = s.serials or serial_rows > 0
        s.statuses.add(status)
        s.present.add((status, warehouse))
        s.warehouses.add(warehouse)
        bins[snapshot_id] += int(bin_rows)
    for s in snaps:
        s.wh_level = bool(s.warehouses) and bins[s.snapshot_id] == 0


_Pair = tuple[str, str]  # (event type, source system)


def _event_profile(
    cur: duckdb.DuckDBPyConnection, since_ns: int
) -> tuple[dict[tuple[str, str], set[tuple[str, str]]], dict[tuple[str, str, str], int]]:
    """``sourced[(system, instance)]``: (status, warehouse) pairs it emitted events for;
    ``pairs[(type, system, status)]``: event counts."""
    sourced: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    pairs: dict[tuple[str, str, str], int] = defaultdict(int)
    for system, instance, event_type, status, warehouse, n in cur.execute(
        sql("recon_event_profile"), {"since_ns": since_ns}
    ).fetchall():
        sourced[(system, instance)].add((status, warehouse))
        pairs[(event_type, system, status)] += int(n)
    return sourced, pairs


def _pair_statuses(pairs: Mapping[tuple[str, str, str], int]) -> dict[_Pair, set[str]]:
    out: dict[_Pair, set[str]] = defaultdict(set)
    for event_type, system, status in pairs:
        out[(event_type, system)].add(status)
    return out
