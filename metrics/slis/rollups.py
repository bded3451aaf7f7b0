"""SLI windows from the per-minute rollups (:mod:`metrics.facts.rollups`).

A window ``[from, to)`` longer than :data:`ROLLUP_AFTER_NS` (0: every
window) is cut in three:
the whole minutes inside it come from the rollups, the part-minutes at its
ends from raw rows.  Inside, a minute is also read from raw rows when a
rollup row cannot say alone which of its pairs or attempts count: pairs not
applied whose deadline passes ``now`` inside the minute (``undelivered``),
and rows that a maintenance occurrence covers only in part.  Every count is
then exactly the raw computation's (same pairs, same attempts).

Latency percentiles: the merged log-bucketed histogram says which bucket
holds the rank ``quantile_disc`` takes, and how many latencies lie below it.
In a window up to :data:`EXACT_UPTO_NS` long the value is then read exactly:
the k-th smallest raw latency of the window inside that bucket (one scan of
the window's pair facts, ``sql/rollup_exact_latency.sql``), the same value
as ``quantile_disc`` over raw rows.  Longer windows take the bucket's
estimate, within :data:`~metrics.facts.rollups.RELATIVE_ERROR` (1 %) of the
raw value, and read no raw pair beyond the part-minutes.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from fractions import Fraction
from typing import Any

import duckdb
import pyarrow as pa

from collector.timefmt import NS_PER_S
from metrics.facts.rollups import GAMMA, LOG_GAMMA, MINUTE_NS
from metrics.slis.statements import rows

__all__ = [
    "ATTEMPT_COUNTS",
    "EXACT_UPTO_NS",
    "PAIR_COUNTS",
    "QUANTILES",
    "ROLLUP_AFTER_NS",
    "bucket_value",
    "mixed_minutes",
    "quantile_rank",
    "registered",
    "rollup_rows",
    "whole_minutes",
]

#: windows longer than this read the rollups for their whole minutes: all of them
ROLLUP_AFTER_NS = 0
#: windows up to this long have exact latency percentiles (longer: within 1 %)
EXACT_UPTO_NS = 2 * 86_400 * NS_PER_S
_MAX_NS = 2**63 - 1
QUANTILES = (0.5, 0.95, 0.99)
#: the pair counts of a rollup or raw row (no percentiles)
PAIR_COUNTS = (
    "applied",
    "latency_good",
    "first_pass_total",
    "first_pass_good",
    "undelivered",
    "dead_lettered",
    "double_applies",
)
#: the attempt counts of a rollup or raw row
ATTEMPT_COUNTS = ("attempts", "failed", "replays")
_MINUTES = pa.schema([("minute_ns", pa.int64())])
_INSTANTS = pa.schema(
    [("k", pa.int64()), ("a", pa.int64()), ("b", pa.int64()), ("now", pa.int64())]
)
_RANKS = pa.schema([("grp", pa.string()), ("bucket", pa.int32()), ("k", pa.int64())])


def quantile_rank(n: int, q: float) -> int:
    """The 0-based rank ``quantile_disc(x, q)`` takes among ``n`` sorted
    values: nearest rank, ``ceil(q n) - 1``, in exact arithmetic."""
    return max(0, min(n - 1, math.ceil(Fraction(str(q)) * n) - 1))


def bucket_value(bucket: int) -> float:
    """The latency (ns) a histogram bucket stands for: within 1 % of all in it."""
    if bucket == 0:
        return 0.0
    size = 2 * GAMMA ** (abs(bucket) - 1) / (GAMMA + 1)
    return size if bucket > 0 else -size


def _ranked(histogram: Counter[int]) -> list[tuple[int, int] | None]:
    """For each of :data:`QUANTILES`: the bucket that holds the rank
    ``quantile_disc`` takes and that rank inside the bucket (0-based);
    ``None`` with no latency."""
    total = sum(histogram.values())
    if not total:
        return [None] * len(QUANTILES)
    ordered = sorted(histogram.items())
    found: list[tuple[int, int] | None] = []
    for q in QUANTILES:
        rank, seen = quantile_rank(total, q), 0
        for bucket, n in ordered:
            if seen + n > rank:
                found.append((bucket, rank - seen))
                break
            seen += n
    return found


def _bucket_bounds(bucket: int) -> tuple[int, int]:
    """Latencies (ns) that surely include every one of ``bucket``, with a
    bucket's slack either side (the exact test is the bucket's formula)."""
    if bucket == 0:
        return 0, 0
    low = min(_MAX_NS, math.floor(GAMMA ** (abs(bucket) - 3)))
    high = min(_MAX_NS, math.ceil(GAMMA ** abs(bucket)) + 1)
    return (low, high) if bucket > 0 else (-high, -low)


def _exact(
    cur: duckdb.DuckDBPyConnection,
    params: dict[str, Any],
    wanted: dict[Any, list[tuple[int, int] | None]],
) -> dict[tuple[Any, int, int], int]:
    """``(grp, bucket, k) -> latency``: the k-th smallest latency of the
    window's applied pairs in the bucket (``sql/rollup_exact_latency.sql``)."""
    keys = sorted({(g, *w) for g, ws in wanted.items() for w in ws if w}, key=str)
    if not keys:
        return {}
    bounds = [_bucket_bounds(bucket) for _, bucket, _ in keys]
    table = pa.Table.from_pylist(
        [{"grp": g, "bucket": b, "k": k} for g, b, k in keys], schema=_RANKS
    )
    given = {
        **params,
        "log_gamma": LOG_GAMMA,
        "low": min(lo for lo, _ in bounds),
        "high": max(hi for _, hi in bounds),
    }
    cur.register("wanted_ranks", table)
    try:
        found = rows(cur, "rollup_exact_latency", given)
    finally:
        cur.unregister("wanted_ranks")
    return {(r["grp"], int(r["bucket"]), int(r["k"])): int(r["latency"]) for r in found}


