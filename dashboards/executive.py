"""What executives ask next: better or worse than the period before, whose
budget it is (partner, architectural, operational; by system, warehouse and
channel), and which orders are hurt.

Functions of a :class:`~dashboards.queries.DashboardQueries`, reading through
what the JSON API reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from collector.timefmt import NS_PER_S
from dashboards.queries import DashboardQueries
from metrics.exceptions.orders import impacted_orders
from metrics.reconciliation.results import runs
from metrics.slis import Dimension, parse_window
from metrics.slis.attempts import failures_by_system
from metrics.slo import sli_counts
from metrics.slo.budget import good_ratio
from metrics.slo.history import PART_SLIS

__all__ = ["BUDGET_COLUMNS", "budget_by_cause", "impacted", "previous_values"]

BUDGET_COLUMNS = ("dimension", "value", "cause", "source", "count")
_DEFAULT_AGING_S = 4 * 3600


def previous_values(
    q: DashboardQueries, specs: Sequence[Any], window: str
) -> dict[str, float | None]:
    """Each SLO's value over the period just before the picked window
    (``[now - 2w, now - w)``); a mismatch SLO's from the last reconciliation
    run before the window; ``None`` where there is no earlier measurement."""
    now = q.now()
    span = parse_window(window)
    earlier: dict[str, Any] = q.cache.get(
        ("previous", window),
        span_ns=span,
        now_ns=now,
        compute=lambda: q.slis.slis(window, now_ns=now - span, parts=False)["slis"],
    )
    with q.store.reader() as cur:
        kept = runs(cur, limit=200)
    before = next((r for r in kept if int(r["now_ns"]) < now - span), None)
    found: dict[str, float | None] = {}
    for slo in specs:
        if slo.sli == "mismatch":
            counts = (
                None if before is None else (float(before["mismatched"]), float(before["compared"]))
            )
        elif slo.sli in PART_SLIS:
            counts = None  # measured now only: no earlier value
        else:
            counts = sli_counts(slo.sli, earlier)
        found[slo.name] = (
            None if counts is None else good_ratio(*counts, min_total=slo.min_traffic_in(window))
        )
    return found


def _aging_s(specs: Sequence[Any]) -> float:
    for slo in specs:
        if slo.sli == "exception_aging" and slo.aging_objective:
            return parse_window(slo.aging_objective) / NS_PER_S
    return _DEFAULT_AGING_S


def budget_by_cause(q: DashboardQueries, window: str) -> pd.DataFrame:
    """Bad events over ``window`` (each SLI's own: failed calls, undelivered
    updates, dead letters, mismatched records, aged exceptions) put down to a
    cause (``q.causes``), one row per (dimension, value, cause, source)."""
    causes = q.causes
    rows: list[tuple[str, str, str, str, int]] = []
    with q.store.reader() as cur:
        failed = failures_by_system(cur, window=window, now_ns=q.now(), locations=q.locations)
    for f in failed:
        cause = causes.of_failure(str(f["target"]), str(f["error_class"]))
        n = int(f["failed"])
        rows.append(("system", str(f["target"]), cause, "failed calls", n))
        if f["warehouse"]:
            rows.append(("warehouse", str(f["warehouse"]), cause, "failed calls", n))
    dims: tuple[tuple[str, Dimension], ...] = (
        ("system", "target"),
        ("warehouse", "warehouse"),
        ("channel", "channel"),
    )
    for dimension, by in dims:
        # undelivered and dead letters are pair SLIs: no attempt scan, no histogram
        for value, g in q.groups(window, by, only="pair_counts").items():
            for kind, source in (("undelivered", "undelivered"), ("dead_lettered", "dead letters")):
                n = int(g.get(kind) or 0)
                if n:
                    rows.append((dimension, value, causes.of_kind(kind), source, n))
    mismatch = q.mismatch()
    for _, m in mismatch[mismatch["mismatched"] > 0].iterrows() if not mismatch.empty else ():
        n, cause = int(m["mismatched"]), causes.of_kind("mismatch")
        rows.append(("system", str(m["system"]), cause, "mismatched records", n))
        rows.append(("warehouse", str(m["warehouse"]), cause, "mismatched records", n))
        rows.append(("channel", str(m["channel"]), cause, "mismatched records", n))
    _, open_rows = q.exceptions.search(status="unresolved", limit=1000)
    oldest = q.now() - int(_aging_s(list(q.slos() or ())) * NS_PER_S)
    for e in open_rows:
        if int(e["opened_at_ns"]) >= oldest:
            continue
        cause = causes.of_kind("aged")
        if e.get("target"):
            rows.append(("system", str(e["target"]), cause, "aged exceptions", 1))
        if e.get("warehouse"):
            rows.append(("warehouse", str(e["warehouse"]), cause, "aged exceptions", 1))
    frame = pd.DataFrame(rows, columns=list(BUDGET_COLUMNS))
    if frame.empty:
        return frame
    summed: pd.DataFrame = frame.groupby(list(BUDGET_COLUMNS[:4]))["count"].sum().reset_index()
    return summed


def impacted(q: DashboardQueries, *, limit: int = 50) -> tuple[int, list[dict[str, Any]]]:
    """``GET /api/v1/orders/impacted``: how many orders, and the first ``limit``."""
    return impacted_orders(q.exceptions, limit=limit)
