"""The exceptions opened in a period (each one an alert pushed to
Alertmanager as ``SynclensException``) and the orders behind them."""

from __future__ import annotations

from collections import Counter
from typing import Any

import duckdb
from sqlalchemy import and_, select

from collector.locations import LocationMap
from metrics.exceptions import ExceptionStore
from metrics.exceptions.impact import orders_impacted
from metrics.exceptions.tables import exceptions

__all__ = ["opened_in"]


def opened_in(
    store: ExceptionStore,
    cur: duckdb.DuckDBPyConnection,
    *,
    start_ns: int,
    end_ns: int,
    locations: LocationMap,
) -> dict[str, Any]:
    """Exceptions opened in ``[start_ns, end_ns)``: how many, by kind and
    severity, how many were resolved by ``end_ns``, and the orders impacted
    (SPEC 2: distinct orders on events of their sku and location)."""
    c = exceptions.c
    query = select(c.kind, c.severity, c.sku, c.location, c.resolved_at_ns).where(
        and_(c.opened_at_ns >= start_ns, c.opened_at_ns < end_ns)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    keys = sorted({(str(r.sku), str(r.location)) for r in rows if r.sku and r.location})
    return {
        "opened": len(rows),
        "resolved": sum(
            1 for r in rows if r.resolved_at_ns is not None and r.resolved_at_ns < end_ns
        ),
        "by_kind": dict(sorted(Counter(str(r.kind) for r in rows).items())),
        "by_severity": dict(sorted(Counter(str(r.severity) for r in rows).items())),
        "orders_impacted": orders_impacted(cur, keys, locations),
    }
