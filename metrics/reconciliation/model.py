"""The ownership model of reconciliation: who is compared with whom, on what.

Each system instance Y is compared, for every stock status it keeps in every
warehouse it covers, against the owner instance X of that (status,
warehouse): the system of record of ``ownership`` whose snapshot covers the
warehouse or emits its events (:func:`scope`). ``available`` is derived
from its components' owners. The rows are handed to the SQL of
``recon_compute.sql`` as Arrow tables (the ``*_table`` functions).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pyarrow as pa

from collector.locations import LocationMap
from collector.routing import RouteTable

__all__ = [
    "AVAILABLE_COMPONENTS",
    "ReconcileConfig",
    "ScopeRow",
    "Snap",
    "ToleranceRule",
    "appliers_table",
    "classes_table",
    "scope",
    "scope_table",
    "snaps_table",
    "tolerance_table",
]

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
    locations: LocationMap = field(default_factory=LocationMap)
    item_classes: Sequence[tuple[str, str]] = ()  # (glob pattern on sku, item class)
    lookback_s: float = 86_400.0
    keep_runs: int = 288
    keep_snapshots: int = 24  # per system instance and channel; 0 keeps all


@dataclass
class Snap:
    snapshot_id: int
    system: str
    instance: str
    channel: str | None
    taken_ns: int
    wh_level: bool = False
    lots: bool = False  # some row carries a lot: compared by lot with an owner that does too
    serials: bool = False
    statuses: set[str] = field(default_factory=set)
    present: set[tuple[str, str]] = field(default_factory=set)  # (status, warehouse)
    warehouses: set[str] = field(default_factory=set)

    @property
    def source(self) -> str:
        return f"{self.system}/{self.instance}" if self.instance else self.system


def _owner(
    snaps: list[Snap],
    owners: Sequence[str],
    status: str,
    warehouse: str,
    sourced: Mapping[tuple[str, str], set[tuple[str, str]]],
) -> Snap | None:
    """The system of record for (status, warehouse): among snapshots of an owning
    system that emit events for it or cover the warehouse, prefer the one
    that emits its events, then the one holding that status there, then the
    order of the ``ownership`` list."""
    best: tuple[tuple[int, int, int, int, str, str], Snap] | None = None
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
ScopeRow = tuple[int, str, str, str, int, int, int, str]


def scope(
    snaps: list[Snap],
    ownership: Mapping[str, Sequence[str]],
    sourced: Mapping[tuple[str, str], set[tuple[str, str]]],
    routed: Mapping[str, set[str]],
) -> tuple[list[ScopeRow], list[tuple[str, str, int]]]:
    """What each snapshot is compared on: every status it keeps (holds, or is
    routed events of) in every warehouse it covers, unless it is the owner.

    Also who applies a delivery to target system T in warehouse W: the
    instances of T covering W, or, when T has none there, the warehouse's
    operator (the owner of its on-hand stock: a 3PL plays the ``wms`` role
    for its own warehouse)."""
    derived_available = "available" not in ownership or not ownership["available"]
    owner_cache: dict[tuple[str, str], Snap | None] = {}

    def owner(status: str, warehouse: str) -> Snap | None:
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

    rows: list[ScopeRow] = []
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


def appliers_table(rows: list[tuple[str, str, int]]) -> pa.Table:
    return pa.table(
        {
            "target": pa.array([r[0] for r in rows], pa.string()),
            "warehouse": pa.array([r[1] for r in rows], pa.string()),
            "y_id": pa.array([r[2] for r in rows], pa.int64()),
        }
    )


def snaps_table(snaps: list[Snap]) -> pa.Table:
    return pa.table(
        {
            "snapshot_id": pa.array([s.snapshot_id for s in snaps], pa.int64()),
            "system": pa.array([s.system for s in snaps], pa.string()),
            "instance": pa.array([s.instance for s in snaps], pa.string()),
            "source": pa.array([s.source for s in snaps], pa.string()),
            "channel": pa.array([s.channel for s in snaps], pa.string()),
            "taken_ns": pa.array([s.taken_ns for s in snaps], pa.int64()),
            "wh_level": pa.array([s.wh_level for s in snaps], pa.bool_()),
            "lots": pa.array([s.lots for s in snaps], pa.bool_()),
            "serials": pa.array([s.serials for s in snaps], pa.bool_()),
        }
    )


def scope_table(rows: list[ScopeRow]) -> pa.Table:
    names = ("y_id", "stock_status", "warehouse", "component", "sign", "owner_id",
             "owner_taken_ns", "owner_source")  # fmt: skip
    types = (pa.int64(), pa.string(), pa.string(), pa.string(), pa.int64(), pa.int64(),
             pa.int64(), pa.string())  # fmt: skip
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    return pa.table({n: pa.array(list(c), t) for n, c, t in zip(names, cols, types, strict=True)})


def classes_table(classes: Sequence[tuple[str, str]]) -> pa.Table:
    return pa.table(
        {
            "pattern": pa.array([p for p, _ in classes], pa.string()),
            "item_class": pa.array([c for _, c in classes], pa.string()),
            "ord": pa.array(list(range(len(classes))), pa.int64()),
        }
    )


def tolerance_table(rules: Sequence[ToleranceRule]) -> pa.Table:
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
