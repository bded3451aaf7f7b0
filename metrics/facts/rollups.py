"""Per-minute rollups of the pair facts and of delivery attempts.

Three tables (migration 0003) let long windows skip raw rows
(:mod:`metrics.slis.rollups`): ``pair_minutes`` counts pairs by the minute of
their event time, target, warehouse, channel, event type, deadline and
objective; ``latency_minutes`` holds the applied pairs' latencies as a
log-bucketed histogram (:data:`GAMMA`: every bucket's estimate is within
:data:`RELATIVE_ERROR` of each latency in it); ``attempt_minutes`` counts
attempts by the minute they ended, target, warehouse and their event's channel
and type.

They move with the pair facts' refresh, in its transaction, by signed deltas:
a changed pair's old facts are taken out and its new ones added (as the
running totals are), new attempts are added, and attempts whose event arrived
late move from ``(unknown)`` to the event's channel and type (such
attempts wait in ``attempt_orphans``, so no refresh looks through all spans).  The deltas are
folded into the minutes they touch, so after every refresh a minute's rows
sum to what its raw rows say, however late an attempt or event arrives.
"""

from __future__ import annotations

import math
import re
from typing import Any

import duckdb

from collector.queries import bind, named

sql = named("metrics.facts")

__all__ = [
    "GAMMA",
    "LOG_GAMMA",
    "MINUTE_NS",
    "RELATIVE_ERROR",
    "add_attempts",
    "add_pairs",
    "fold",
    "prune_rollups",
    "run_statements",
    "start",
]

MINUTE_NS = 60_000_000_000
#: the histogram's relative error: a bucket (gamma^(i-1), gamma^i] is read
#: as 2 gamma^i / (gamma + 1), within this of every latency in it
RELATIVE_ERROR = 0.01
GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR)
LOG_GAMMA = math.log(GAMMA)

#: each rollup's key columns and its summed columns, in table order
_TABLES = {
    "pair_minutes": (
        "minute_ns, target, warehouse, channel, type, deadline_ns, objective_ns",
        (
            "pairs",
            "applied",
            "latency_good",
            "first_pass_total",
            "first_pass_good",
            "not_applied",
            "dead_lettered",
            "double_applies",
        ),
    ),
    "latency_minutes": ("minute_ns, target, warehouse, channel, type, deadline_ns, bucket", ("n",)),
    "attempt_minutes": (
        "minute_ns, target, warehouse, channel, type",
        ("attempts", "failed", "replays"),
    ),
}


_COMMENT = re.compile(r"--[^\n]*")


def _run(cur: duckdb.DuckDBPyConnection, text: str, params: dict[str, Any]) -> None:
    """Each statement of ``text`` with the parameters it names (outside comments)."""
    for statement in filter(str.strip, _COMMENT.sub("", text).split(";\n")):
        cur.execute(statement, bind(statement, params))


def run_statements(cur: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> None:
    """Each statement of the named query ``name`` with the parameters it names."""
    _run(cur, sql(name), params)


def start(cur: duckdb.DuckDBPyConnection) -> None:
    """Empty deltas for one refresh (or one retention pass)."""
    cur.execute(sql("rollup_deltas"))


def add_pairs(
    cur: duckdb.DuckDBPyConnection, selection: str, params: dict[str, Any], *, sign: int
) -> None:
    """Count the pair facts that the named query ``selection`` picks into the
    deltas, times ``sign`` (-1 before they are replaced, +1 after)."""
    rows = sql(selection)
    given = {**params, "sign": sign, "log_gamma": LOG_GAMMA}
    for name in ("rollup_pairs_add", "rollup_latency_add"):
        _run(cur, sql(name).format(pairs=rows), given)


def add_attempts(
    cur: duckdb.DuckDBPyConnection,
    selection: str,
    params: dict[str, Any],
    *,
    sign: int = 1,
    unknown: bool = False,
) -> None:
    """Count the attempts that the named query ``selection`` picks into the
    deltas, times ``sign``; ``unknown``: as counted before their event came."""
    rows = sql(selection)
    if unknown:
        rows = sql("rollup_attempts_unknown").format(attempts=rows)
    _run(cur, sql("rollup_attempts_add").format(attempts=rows), {**params, "sign": sign})


def fold(cur: duckdb.DuckDBPyConnection) -> None:
    """Fold every delta into its rollup (``sql/rollup_fold.sql``)."""
    for table, (keys, sums) in _TABLES.items():
        summed = ", ".join(f"sum({c})::BIGINT AS {c}" for c in sums)
        cur.execute(sql("rollup_fold").format(table=table, keys=keys, sums=summed))


def prune_rollups(
    cur: duckdb.DuckDBPyConnection,
    *,
    pairs_before_ns: int | None,
    attempts_before_ns: int | None,
    recount: bool,
    hi: int,
) -> None:
    """Delete the rollups of minutes before the given times (``None``: keep).
    With ``recount`` (retention without a lake: the raw rows before the times
    are gone), the minute each time falls in is counted again from the raw
    rows left, so it still sums to them.  In the caller's transaction, with
    the location map registered."""
    far = -(2**62)
    pairs = far if pairs_before_ns is None else _floor(pairs_before_ns)
    attempts = far if attempts_before_ns is None else _floor(attempts_before_ns)
    step = MINUTE_NS if recount else 0
    bounds = {
        "pairs": pairs + step if pairs_before_ns is not None else far,
        "attempts": attempts + step if attempts_before_ns is not None else far,
        "orphans": far if attempts_before_ns is None else attempts_before_ns,
    }
    _run(cur, sql("rollup_prune"), bounds)
    if not recount:
        return
    start(cur)
    if pairs_before_ns is not None:
        span = {"from": pairs, "to": pairs + MINUTE_NS, "hi": hi}
        add_pairs(cur, "rollup_pairs_range", span, sign=1)
    if attempts_before_ns is not None:
        span = {"from": attempts, "to": attempts + MINUTE_NS, "hi": hi}
        add_attempts(cur, "rollup_attempts_range", span)
    fold(cur)


def _floor(ns: int) -> int:
    return ns // MINUTE_NS * MINUTE_NS
