"""Expected reconciliation of one snapshot round, per SPEC 2's in-flight rule.

System Y is compared, for each stock status it keeps without owning, against
the owner instance X of each (sku, location, stock_status). Tolerance is 0.
Warehouse-level systems (commerce) are compared with the owner's bins summed
per warehouse.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .events import Event
from .network import Network, warehouse_of

__all__ = ["KeyResult", "RoundResult", "Snap", "reconcile"]

Key = tuple[str, str, str]


@dataclass(frozen=True)
class Snap:
    instance: str
    taken_ns: int
    rows: dict[Key, int]


@dataclass(frozen=True)
class KeyResult:
    instance: str  # Y
    owner: str  # X
    sku: str
    location: str
    stock_status: str
    quantity: int  # Y's
    owner_quantity: int  # X's
    raw: int
    corrected: int
    result: str  # match | transient | mismatch


def _classify(raw: int, corrected: int) -> str:
    if raw == 0:
        return "match"
    if corrected == 0:
        return "transient"
    return "mismatch"


@dataclass
class RoundResult:
    """Key results of one round: every non-match, and the matches too with ``detail``."""

    results: list[KeyResult] = field(default_factory=list)
    matches: Counter[str] = field(default_factory=Counter)  # per compared instance


def reconcile(
    network: Network,
    snaps: dict[str, Snap],
    applied: dict[str, list[tuple[Event, int | None]]],
    *,
    detail: bool = True,
) -> RoundResult:
    """``applied[Y]``: known events Y applies, with the time Y applied them (None: never)."""
    owner_rows: Counter[Key] = Counter()
    owner_rows_wh: Counter[Key] = Counter()
    owner_of = network.owner_instance
    for owner, snap in snaps.items():
        for key, qty in snap.rows.items():
            sku, loc, status = key
            if owner_of(status, loc) == owner:
                owner_rows[key] += qty
                owner_rows_wh[(sku, warehouse_of(loc), status)] += qty
    out = RoundResult()
    for y, spec in network.systems.items():
        if not spec.compared or y not in snaps:
            continue
        ysnap = snaps[y]
        corr: Counter[Key] = Counter()
        for ev, applied_ns in applied.get(y, ()):
            applied_by_y = applied_ns is not None and applied_ns <= ysnap.taken_ns
            for sku, loc, status, qty in ev.deltas():
                if status not in spec.compared or not spec.sees(loc):
                    continue
                x_taken = snaps[owner_of(status, loc)].taken_ns
                key = (sku, spec.key_location(loc), status)
                if ev.time_ns <= x_taken and not applied_by_y:
                    corr[key] += qty
                elif applied_by_y and ev.time_ns > x_taken:
                    corr[key] -= qty
        xrows = owner_rows_wh if spec.warehouse_level else owner_rows
        compared, sees = spec.compared, spec.sees
        keys = dict.fromkeys(k for k in ysnap.rows if k[2] in compared and sees(k[1]))
        keys.update(
            dict.fromkeys(k for k, q in xrows.items() if q and k[2] in compared and sees(k[1]))
        )
        yget, xget = ysnap.rows.get, xrows.get
        matches = 0
        for key in keys:
            yq = yget(key, 0)
            xq = xget(key, 0)
            raw = yq - xq
            if raw == 0:
                matches += 1
                if not detail:
                    continue
            corrected = raw + corr[key]
            sku, loc, status = key
            out.results.append(
                KeyResult(
                    y,
                    owner_of(status, loc),
                    sku,
                    loc,
                    status,
                    yq,
                    xq,
                    raw,
                    corrected,
                    _classify(raw, corrected),
                )
            )
        out.matches[y] = matches
    return out
