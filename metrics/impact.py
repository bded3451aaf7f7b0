"""Order impact (SPEC 2): the orders behind the stock that is in doubt."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import pyarrow as pa

from metrics.sql import sql

__all__ = ["orders_impacted"]


def orders_impacted(
    cur: duckdb.DuckDBPyConnection,
    keys: Sequence[tuple[str, str]],
    warehouses: Mapping[str, str] | None = None,
) -> int:
    """Distinct order ids on events of the given ``(sku, location)`` keys, the
    keys of the unresolved exceptions; ``warehouses`` maps a location to its
    warehouse where that is not the part before the first ``/``."""
    if not keys:
        return 0
    warehouses = warehouses or {}
    cur.register(
        "impacted", pa.table({"sku": [k[0] for k in keys], "location": [k[1] for k in keys]})
    )
    cur.register(
        "impact_locations",
        pa.table(
            {"location": list(warehouses), "warehouse": list(warehouses.values())},
            schema=pa.schema([("location", pa.string()), ("warehouse", pa.string())]),
        ),
    )
    try:
        rows = cur.execute(sql("orders_impacted")).fetchall()
    finally:
        cur.unregister("impacted")
        cur.unregister("impact_locations")
    return int(rows[0][0]) if rows else 0
