"""Order impact (SPEC 2): the orders behind the stock that is in doubt."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa

from collector.locations import LocationMap
from collector.queries import named

__all__ = ["orders_impacted"]

sql = named("metrics.exceptions")


def orders_impacted(
    cur: duckdb.DuckDBPyConnection,
    keys: Sequence[tuple[str, str]],
    locations: LocationMap,
) -> int:
    """Distinct order ids on events of the given ``(sku, location)`` keys, the
    keys of the unresolved exceptions; a key's location may be a warehouse
    (``locations`` says which warehouse each event's location is in)."""
    if not keys:
        return 0
    cur.register(
        "impacted", pa.table({"sku": [k[0] for k in keys], "location": [k[1] for k in keys]})
    )
    try:
        with locations.registered(cur):
            rows = cur.execute(sql("orders_impacted")).fetchall()
    finally:
        cur.unregister("impacted")
    return int(rows[0][0]) if rows else 0
