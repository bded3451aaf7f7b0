"""Stored reconciliation runs: writing one, and reading the history, one run's keys
and the latest counts."""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pyarrow as pa

from collector.queries import named
from collector.snapshots import prune_snapshots

__all__ = [
    "latest_counts",
    "latest_counts_by_system",
    "mismatch_between",
    "run_detail",
    "runs",
    "store_run",
]

sql = named("metrics.reconciliation")

_RUN_COLS = ("run_id", "now_ns", "trigger", "duration_s", "snapshots", "compared", "matched",
             "transient", "mismatched")  # fmt: skip
_RESULT_COLS = ("system", "instance", "channel", "owner", "sku", "location", "stock_status",
                "warehouse", "item_class", "quantity", "owner_quantity", "raw", "corrected",
                "tolerance", "result", "lot", "serial")  # fmt: skip


def runs(cur: duckdb.DuckDBPyConnection, *, limit: int = 50) -> list[dict[str, Any]]:
    """The newest runs, newest first (summary only)."""
    out = []
    for row in cur.execute(sql("recon_runs"), {"limit": limit}).fetchall():
        run = dict(zip(_RUN_COLS, row, strict=True))
        run["snapshots"] = json.loads(run["snapshots"])
        out.append(run)
    return out


def mismatch_between(cur: duckdb.DuckDBPyConnection, from_ns: int, to_ns: int) -> tuple[int, int]:
    """``(mismatched, compared)`` keys of the runs in ``[from_ns, to_ns)``."""
    row = cur.execute(sql("recon_monthly"), {"from": from_ns, "to": to_ns}).fetchall()[0]
    return int(row[0]), int(row[1])


def run_detail(
    cur: duckdb.DuckDBPyConnection,
    run_id: int | None = None,
    *,
    result: str | None = None,
    sku: str | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> dict[str, Any] | None:
    """One run (the latest when ``run_id`` is None) with its counts and the keys
    that did not match (``result``: transient or mismatch to filter)."""
    if run_id is None:
        found = runs(cur, limit=1)
    else:
        found = []
        for row in cur.execute(sql("recon_run"), {"run_id": run_id}).fetchall():
            one = dict(zip(_RUN_COLS, row, strict=True))
            one["snapshots"] = json.loads(one["snapshots"])
            found.append(one)
    if not found:
        return None
    run = found[0]
    counts = cur.execute(sql("recon_run_counts"), {"run_id": run["run_id"]}).fetchall()
    run["counts"] = [
        dict(zip(("system", "instance", "warehouse", "channel", "result", "keys"), c, strict=True))
        for c in counts
    ]
    rows = cur.execute(
        sql("recon_run_results"),
        {"run_id": run["run_id"], "result": result, "sku": sku, "limit": limit, "offset": offset},
    ).fetchall()
    run["results"] = [dict(zip(_RESULT_COLS, r, strict=True)) for r in rows]
    return run


def latest_counts(cur: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, int]]:
    """``(warehouse, channel, result, keys)`` of the latest run (for /metrics)."""
    return [(w, c, r, int(k)) for w, c, r, k in cur.execute(sql("recon_latest_counts")).fetchall()]


def latest_counts_by_system(
    cur: duckdb.DuckDBPyConnection,
) -> list[tuple[str, str, str, str, int]]:
    """``(system, warehouse, channel, result, keys)`` of the latest run."""
    found = cur.execute(sql("recon_latest_counts_by_system")).fetchall()
    return [(s, w, c, r, int(k)) for s, w, c, r, k in found]


def store_run(
    cur: duckdb.DuckDBPyConnection,
    *,
    now_ns: int,
    trigger: str,
    duration_s: float,
    snapshots: list[dict[str, Any]],
    counts: pa.Table,
    not_matching: pa.Table,
    keep_runs: int,
    keep_snapshots: int,
) -> int:
    """On the store's writer thread: one run with its counts and the keys that
    did not match, then prune old runs and snapshots; returns the run id."""
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
            "duration_s": duration_s,
            "snapshots": json.dumps(snapshots),
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
    if keep_runs > 0:
        for statement in sql("recon_prune").split(";"):
            if statement.strip():
                cur.execute(statement, {"before": run_id - keep_runs})
    cur.commit()
    if keep_snapshots > 0:
        prune_snapshots(cur, keep=keep_snapshots)
    return run_id


def _totals(counts: pa.Table) -> dict[str, int]:
    out = {"match": 0, "transient": 0, "mismatch": 0}
    for c in counts.to_pylist():
        out[c["result"]] += int(c["keys"])
    return out
