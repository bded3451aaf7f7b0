"""One family of overall SLIs at many instants and windows in one pass.

An SLO's history asks for its SLI over each of its windows (5 m ... 28 d)
at each of ~25 instants: :func:`family_slis_at` answers them all with five
statements, where :func:`~metrics.slis.compute_slis` takes ~10 per pair.
Each ``(window, instant)`` is cut exactly as :func:`~metrics.slis.rollups.rollup_rows`
cuts it (whole minutes from the rollups, part-minutes at the edges and
"mixed" minutes from raw rows), so every count is the same as
``compute_slis(..., only=family)``'s: the instants are registered as a
table that the rollup and raw statements join (``sql/batch_*.sql``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import duckdb
import pyarrow as pa

from collector.locations import LocationMap
from metrics.facts.rollups import MINUTE_NS
from metrics.slis.compute import Excluded, family_slis, maintenance_registered, parse_window
from metrics.slis.rollups import (
    ATTEMPT_COUNTS,
    PAIR_COUNTS,
    mixed_minutes,
    registered,
    whole_minutes,
)
from metrics.slis.statements import rows

__all__ = ["BatchFamily", "family_slis_at"]

#: the families answered in one pass: counts only (no percentiles)
BatchFamily = Literal["pair_counts", "attempts"]

_INSTANTS = pa.schema(
    [("k", pa.int64()), ("a", pa.int64()), ("b", pa.int64()), ("now", pa.int64())]
)
_RAW_MINUTES = pa.schema([("k", pa.int64()), ("minute_ns", pa.int64())])
_PIECES = pa.schema(
    [
        ("k", pa.int64()),
        ("minute_ns", pa.int64()),
        ("lo", pa.int64()),
        ("hi", pa.int64()),
        ("now", pa.int64()),
    ]
)


def _pieces(k: int, spans: Iterable[tuple[int, int]], now: int) -> list[dict[str, int]]:
    """Each non-empty ``[start, end)`` of ``spans`` cut at minute edges."""
    out = []
    for start, end in spans:
        while start < end:
            minute = start // MINUTE_NS * MINUTE_NS
            stop = min(end, minute + MINUTE_NS)
            out.append({"k": k, "minute_ns": minute, "lo": start, "hi": stop, "now": now})
            start = stop
    return out


def family_slis_at(
    cur: duckdb.DuckDBPyConnection,
    wanted: Iterable[tuple[str, int]],
    *,
    locations: LocationMap,
    excluded: Sequence[Excluded] = (),
    only: BatchFamily,
) -> dict[tuple[str, int], dict[str, Any]]:
    """``{(window, at): compute_slis(cur, window=window, now_ns=at,
    excluded=excluded, only=only)["slis"]}`` for every pair of ``wanted``
    (overall, the rollups read as by default), in one read transaction."""
    keys = sorted(set(wanted))
    bounds = [(at - parse_window(w), at) for w, at in keys]
    cuts = [whole_minutes(lo, hi) for lo, hi in bounds]
    inner = [
        {"k": k, "a": a, "b": b, "now": hi}
        for k, ((a, b), (_, hi)) in enumerate(zip(cuts, bounds, strict=True))
        if a < b
    ]
    found: dict[str, dict[int, Counter[str]]] = {"pairs": {}, "attempts": {}}
    with maintenance_registered(cur, excluded), locations.registered(cur):
        cur.begin()
        try:
            mixed = _rolled(cur, inner, bool(excluded), only, found) if inner else {}
            pieces = [
                piece
                for k, ((lo, hi), (a, b)) in enumerate(zip(bounds, cuts, strict=True))
                for piece in _pieces(
                    k, [(lo, a), *((m, m + MINUTE_NS) for m in mixed.get(k, ())), (b, hi)], hi
                )
            ]
            if pieces:
                _raw(cur, pieces, bool(excluded), only, found)
        finally:
            cur.rollback()
    return {
        key: family_slis(
            dict(found["pairs"].get(k, {})) or None,
            dict(found["attempts"].get(k, {})) or None,
            only,
        )
        for k, key in enumerate(keys)
    }


def _rolled(
    cur: duckdb.DuckDBPyConnection,
    inner: list[dict[str, int]],
    excluding: bool,
    only: BatchFamily,
    found: dict[str, dict[int, Counter[str]]],
) -> dict[int, list[int]]:
    """Adds each instant's whole minutes from the rollups to ``found``;
    returns the mixed minutes of each instant (left to raw rows)."""
    params = {
        "a": min(i["a"] for i in inner),
        "b": max(i["b"] for i in inner),
        "excluding": excluding,
    }
    mixed = mixed_minutes(cur, inner, params)
    raw_minutes = pa.Table.from_pylist(
        [{"k": k, "minute_ns": m} for k, minutes in mixed.items() for m in minutes],
        schema=_RAW_MINUTES,
    )
    instants = pa.Table.from_pylist(inner, schema=_INSTANTS)
    with registered(cur, "instants", instants), registered(cur, "raw_minutes", raw_minutes):
        _read(cur, only, "batch_rollup", params, found)
    return mixed


def _raw(
    cur: duckdb.DuckDBPyConnection,
    pieces: list[dict[str, int]],
    excluding: bool,
    only: BatchFamily,
    found: dict[str, dict[int, Counter[str]]],
) -> None:
    """Adds the raw rows of each instant's pieces to ``found``."""
    params = {
        "from": min(p["lo"] for p in pieces),
        "to": max(p["hi"] for p in pieces),
        "excluding": excluding,
    }
    with registered(cur, "pieces", pa.Table.from_pylist(pieces, schema=_PIECES)):
        _read(cur, only, "batch_raw", params, found)


def _read(
    cur: duckdb.DuckDBPyConnection,
    only: BatchFamily,
    prefix: str,
    params: dict[str, Any],
    found: dict[str, dict[int, Counter[str]]],
) -> None:
    """Adds the rows of ``{prefix}_pairs`` or ``{prefix}_attempts`` by instant."""
    family, names = (
        ("pairs", PAIR_COUNTS) if only == "pair_counts" else ("attempts", ATTEMPT_COUNTS)
    )
    for row in rows(cur, f"{prefix}_{family}", params):
        counts = found[family].setdefault(int(row["k"]), Counter())
        for name in names:
            counts[name] += int(row.get(name) or 0)
