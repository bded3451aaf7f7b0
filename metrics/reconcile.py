"""Snapshot reconciliation by the system-of-record model (SPEC 2).

Each system instance Y is compared, for every stock status it keeps in every
warehouse it covers, against the owner instance X of that (status,
warehouse), using both latest snapshots; the in-flight correction accounts
for events X's snapshot includes but Y had not applied by its snapshot, and
for events Y had applied that X's snapshot does not include yet. See
docs/reconciliation.md for the model and a worked example.

The work is one SQL statement (``metrics/sql/recon_compute.sql``) on a
reader cursor; the results (counts per system / warehouse / channel /
result, and every key that did not match) are written by one task on the
store's writer thread.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from collector.queries import sql as collector_sql
from collector.routing import RouteTable
from collector.snapshots import prune_snapshots
from collector.store import Store
from metrics.reconcile_results import latest_counts, run_detail, runs
from metrics.sql import sql

__all__ = [
    "AVAILABLE_COMPONENTS",
    "ReconcileConfig",
    "ReconciliationRun",
    "ToleranceRule",
    "latest_counts",
    "reconcile",
    "run_detail",
    "runs",
]

_S = 1_000_000_000

# available = on_hand - allocated - damaged - quarantined, each of its owner (SPEC 1.4)
AVAILABLE_COMPONENTS: tuple[tuple[str, int], ...] = (
    ("on_hand", 1),
    ("allocated", -1),
    ("damaged", -1),
    ("quarantined", -1),
)


@dataclass(frozen=True, slots=True)
class ToleranceRule:
    item_class: str | None = None
    warehouse: str | None = None
    channel: str | None = None
    absolute: float = 0.0
    percent: float = 0.0


@dataclass(frozen=True)
class ReconcileConfig:
    """What reconciliation needs from the settings, as plain values."""

    ownership: Mapping[str, Sequence[str]]
    routes: RouteTable
    tolerances: Sequence[ToleranceRule] = ()
    locations: Mapping[str, str] = field(default_factory=dict)  # location -> warehouse
    item_classes: Sequence[tuple[str, str]] = ()  # (glob pattern on sku, item class)
    lookback_s: float = 86_400.0
    keep_runs: int = 288
    keep_snapshots: int = 24  # per system instance and channel; 0 keeps all


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


@dataclass
class _Snap:
    snapshot_id: int
    system: str
    instance: str
    channel: str | None
    taken_ns: int
    wh_level: bool = False
    statuses: set[str] = field(default_factory=set)
    present: set[tuple[str, str]] = field(default_factory=set)  # (status, warehouse)
    warehouses: set[str] = field(default_factory=set)

    @property
    def source(self) -> str:
        return f"{self.system}/{self.instance}" if self.instance else self.system


def reconcile(
    store: Store, config: ReconcileConfig, *, now_ns: int, trigger: str = "schedule"
) -> ReconciliationRun:
    """Reconcile the latest snapshots taken at or before ``now_ns``; store the run."""
    wall = time.perf_counter()
    with store.reader() as cur:
        snaps = _latest(cur, now_ns)
        cur.register("rc_locmap", _locmap(config.locations))
        cur.register("rc_snaps", _snaps_table(snaps))
        _profile(cur, snaps)
        since_ns = min((s.taken_ns for s in snaps), default=now_ns) - int(config.lookback_s * _S)
        sourced, pairs = _event_profile(cur, since_ns)
        targets = _targets(config.routes, pairs)
        routed: dict[str, set[str]] = defaultdict(set)
        for (event_type, system), status in _pair_statuses(pairs).items():
            for target in targets.get((event_type, system), ()):
                routed[target] |= status
        scope, appliers = _scope(snaps, config.ownership, sourced, routed)
        cur.register("rc_appliers", _appliers_table(appliers))
        cur.register("rc_snaps", _snaps_table(snaps))  # wh_level is known now
        cur.register("rc_scope", _scope_table(scope))
        cur.register("rc_targets", _targets_table(targets))
        cur.register("rc_classes", _classes_table(config.item_classes))
        cur.register("rc_tol", _tolerance_table(config.tolerances))
        cur.execute(sql("recon_compute"), {"since_ns": since_ns})
        counts = cur.sql(sql("recon_counts")).to_arrow_table()
        not_matching = cur.sql(sql("recon_not_matching")).to_arrow_table()
        cur.execute("DROP TABLE rc_result")
    compared = {y for y, *_ in scope}
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
        cur.begin()
        row = cur.execute(sql("recon_next_run_id")).fetchone()
        assert row is not None
        run_id = int(row[0])
        totals = _totals(counts)
        cur.execute(
            sql("recon_insert_run"),
            {
                "run_id": run_id,
                "now_ns": now_ns,
                "trigger": trigger,
                "duration_s": duration,
                "snapshots": json.dumps(snap_info),
                "compared": sum(totals.values()),
                "matched": totals["match"],
                "transient": totals["transient"],
                "mismatched": totals["mismatch"],
            },
        )
        cur.register("rc_counts", counts)
        cur.register("rc_not_matching", not_matching)
        cur.execute(sql("recon_insert_counts"), {"run_id": run_id})
        cur.execute(sql("recon_insert_results"), {"run_id": run_id})
        cur.unregister("rc_counts")
        cur.unregister("rc_not_matching")
        if config.keep_runs > 0:
            for statement in sql("recon_prune").split(";"):
                if statement.strip():
                    cur.execute(statement, {"before": run_id - config.keep_runs})
        cur.commit()
        if config.keep_snapshots > 0:
            prune_snapshots(cur, keep=config.keep_snapshots)
        return run_id

    run_id: int = store.run_task(write).result()
    return ReconciliationRun(
        run_id, now_ns, trigger, duration, snap_info, counts.to_pylist(), not_matching
    )


# -- inputs -------------------------------------------------------------------


def _latest(cur: duckdb.DuckDBPyConnection, now_ns: int) -> list[_Snap]:
    rows = cur.execute(collector_sql("snapshots_latest"), {"now_ns": now_ns}).fetchall()
    return [_Snap(int(r[0]), r[1], r[2], r[3], int(r[4])) for r in rows]


def _profile(cur: duckdb.DuckDBPyConnection, snaps: list[_Snap]) -> None:
    by_id = {s.snapshot_id: s for s in snaps}
    bins: dict[int, int] = defaultdict(int)
    for snapshot_id, status, warehouse, _n, bin_rows in cur.execute(
        sql("recon_snapshot_profile")
    ).fetchall():
        s = by_id[snapshot_id]
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


def _targets(
    routes: RouteTable, pairs: Mapping[tuple[str, str, str], int]
) -> dict[_Pair, tuple[str, ...]]:
    out: dict[_Pair, tuple[str, ...]] = {}
    for event_type, system, _ in pairs:
        rule = routes.lookup(event_type, system)
        out[(event_type, system)] = rule.targets if rule else ()
    return out


def _owner(
    snaps: list[_Snap],
    owners: Sequence[str],
    status: str,
    warehouse: str,
    sourced: Mapping[tuple[str, str], set[tuple[str, str]]],
) -> _Snap | None:
    """The system of record for (status, warehouse): among snapshots of an owning
    system that emit events for it or cover the warehouse, prefer the one
    that emits its events, then the one holding that status there, then the
    order of the ``ownership`` list."""
    best: tuple[tuple[int, int, int, int, str, str], _Snap] | None = None
    for s in snaps:
        if s.system not in owners or s.channel is not None:
            continue
        emits = (status, warehouse) in sourced.get((s.system, s.instance), set())
        covers = warehouse in s.warehouses
        if not emits and not covers:
            continue
        rank = (
            0 if emits else 1,
            0 if (status, warehouse) in s.present else 1,
            0 if covers else 1,
            list(owners).index(s.system),
            s.system,
            s.instance,
        )
        if best is None or rank < best[0]:
            best = (rank, s)
    return best[1] if best else None


# (y snapshot id, status, warehouse, component, sign, owner snapshot id, owner taken, owner source)
_ScopeRow = tuple[int, str, str, str, int, int, int, str]


def _scope(
    snaps: list[_Snap],
    ownership: Mapping[str, Sequence[str]],
    sourced: Mapping[tuple[str, str], set[tuple[str, str]]],
    routed: Mapping[str, set[str]],
) -> tuple[list[_ScopeRow], list[tuple[str, str, int]]]:
    """What each snapshot is compared on: every status it keeps (holds, or is
    routed events of) in every warehouse it covers, unless it is the owner.

    Also who applies a delivery to target system T in warehouse W: the
    instances of T covering W, or, when T has none there, the warehouse's
    operator (the owner of its on-hand stock: a 3PL plays the ``wms`` role
    for its own warehouse)."""
    derived_available = "available" not in ownership or not ownership["available"]
    owner_cache: dict[tuple[str, str], _Snap | None] = {}

    def owner(status: str, warehouse: str) -> _Snap | None:
        key = (status, warehouse)
        if key not in owner_cache:
            owners = ownership.get(status, ())
            owner_cache[key] = _owner(snaps, owners, status, warehouse, sourced)
        return owner_cache[key]

    warehouses = sorted({w for s in snaps for w in s.warehouses})
    appliers: list[tuple[str, str, int]] = []
    roles: dict[int, set[str]] = defaultdict(set)
    for target in sorted(routed):
        for warehouse in warehouses:
            found = [s for s in snaps if s.system == target and warehouse in s.warehouses]
            if not found:
                operator = owner("on_hand", warehouse)
                found = [operator] if operator is not None else []
            for s in found:
                appliers.append((target, warehouse, s.snapshot_id))
                roles[s.snapshot_id].add(target)

    rows: list[_ScopeRow] = []
    for y in snaps:
        keeps = set(y.statuses)
        for role in roles[y.snapshot_id] | {y.system}:
            keeps |= {s for s in routed.get(role, set()) if s in ownership}
        for warehouse in sorted(y.warehouses):
            for status in sorted(keeps):
                if status == "available" and derived_available:
                    if status not in y.statuses:
                        continue
                    parts = [(c, sign, owner(c, warehouse)) for c, sign in AVAILABLE_COMPONENTS]
                    if parts[0][2] is None:
                        continue
                    for c, sign, o in parts:
                        if o is not None:
                            rows.append(
                                (y.snapshot_id, status, warehouse, c, sign, o.snapshot_id,
                                 o.taken_ns, "derived")
                            )  # fmt: skip
                    continue
                if status not in ownership:
                    continue
                o = owner(status, warehouse)
                if o is None or o.snapshot_id == y.snapshot_id:
                    continue
                rows.append(
                    (y.snapshot_id, status, warehouse, status, 1, o.snapshot_id, o.taken_ns,
                     o.source)
                )  # fmt: skip
    return rows, appliers


def _appliers_table(rows: list[tuple[str, str, int]]) -> pa.Table:
    return pa.table(
        {
            "target": pa.array([r[0] for r in rows], pa.string()),
            "warehouse": pa.array([r[1] for r in rows], pa.string()),
            "y_id": pa.array([r[2] for r in rows], pa.int64()),
        }
    )


def _snaps_table(snaps: list[_Snap]) -> pa.Table:
    return pa.table(
        {
            "snapshot_id": pa.array([s.snapshot_id for s in snaps], pa.int64()),
            "system": pa.array([s.system for s in snaps], pa.string()),
            "instance": pa.array([s.instance for s in snaps], pa.string()),
            "source": pa.array([s.source for s in snaps], pa.string()),
            "channel": pa.array([s.channel for s in snaps], pa.string()),
            "taken_ns": pa.array([s.taken_ns for s in snaps], pa.int64()),
            "wh_level": pa.array([s.wh_level for s in snaps], pa.bool_()),
        }
    )


def _scope_table(rows: list[_ScopeRow]) -> pa.Table:
    names = ("y_id", "stock_status", "warehouse", "component", "sign", "owner_id",
             "owner_taken_ns", "owner_source")  # fmt: skip
    types = (pa.int64(), pa.string(), pa.string(), pa.string(), pa.int64(), pa.int64(),
             pa.int64(), pa.string())  # fmt: skip
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    return pa.table({n: pa.array(list(c), t) for n, c, t in zip(names, cols, types, strict=True)})


def _targets_table(targets: Mapping[_Pair, tuple[str, ...]]) -> pa.Table:
    rows = [(t, s, target) for (t, s), ts in targets.items() for target in ts]
    return pa.table(
        {
            "event_type": pa.array([r[0] for r in rows], pa.string()),
            "source_system": pa.array([r[1] for r in rows], pa.string()),
            "target": pa.array([r[2] for r in rows], pa.string()),
        }
    )


def _locmap(locations: Mapping[str, str]) -> pa.Table:
    return pa.table(
        {
            "location": pa.array(list(locations), pa.string()),
            "warehouse": pa.array(list(locations.values()), pa.string()),
        }
    )


def _classes_table(classes: Sequence[tuple[str, str]]) -> pa.Table:
    return pa.table(
        {
            "pattern": pa.array([p for p, _ in classes], pa.string()),
            "item_class": pa.array([c for _, c in classes], pa.string()),
            "ord": pa.array(list(range(len(classes))), pa.int64()),
        }
    )


def _tolerance_table(rules: Sequence[ToleranceRule]) -> pa.Table:
    """The rules plus a catch-all 0; specificity = number of fields set."""
    all_rules = [ToleranceRule(), *rules]
    spec = [-1] + [
        sum(x is not None for x in (r.item_class, r.warehouse, r.channel)) for r in rules
    ]
    return pa.table(
        {
            "item_class": pa.array([r.item_class for r in all_rules], pa.string()),
            "warehouse": pa.array([r.warehouse for r in all_rules], pa.string()),
            "channel": pa.array([r.channel for r in all_rules], pa.string()),
            "absolute": pa.array([float(r.absolute) for r in all_rules], pa.float64()),
            "percent": pa.array([float(r.percent) for r in all_rules], pa.float64()),
            "spec": pa.array(spec, pa.int64()),
            "ord": pa.array(list(range(len(all_rules))), pa.int64()),
        }
    )


def _totals(counts: pa.Table) -> dict[str, int]:
    out = {"match": 0, "transient": 0, "mismatch": 0}
    for c in counts.to_pylist():
        out[c["result"]] += int(c["keys"])
    return out
