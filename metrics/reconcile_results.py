"""Reading stored reconciliation runs: history, one run's keys, the latest counts."""

from __future__ import annotations

import json
from typing import Any

import duckdb

from metrics.sql import sql

__all__ = ["latest_counts", "run_detail", "runs"]

_RUN_COLS = ("run_id", "now_ns", "trigger", "duration_s", "snapshots", "compared", "matched",
             "transient", "mismatched")  # fmt: skip
_RESULT_COLS = ("system", "instance", "channel", "owner", "sku", "location", "stock_status",
                "warehouse", "item_class", "quantity", "owner_quantity", "raw", "corrected",
                "tolerance", "result")  # fmt: skip


def runs(cur: duckdb.DuckDBPyConnection, *, limit: int = 50) -> list[dict[str, Any]]:
    """The newest runs, newest first (summary only)."""
    out = []
    for row in cur.execute(sql("recon_runs"), {"limit": limit}).fetchall():
        run = dict(zip(_RUN_COLS, row, strict=True))
        run["snapshots"] = json.loads(run["snapshots"])
        out.append(run)
    return out


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
