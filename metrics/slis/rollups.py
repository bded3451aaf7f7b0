"""Long windows from the per-minute rollups (:mod:`metrics.facts.rollups`).

A window ``[from, to)`` longer than :data:`ROLLUP_AFTER_NS` is cut in three:
the whole minutes inside it come from the rollups, the part-minutes at its
ends from raw rows.  Inside, a minute is also read from raw rows when a
rollup row cannot say alone which of its pairs or attempts count: pairs not
applied whose deadline passes ``now`` inside the minute (``undelivered``),
and rows that a maintenance occurrence covers only in part.  Every count is
then exactly the raw computation's (same pairs, same attempts).

Latency percentiles are read from the merged log-bucketed histogram, at the
same rank as ``quantile_disc``: the value given is within
:data:`~metrics.facts.rollups.RELATIVE_ERROR` (1 %) of the raw one.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

import duckdb
import pyarrow as pa

from collector.timefmt import NS_PER_S
from metrics.facts.rollups import GAMMA, LOG_GAMMA, MINUTE_NS
from metrics.slis.statements import rows

__all__ = ["QUANTILES", "ROLLUP_AFTER_NS", "bucket_value", "quantile_rank", "rollup_rows"]

#: windows longer than this read the rollups (shorter ones scan raw rows)
ROLLUP_AFTER_NS = 2 * 86_400 * NS_PER_S
QUANTILES = (0.5, 0.95, 0.99)
_PAIR_COUNTS = (
    "applied",
    "latency_good",
    "first_pass_total",
    "first_pass_good",
    "undelivered",
    "dead_lettered",
    "double_applies",
)
_ATTEMPT_COUNTS = ("attempts", "failed", "replays")
_MINUTES = pa.schema([("minute_ns", pa.int64())])


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


def _percentiles(histogram: Counter[int]) -> list[float | None]:
    total = sum(histogram.values())
    if not total:
        return [None] * len(QUANTILES)
    ordered = sorted(histogram.items())
    found: list[float | None] = []
    for q in QUANTILES:
        rank, seen = quantile_rank(total, q), 0
        for bucket, n in ordered:
            seen += n
            if seen > rank:
                found.append(bucket_value(bucket))
                break
    return found


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
    only: str | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of ``slis_pairs`` and of ``attempts_query`` (the raw attempt
    query for ``params["by"]``) over ``[params["from"], params["to"])``, from
    the rollups and raw rows as the module docstring says.  ``params`` as
    :func:`metrics.slis.compute_slis` builds them; the location map and the
    ``maintenance`` table are registered on ``cur``.  ``only`` ``"pairs"``
    or ``"attempts"``: that family's rows alone (no rows of the other);
    ``"pair_counts"``: the pairs' without the latency histogram."""
    want_pairs = only != "attempts"
    want_attempts = only not in ("pairs", "pair_counts")
    want_latency = only in (None, "pairs")
    lo, hi = params["from"], params["to"]
    a = min(hi, -(-lo // MINUTE_NS) * MINUTE_NS)
    b = max(a, hi // MINUTE_NS * MINUTE_NS)
    inner = {**params, "a": a, "b": b}
    mixed = sorted({int(r["minute_ns"]) for r in rows(cur, "rollup_mixed_minutes", inner)})
    pairs: dict[Any, Counter[str]] = defaultdict(Counter)
    attempts: dict[Any, Counter[str]] = defaultdict(Counter)
    latency: dict[Any, Counter[int]] = defaultdict(Counter)
    cur.register("raw_minutes", pa.Table.from_pylist([{"minute_ns": m} for m in mixed], _MINUTES))
    try:
        if want_pairs:
            _add(pairs, rows(cur, "rollup_pairs", inner), _PAIR_COUNTS)
        for row in rows(cur, "rollup_latency", inner) if want_latency else ():
            latency[row["grp"]][int(row["bucket"])] += int(row["n"])
        if want_attempts:
            _add(attempts, rows(cur, "rollup_attempts", inner), _ATTEMPT_COUNTS)
    finally:
        cur.unregister("raw_minutes")
    for start, end in [(lo, a), *_runs(mixed), (b, hi)]:
        if start >= end:
            continue
        piece = {**params, "from": start, "to": end, "log_gamma": LOG_GAMMA}
        if want_pairs:
            _add(pairs, rows(cur, "slis_pairs", piece), _PAIR_COUNTS)
        for row in rows(cur, "rollup_raw_latency", piece) if want_latency else ():
            latency[row["grp"]][int(row["bucket"])] += int(row["n"])
        if want_attempts:
            _add(attempts, rows(cur, attempts_query, piece), _ATTEMPT_COUNTS)
    pair_rows: list[dict[str, Any]] = [
        {"grp": grp, **counts, "latency_q": _percentiles(latency[grp])}
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
