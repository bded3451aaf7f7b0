"""The failed delivery attempts behind the on-call counts and bars.

``GET /api/v1/attempts/failed`` and the dashboards' drill-down list read
:func:`failed_attempts`: one row per failed attempt (target, failure class,
HTTP status, time, trace), newest first, filtered by target, failure class,
HTTP status, SKU and time range.  The failure class is the one
:func:`failures_by_target` groups by, so a bar's count is the drill-down's
total.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from collector.locations import LocationMap
from collector.queries import bind, dict_rows
from metrics.slis.compute import parse_window
from metrics.slis.statements import sql

__all__ = ["AttemptFilter", "failed_attempts", "failures_by_system"]


@dataclass(frozen=True, slots=True)
class AttemptFilter:
    """Which failed attempts: ended in ``[since_ns, until_ns)`` (``until_ns``
    None: the query's ``now``; ``since_ns`` None: ``window`` before the end),
    of ``target``, ``error_class``, ``http_status`` and ``sku`` (``None``: any)."""

    window: str = "1h"
    target: str | None = None
    error_class: str | None = None
    sku: str | None = None
    limit: int = 100
    offset: int = 0
    http_status: int | None = None
    since_ns: int | None = None
    until_ns: int | None = None

    def span(self, now_ns: int) -> tuple[int, int]:
        """``[from, to)`` in nanoseconds, with the query's ``now_ns``."""
        end = now_ns if self.until_ns is None else self.until_ns
        start = end - parse_window(self.window) if self.since_ns is None else self.since_ns
        return start, end


def failed_attempts(
    cur: duckdb.DuckDBPyConnection, wanted: AttemptFilter, *, now_ns: int, locations: LocationMap
) -> tuple[int, list[dict[str, Any]]]:
    """``(how many match, one page of them)``, newest first."""
    text = sql("failed_attempts")
    start, end = wanted.span(now_ns)
    params = {
        "from": start,
        "to": end,
        "target": wanted.target,
        "error_class": wanted.error_class,
        "http_status": wanted.http_status,
        "sku": wanted.sku,
        "limit": wanted.limit,
        "offset": wanted.offset,
    }
    with locations.registered(cur):
        rows = dict_rows(cur.execute(text, bind(text, params)))
        if not rows and wanted.offset:  # a page past the end: how many there are, still
            first = dict_rows(cur.execute(text, bind(text, {**params, "limit": 1, "offset": 0})))
            return (int(first[0]["total"]) if first else 0), []
    total = int(rows[0].pop("total")) if rows else 0
    for row in rows[1:]:
        row.pop("total")
    return total, rows


def failures_by_system(
    cur: duckdb.DuckDBPyConnection, *, window: str, now_ns: int, locations: LocationMap
) -> list[dict[str, Any]]:
    """Failed attempts over ``window`` by target, warehouse and failure class."""
    text = sql("failures_by_system")
    params = {"from": now_ns - parse_window(window), "to": now_ns}
    with locations.registered(cur):
        return dict_rows(cur.execute(text, bind(text, params)))
