"""The SLIs that come from reconciliation and the exception workflow.

``mismatch`` is read from the latest reconciliation run (overall and by
warehouse or channel); ``exception_aging`` and ``orders_impacted`` from the
operational store's unresolved exceptions, as they stand now.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import duckdb

from collector.locations import LocationMap
from collector.timefmt import NS_PER_S
from metrics.exceptions import ExceptionStore
from metrics.exceptions.impact import orders_impacted
from metrics.reconciliation.results import latest_counts
from metrics.slis.compute import PartResult, SliPart, ratio

__all__ = ["exceptions_part", "reconciliation_part"]


def _mismatch(counts: Counter[str]) -> dict[str, Any]:
    compared = sum(counts.values())
    return {
        "mismatch": {
            "mismatched": counts["mismatch"],
            "transient": counts["transient"],
            "compared": compared,
            "ratio": ratio(counts["mismatch"], compared),
        }
    }


def reconciliation_part(
    cur: duckdb.DuckDBPyConnection, *, now_ns: int, from_ns: int, by: str | None
) -> PartResult:
    """SPEC 4 ``mismatch``: mismatched keys / compared keys in the latest run."""
    del now_ns, from_ns  # the latest run is the measurement, whatever the window
    overall: Counter[str] = Counter()
    grouped: dict[str, Counter[str]] = {}
    for warehouse, channel, result, keys in latest_counts(cur):
        overall[result] += keys
        if by in ("warehouse", "channel"):
            key = str(warehouse if by == "warehouse" else channel or "(none)")
            grouped.setdefault(key, Counter())[result] += keys
    return PartResult(_mismatch(overall), {k: _mismatch(c) for k, c in grouped.items()})


def exceptions_part(
    exceptions: ExceptionStore,
    aging_objective_s: float,
    locations: LocationMap,
) -> SliPart:
    """SPEC 4 ``exception_aging`` and ``orders_impacted``: the operational
    store's unresolved exceptions as they stand now."""

    def part(
        cur: duckdb.DuckDBPyConnection, *, now_ns: int, from_ns: int, by: str | None
    ) -> PartResult:
        del from_ns, by
        ages = [(now_ns - opened) / NS_PER_S for _, opened in exceptions.unresolved_summary()]
        aged = sum(1 for age in ages if age > aging_objective_s)
        return PartResult(
            {
                "exception_aging": {
                    "unresolved": len(ages),
                    "aged": aged,
                    "oldest_age_s": max(ages, default=None),
                    "ratio": ratio(len(ages) - aged, len(ages)),
                },
                "orders_impacted": orders_impacted(cur, exceptions.unresolved_keys(), locations),
            }
        )

    return part
