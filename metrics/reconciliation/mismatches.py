"""A reconciliation run's mismatches as exceptions (SPEC 3 ``mismatch``).

Each mismatched key of a run opens (or updates) an exception carrying the
orders of the key's recent events and the correction the key needs
(:mod:`metrics.reconciliation.corrections`, in ``detail.correction``); the
unresolved mismatches of the instances the run compared whose key no longer
mismatches resolve.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from collector.queries import named
from collector.store import Store
from collector.timefmt import NS_PER_S
from metrics.exceptions import Candidate, ExceptionStore, SyncResult
from metrics.exceptions.detectors import DetectorConfig
from metrics.reconciliation.compute import ReconciliationRun
from metrics.reconciliation.corrections import ShortShip, correction, short_ships

__all__ = ["sync_mismatches"]

sql = named("metrics.reconciliation")


def sync_mismatches(
    store: Store,
    exceptions: ExceptionStore,
    run: ReconciliationRun,
    config: DetectorConfig,
    *,
    now_ns: int,
) -> SyncResult:
    """Open an exception per mismatched key of ``run``; resolve the unresolved
    mismatches of the instances it compared whose key no longer mismatches."""
    rows = [r for r in run.not_matching.to_pylist() if r["result"] == "mismatch"]
    orders: dict[tuple[str, str, str], list[str]] = {}
    shorts: dict[tuple[str, str, str], list[ShortShip]] = defaultdict(list)
    if rows:
        since = now_ns - int(config.lookback_s * NS_PER_S)
        keys = sorted({(r["sku"], r["location"], r["lot"]) for r in rows})
        lower = sorted({(r["sku"], r["location"], r["lot"], r["owner"]) for r in rows
                        if r["corrected"] < 0})  # fmt: skip
        with store.reader() as cur, config.locations.registered(cur):
            cur.register("det_keys", _table(("sku", "location", "lot"), keys))
            for sku, loc, lot, ids in cur.execute(
                sql("detect_mismatch_orders"), {"since_ns": since}
            ).fetchall():
                orders[(sku, loc, lot)] = list(ids)
            cur.unregister("det_keys")
            cur.register("det_short", _table(("sku", "location", "lot", "owner"), lower))
            for sku, loc, lot, order_id, reserved, shipped in cur.execute(
                sql("detect_short_ships"), {"since_ns": since}
            ).fetchall():
                shorts[(sku, loc, lot)].append(ShortShip(order_id, reserved, shipped))
            cur.unregister("det_short")
    found = []
    for r in rows:
        inst = f"{r['system']}/{r['instance']}" if r["instance"] else r["system"]
        short = short_ships(r["corrected"], shorts.get((r["sku"], r["location"], r["lot"]), ()))
        found.append(
            Candidate(
                kind="mismatch",
                identity=f"{inst}|{r['sku']}|{r['location']}|{r['stock_status']}{_lot_id(r)}",
                reason=f"{inst} has {r['quantity']:g} {r['stock_status']} of {r['sku']} at "
                f"{r['location']}{_lot_text(r)}, its system of record {r['owner']} has "
                f"{r['owner_quantity']:g}: {r['raw']:+g}, still {r['corrected']:+g} after the "
                f"in-flight correction (tolerance {r['tolerance']:g})",
                sku=r["sku"],
                location=r["location"],
                warehouse=r["warehouse"],
                target=r["system"],
                stock_status=r["stock_status"],
                source=inst,
                order_ids=orders.get((r["sku"], r["location"], r["lot"]), []),
                detail={
                    "instance": r["instance"],
                    "channel": r["channel"] or None,
                    "owner": r["owner"],
                    "quantity": r["quantity"],
                    "owner_quantity": r["owner_quantity"],
                    "raw": r["raw"],
                    "corrected": r["corrected"],
                    "tolerance": r["tolerance"],
                    "lot": r["lot"] or None,
                    "serial": r["serial"] or None,
                    "correction": correction(r, short),
                },
            )
        )
    compared = {
        f"{s['system']}/{s['instance']}" if s["instance"] else s["system"]
        for s in run.snapshots
        if s["compared"]
    }
    return exceptions.sync(
        "mismatch",
        found,
        now_ns=now_ns,
        checked=lambda row: row["source"] in compared,
        reopen_after_manual=True,
    )


def _table(names: Sequence[str], rows: Sequence[tuple[str, ...]]) -> pa.Table:
    return pa.table({n: pa.array([r[i] for r in rows], pa.string()) for i, n in enumerate(names)})


def _lot_id(r: dict[str, Any]) -> str:
    """The identity's lot part: nothing for a key compared without lot and serial,
    so that the identities of lot-less keys stay as they were."""
    if not r["lot"] and not r["serial"]:
        return ""
    return f"|{r['lot']}|{r['serial']}"


def _lot_text(r: dict[str, Any]) -> str:
    return (f" lot {r['lot']}" if r["lot"] else "") + (
        f" serial {r['serial']}" if r["serial"] else ""
    )
