"""Expected reconciliation of one snapshot round, per SPEC 2's in-flight rule.

System Y is compared, for each stock status it keeps without owning, against
the owner instance X of each (sku, location, stock_status). Tolerance is 0.
Warehouse-level systems (commerce) are compared with the owner's bins summed
per warehouse; systems that report no lots with the owner's lots summed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .events import Event
from .network import Network, SystemSpec

__all__ = ["KeyResult", "RoundResult", "Snap", "reconcile"]

Key = tuple[str, str, str, str]  # sku, location, stock_status, lot ('' none)


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
    lot: str = ""  # '' when compared without lots


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
    """``applied[Y]``: known events Y applies, with the time Y applied them (None: never).

    Keys are compared by lot where Y and the key's owner both report lots
    (some row of their snapshot has one), else summed over lots."""
    owner_of = network.owner_instance
    reports = {inst: any(k[3] for k in snap.rows) for inst, snap in snaps.items()}
    owner_rows: Counter[Key] = Counter()
    for owner, snap in snaps.items():
        for key, qty in snap.rows.items():
            if owner_of(key[2], key[1]) == owner:
                owner_rows[key] += qty
    out = RoundResult()
    for y, spec in network.systems.items():
        if not spec.compared or y not in snaps:
            continue
        ysnap = snaps[y]
        compared, sees = spec.compared, spec.sees

        def project(key: Key, y: str = y, spec: SystemSpec = spec) -> Key:
            sku, loc, status, lot = key
            by_lot = reports[y] and reports.get(owner_of(status, loc), False)
            return (sku, spec.key_location(loc), status, lot if by_lot else "")

        corr: Counter[Key] = Counter()
        for ev, applied_ns in applied.get(y, ()):
            applied_by_y = applied_ns is not None and applied_ns <= ysnap.taken_ns
            for sku, loc, status, lot, qty in ev.deltas():
                if status not in compared or not sees(loc):
                    continue
                x_taken = snaps[owner_of(status, loc)].taken_ns
                key = project((sku, loc, status, lot))
                if ev.time_ns <= x_taken and not applied_by_y:
                    corr[key] += qty
                elif applied_by_y and ev.time_ns > x_taken:
                    corr[key] -= qty
        yrows: Counter[Key] = Counter()
        for k, q in ysnap.rows.items():
            if k[2] in compared and sees(k[1]):
                yrows[project(k)] += q
        xrows: Counter[Key] = Counter()
        for k, q in owner_rows.items():
            if k[2] in compared and sees(k[1]):
                xrows[project(k)] += q
        keys = dict.fromkeys(yrows)
        keys.update(dict.fromkeys(k for k, q in xrows.items() if q))
        matches = 0
        for key in keys:
            yq = yrows.get(key, 0)
            xq = xrows.get(key, 0)
            raw = yq - xq
            if raw == 0:
                matches += 1
                if not detail:
                    continue
            corrected = raw + corr[key]
            sku, loc, status, lot = key
            out.results.append(
                KeyResult(
                    y, owner_of(status, loc), sku, loc, status, yq, xq, raw, corrected,
                    _classify(raw, corrected), lot,
                )
            )  # fmt: skip
        out.matches[y] = matches
    return out
