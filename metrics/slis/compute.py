"""Business SLIs of SPEC 4 over any window, overall or by a dimension.

Pair SLIs (latency, first pass, undelivered, double applies) count the
(event, target) pairs whose **event time** lies in the window; attempt SLIs
(API failures, replays) count delivery attempts that **ended** in the
window; ``duplicates`` counts repeated CloudEvents by the event's time.
Percentiles are nearest-rank over the applied pairs' latencies.  A ratio
with no traffic is ``None`` ("no data"), never NaN.

The reconciliation and exception SLIs (mismatch, exception aging, orders
impacted) come from other modules as :data:`SliPart` functions merged in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import duckdb
import pyarrow as pa

from collector.locations import LocationMap
from collector.queries import bind
from collector.timefmt import NS_PER_S, iso
from metrics.slis.rollups import EXACT_UPTO_NS, ROLLUP_AFTER_NS, rollup_rows
from metrics.slis.statements import rows, sql

__all__ = [
    "DIMENSIONS",
    "MAX_WINDOW_DAYS",
    "Excluded",
    "Family",
    "PartResult",
    "SliPart",
    "compute_slis",
    "failures_by_target",
    "family_slis",
    "maintenance_registered",
    "parse_window",
    "ratio",
]

DIMENSIONS = ("target", "warehouse", "channel", "event_type")
Dimension = Literal["target", "warehouse", "channel", "event_type"]
#: the pair SLIs (latency, first pass, undelivered, dead letters, double
#: applies), the same without the latency percentiles (``pair_counts``), or
#: the attempt SLIs (API failures, replays): see ``compute_slis``'s ``only``
Family = Literal["pairs", "pair_counts", "attempts"]
_PERCENTILES = ("p50_s", "p95_s", "p99_s")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_WINDOW = re.compile(r"^(\d+)([smhdw])$")


@dataclass(frozen=True, slots=True)
class PartResult:
    """SLIs computed elsewhere: overall, and per value of ``by`` where it applies."""

    slis: dict[str, Any]
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)


#: ``part(cursor, now_ns=, from_ns=, by=) -> PartResult``
SliPart = Callable[..., PartResult]

#: a maintenance occurrence of a scope: ``(target or None, warehouse or None, start_ns, end_ns)``
Excluded = tuple[str | None, str | None, int, int]
_EXCLUDED = pa.schema(
    [
        ("target", pa.string()),
        ("warehouse", pa.string()),
        ("start_ns", pa.int64()),
        ("end_ns", pa.int64()),
    ]
)


@contextmanager
def maintenance_registered(
    cur: duckdb.DuckDBPyConnection, rows: Sequence[Excluded]
) -> Iterator[None]:
    """``rows`` as the table ``maintenance`` on ``cur`` while the block runs."""
    columns: list[list[Any]] = [[row[i] for row in rows] for i in range(4)]
    cur.register("maintenance", pa.Table.from_arrays(columns, schema=_EXCLUDED))
    try:
        yield
    finally:
        cur.unregister("maintenance")


#: the longest window ``GET /api/v1/slis`` takes: 13 months and a margin
MAX_WINDOW_DAYS = 400


def parse_window(text: str) -> int:
    """``"5m"``, ``"1h"``, ``"28d"`` ... -> nanoseconds; ValueError otherwise."""
    match = _WINDOW.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"window {text!r} must be a positive number and a unit s, m, h, d or w")
    return int(match.group(1)) * _UNITS[match.group(2)] * NS_PER_S


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _pair_slis(row: dict[str, Any] | None) -> dict[str, Any]:
    row = row or {}
    q = row.get("latency_q") or [None, None, None]
    applied = int(row.get("applied") or 0)
    good = int(row.get("latency_good") or 0)
    fp_total = int(row.get("first_pass_total") or 0)
    fp_good = int(row.get("first_pass_good") or 0)
    return {
        "latency": {
            "p50_s": None if q[0] is None else q[0] / NS_PER_S,
            "p95_s": None if q[1] is None else q[1] / NS_PER_S,
            "p99_s": None if q[2] is None else q[2] / NS_PER_S,
            "good": good,
            "total": applied,
            "ratio": ratio(good, applied),
        },
        "first_pass": {"good": fp_good, "total": fp_total, "ratio": ratio(fp_good, fp_total)},
        "undelivered": int(row.get("undelivered") or 0),
        "dead_lettered": int(row.get("dead_lettered") or 0),
        "double_applies": int(row.get("double_applies") or 0),
    }


def _attempt_slis(row: dict[str, Any] | None) -> dict[str, Any]:
    row = row or {}
    total = int(row.get("attempts") or 0)
    failed = int(row.get("failed") or 0)
    return {
        "api_failure": {"failed": failed, "total": total, "ratio": ratio(failed, total)},
        "replays": int(row.get("replays") or 0),
    }


def compute_slis(
    cur: duckdb.DuckDBPyConnection,
    *,
    window: str,
    now_ns: int,
    by: Dimension | None = None,
    locations: LocationMap,
    parts: Sequence[SliPart] = (),
    from_ns: int | None = None,
    excluded: Sequence[Excluded] = (),
    rollups_after_ns: int | None = ROLLUP_AFTER_NS,
    exact_upto_ns: int | None = EXACT_UPTO_NS,
    only: Family | None = None,
) -> dict[str, Any]:
    """SPEC 5 ``GET /slis``: every SLI over ``[now - window, now)``, or over
    ``[from_ns, now)`` when given (a calendar period; ``window`` names it).

    With ``by``, ``groups`` holds the pair and attempt SLIs per value of the
    dimension (an attempt's warehouse by ``locations``, as the pairs' is
    derived).  ``excluded``: maintenance occurrences whose pairs and attempts
    are left out of the pair and attempt SLIs (docs/slos.md).  Call
    :func:`metrics.facts.refresh` first for exact results.  A window longer
    than ``rollups_after_ns`` (by default every window; ``None``: never)
    reads its whole minutes from the per-minute rollups
    (:mod:`metrics.slis.rollups`), so its cost does not grow with the rows in
    it: the same counts, and the same percentiles when the window is at most
    ``exact_upto_ns`` long (``None``: always), within 1 % beyond.
    ``only``: that family of SLIs alone (each exactly as without ``only``),
    the other family and ``duplicates`` absent (an SLO's history needs its
    own SLI only; the attempt query scans the spans); ``pair_counts``: the
    pair SLIs without the latency percentiles (no histogram read).  With
    ``by`` and ``only``, ``groups`` holds the values with rows of that family
    (or of a part).
    """
    span = parse_window(window) if from_ns is None else now_ns - from_ns
    rolled = rollups_after_ns is not None and span > rollups_after_ns
    exact = exact_upto_ns is None or span <= exact_upto_ns
    how = (bool(excluded), rolled, exact, only)
    with maintenance_registered(cur, excluded):
        return _compute(cur, window, now_ns, span, by, parts, locations, how)


def _compute(
    cur: duckdb.DuckDBPyConnection,
    window: str,
    now_ns: int,
    span: int,
    by: Dimension | None,
    parts: Sequence[SliPart],
    locations: LocationMap,
    how: tuple[bool, bool, bool, Family | None],
) -> dict[str, Any]:
    excluding, rolled, exact, only = how
    params = {"from": now_ns - span, "to": now_ns, "now": now_ns, "excluding": excluding}
    read = (rolled, exact, only)
    overall_pairs, overall_attempts = _measure(cur, params, None, locations, read)
    slis = family_slis(
        overall_pairs[0] if overall_pairs else None,
        overall_attempts[0] if overall_attempts else None,
        only,
    )
    if only is None:
        dup_text = sql("slis_duplicates")
        dup_rows = cur.execute(dup_text, bind(dup_text, params)).fetchall()
        slis["duplicates"] = int(dup_rows[0][0]) if dup_rows else 0
    extra_groups: dict[str, dict[str, Any]] = {}
    for part in parts:
        found = part(cur, now_ns=now_ns, from_ns=now_ns - span, by=by)
        slis.update(found.slis)
        for key, values in found.groups.items():
            extra_groups.setdefault(key, {}).update(values)
    result: dict[str, Any] = {
        "window": window,
        "computed_at": iso(now_ns),
        "from": iso(now_ns - span),
        "slis": slis,
    }
    if by is not None:
        if by not in DIMENSIONS:
            raise ValueError(f"by must be one of {', '.join(DIMENSIONS)}")
        found_pairs, found_attempts = _measure(cur, params, by, locations, read)
        pairs = {r["grp"]: r for r in found_pairs}
        attempts = {r["grp"]: r for r in found_attempts}
        result["by"] = by
        keys = set(pairs) | set(attempts) | set(extra_groups)
        result["groups"] = {
            str(key): {
                **family_slis(pairs.get(key), attempts.get(key), only),
                **extra_groups.get(str(key), {}),
            }
            for key in sorted(keys, key=str)
        }
    return result


def family_slis(
    pairs: dict[str, Any] | None, attempts: dict[str, Any] | None, only: Family | None
) -> dict[str, Any]:
    """The pair and attempt SLIs of one row each, or of ``only`` one family."""
    slis: dict[str, Any] = {}
    if only != "attempts":
        slis.update(_pair_slis(pairs))
    if only == "pair_counts":  # not measured (from the rollups): absent
        slis["latency"] = {k: v for k, v in slis["latency"].items() if k not in _PERCENTILES}
    if only not in ("pairs", "pair_counts"):
        slis.update(_attempt_slis(attempts))
    return slis


def _measure(
    cur: duckdb.DuckDBPyConnection,
    params: dict[str, Any],
    by: Dimension | None,
    locations: LocationMap,
    how: tuple[bool, bool, Family | None],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The pair and attempt rows (by ``grp``) over the window of ``params``:
    from raw rows, or ``rolled``, from the rollups (and raw rows at the edges),
    in one read transaction (the rollups and the raw rows of one snapshot;
    ``exact`` percentiles rely on it); ``only`` one family: no rows of the other."""
    rolled, exact, only = how
    given = {**params, "by": by}
    attempts_query = _attempts_sql(by, bool(params["excluding"]))
    with locations.registered(cur):
        if not rolled:
            return (
                [] if only == "attempts" else rows(cur, "slis_pairs", given),
                [] if only in ("pairs", "pair_counts") else rows(cur, attempts_query, given),
            )
        cur.begin()
        try:
            return rollup_rows(cur, given, attempts_query=attempts_query, exact=exact, only=only)
        finally:
            cur.rollback()


def _attempts_sql(by: Dimension | None, excluding: bool) -> str:
    """The attempt query: by the event's channel or type through the events;
    through the location map only where an attempt's warehouse is needed
    (grouping by it, or maintenance scoped by it)."""
    if by in ("channel", "event_type"):
        return "slis_attempts_by_event"
    return "slis_attempts" if excluding or by == "warehouse" else "slis_attempts_unmapped"


def failures_by_target(
    cur: duckdb.DuckDBPyConnection, *, window: str, now_ns: int
) -> list[dict[str, Any]]:
    """Failed attempts ending in ``[now - window, now)`` by target and failure
    class (``error.type``: timeout, 429, ...): what is failing, not only how much."""
    span = parse_window(window)
    return rows(cur, "failures_by_target", {"from": now_ns - span, "to": now_ns})
