"""A reconciliation run's mismatches as exceptions (SPEC 3 ``mismatch``).

Each mismatched key of a run opens (or updates) an exception carrying the
orders of the key's recent events; the unresolved mismatches of the
instances the run compared whose key no longer mismatches resolve.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from collector.queries import named
from collector.store import Store
from collector.timefmt import NS_PER_S
from metrics.exceptions import Candidate, ExceptionStore, SyncResult
from metrics.exceptions.detectors import DetectorConfig
from metrics.reconciliation.compute import ReconciliationRun

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
    if rows:
        keys = sorted({(r["sku"], r["location"], r["lot"]) for r in rows})
        with store.reader() as cur:
            cur.register(
                "det_keys",
                pa.table(
                    {
                        "sku": pa.array([k[0] for k in keys], pa.string()),
                        "location": pa.array([k[1] for k in keys], pa.string()),
                        "lot": pa.array([k[2] for k in keys], pa.string()),
                    }
                ),
            )
            since = now_ns - int(config.lookback_s * NS_PER_S)
            with config.locations.registered(cur):
                found_orders = cur.execute(
                    sql("detect_mismatch_orders"), {"since_ns": since}
                ).fetchall()
            cur.unregister("det_keys")
            for sku, loc, lot, ids in found_orders:
                orders[(sku, loc, lot)] = list(ids)
    found = []
    for r in rows:
        inst = f"{r['system']}/{r['instance']}" if r["instance"] else r["system"]
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