def _percentiles(
    cur: duckdb.DuckDBPyConnection,
    params: dict[str, Any],
    latency: dict[Any, Counter[int]],
    exact: bool,
) -> dict[Any, list[float | None]]:
    """Each group's p50/p95/p99: exact (a raw read of the buckets that hold
    the ranks) or the buckets' estimates."""
    wanted = {grp: _ranked(histogram) for grp, histogram in latency.items()}
    values = _exact(cur, params, wanted) if exact else {}

    def value(grp: Any, w: tuple[int, int] | None) -> float | None:
        if w is None:
            return None
        return values[(grp, *w)] if exact else bucket_value(w[0])

    return {grp: [value(grp, w) for w in ranks] for grp, ranks in wanted.items()}


@contextmanager
def registered(cur: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> Iterator[None]:
    """``table`` as the table ``name`` on ``cur`` while the block runs."""
    cur.register(name, table)
    try:
        yield
    finally:
        cur.unregister(name)


def mixed_minutes(
    cur: duckdb.DuckDBPyConnection, instants: list[dict[str, int]], params: dict[str, Any]
) -> dict[int, list[int]]:
    """``{k: minutes}``: for each instant ``{k, a, b, now}`` the minutes of its
    ``[a, b)`` that the rollups cannot answer alone, ascending
    (``sql/rollup_mixed_minutes.sql``; ``params``: the ``maintenance`` flag)."""
    given = {
        **params,
        "a": min(i["a"] for i in instants),
        "b": max(i["b"] for i in instants),
    }
    found: dict[int, list[int]] = {}
    with registered(cur, "instants", pa.Table.from_pylist(instants, schema=_INSTANTS)):
        for row in rows(cur, "rollup_mixed_minutes", given):
            found.setdefault(int(row["k"]), []).append(int(row["minute_ns"]))
    return found


def whole_minutes(lo: int, hi: int) -> tuple[int, int]:
    """``[a, b)``: the whole minutes of ``[lo, hi)`` (``a == b``: none); the
    part-minutes ``[lo, a)`` and ``[b, hi)`` are read from raw rows."""
    a = min(hi, -(-lo // MINUTE_NS) * MINUTE_NS)
    return a, max(a, hi // MINUTE_NS * MINUTE_NS)


def _runs(minutes: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive minutes as ``[start, end)`` ranges."""
    out: list[tuple[int, int]] = []
    for minute in minutes:
        if out and out[-1][1] == minute:
            out[-1] = (out[-1][0], minute + MINUTE_NS)
        else:
            out.append((minute, minute + MINUTE_NS))
    return out


def rollup_rows(
    cur: duckdb.DuckDBPyConnection,
    params: dict[str, Any],
    *,
    attempts_query: str,
    exact: bool = True,
    only: str | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of ``slis_pairs`` and of ``attempts_query`` (the raw attempt
    query for ``params["by"]``) over ``[params["from"], params["to"])``, from
    the rollups and raw rows as the module docstring says.  ``params`` as
    :func:`metrics.slis.compute_slis` builds them; the location map and the
    ``maintenance`` table are registered on ``cur``.  ``exact``: latency
    percentiles read exactly (else the histogram's estimates).  ``only``
    ``"pairs"`` or ``"attempts"``: that family's rows alone (no rows of the
    other); ``"pair_counts"``: the pairs' without the latency histogram."""
    want_pairs = only != "attempts"
    want_attempts = only not in ("pairs", "pair_counts")
    want_latency = only in (None, "pairs")
    lo, hi = params["from"], params["to"]
    a, b = whole_minutes(lo, hi)
    inner = {**params, "a": a, "b": b}
    whole = a < b  # no whole minute: no rollup to read
    instant = [{"k": 0, "a": a, "b": b, "now": params["now"]}]
    mixed = mixed_minutes(cur, instant, inner).get(0, []) if whole else []
    pairs: dict[Any, Counter[str]] = defaultdict(Counter)
    attempts: dict[Any, Counter[str]] = defaultdict(Counter)
    latency: dict[Any, Counter[int]] = defaultdict(Counter)
    raw_minutes = pa.Table.from_pylist([{"minute_ns": m} for m in mixed], _MINUTES)
    with registered(cur, "raw_minutes", raw_minutes):
        if want_pairs and whole:
            _add(pairs, rows(cur, "rollup_pairs", inner), PAIR_COUNTS)
        for row in rows(cur, "rollup_latency", inner) if want_latency and whole else ():
            latency[row["grp"]][int(row["bucket"])] += int(row["n"])
        if want_attempts and whole:
            _add(attempts, rows(cur, "rollup_attempts", inner), ATTEMPT_COUNTS)
    for start, end in [(lo, a), *_runs(mixed), (b, hi)]:
        if start >= end:
            continue
        piece = {**params, "from": start, "to": end, "log_gamma": LOG_GAMMA}
        if want_pairs:
            _add(pairs, rows(cur, "slis_pairs", piece), PAIR_COUNTS)
        for row in rows(cur, "rollup_raw_latency", piece) if want_latency else ():
            latency[row["grp"]][int(row["bucket"])] += int(row["n"])
        if want_attempts:
            _add(attempts, rows(cur, attempts_query, piece), ATTEMPT_COUNTS)
    quantiles = _percentiles(cur, {**params, "from": lo, "to": hi}, latency, exact)
    pair_rows: list[dict[str, Any]] = [
        {"grp": grp, **counts, "latency_q": quantiles.get(grp, [None] * len(QUANTILES))}
        for grp, counts in pairs.items()
    ]
    attempt_rows: list[dict[str, Any]] = [
        {"grp": grp, **counts} for grp, counts in attempts.items()
    ]
    return pair_rows, attempt_rows


def _add(
    into: dict[Any, Counter[str]], found: list[dict[str, Any]], names: tuple[str, ...]
) -> None:
    for row in found:
        counts = into[row["grp"]]
        for name in names:
            counts[name] += int(row.get(name) or 0)
