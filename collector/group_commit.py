"""Writing one group commit: what is already stored is dropped (spans by
trace id + span id, events by source + id, and repeats within the group),
the rest appended as Arrow, and each submitted table told what became of
its rows.  Plain functions of a cursor, run on the store's writer thread
inside its transaction."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from collector.queries import sql

__all__ = ["WriteResult", "write_events", "write_spans"]


@dataclass(frozen=True, slots=True)
class WriteResult:
    stored: int
    duplicates: int
    duplicate_rows: tuple[int, ...] = ()  # row numbers in the submitted table


def write_spans(
    cur: duckdb.DuckDBPyConnection, tables: list[pa.Table], seq: int
) -> list[WriteResult]:
    """Append the spans not stored yet (by trace id + span id, looked for only in
    the batch's start-time range) as group commit ``seq``."""
    incoming = pa.concat_tables(tables)
    bounds = pc.min_max(incoming["start_ns"])
    cur.register("incoming", incoming)
    existing = cur.execute(
        sql("spans_existing"), {"lo": bounds["min"].as_py(), "hi": bounds["max"].as_py()}
    ).fetchall()
    mask = _keep_mask(incoming, "trace_id", "span_id", existing)
    fresh = incoming if mask is None else incoming.filter(pa.array(mask))
    cur.register("fresh", fresh)
    cur.execute(sql("spans_insert"), {"seq": seq})
    cur.unregister("incoming")
    cur.unregister("fresh")
    return _per_request(tables, mask)


def write_events(
    cur: duckdb.DuckDBPyConnection, tables: list[pa.Table], seq: int
) -> list[WriteResult]:
    """Append the events not stored yet (by source + id) as group commit ``seq``;
    the repeats go to the duplicates ledger."""
    incoming = pa.concat_tables(tables)
    cur.register("incoming", incoming)
    existing = cur.execute(sql("events_existing")).fetchall()
    mask = _keep_mask(incoming, "source", "id", existing)
    if mask is None:
        fresh = incoming
    else:
        keep = pa.array(mask)
        fresh = incoming.filter(keep)
        cur.register("repeated", incoming.filter(pc.invert(keep)))
        cur.execute(sql("duplicates_insert"), {"seq": seq})
        cur.unregister("repeated")
    cur.register("fresh", fresh)
    cur.execute(sql("events_insert"), {"seq": seq})
    cur.unregister("incoming")
    cur.unregister("fresh")
    return _per_request(tables, mask)


def _keep_mask(
    incoming: pa.Table, first: str, second: str, existing: list[tuple[Any, ...]]
) -> list[bool] | None:
    """Which incoming rows to store: not already stored, not earlier in the
    group.  The common case (nothing stored, all keys distinct) is decided
    by Arrow without a Python loop over the rows."""
    if not existing and _all_distinct(incoming, first, second):
        return None
    keys = zip(incoming[first].to_pylist(), incoming[second].to_pylist(), strict=True)
    return _first_unseen(keys, {(row[0], row[1]) for row in existing})


def _all_distinct(incoming: pa.Table, first: str, second: str) -> bool:
    """No key twice in the group.  Decided on the second column alone when its
    values are all distinct (random span ids, CloudEvent ids: the usual
    case; 0.08 us of CPU per row against 0.14-0.31 for joining the two
    columns first), else on both."""
    n = incoming.num_rows
    if pc.count_distinct(incoming[second]).as_py() == n:
        return True
    joined = pc.binary_join_element_wise(incoming[first], incoming[second], "\x00")
    return bool(pc.count_distinct(joined).as_py() == n)


def _first_unseen(keys: Iterator[tuple[str, str]], seen: set[tuple[str, str]]) -> list[bool] | None:
    """Keep-mask of rows whose key is neither stored nor earlier in the group.

    ``None`` means "keep all", the common case, so no filter is built.
    """
    mask: list[bool] = []
    dropped = False
    add = seen.add
    for key in keys:
        if key in seen:
            mask.append(False)
            dropped = True
        else:
            add(key)
            mask.append(True)
    return mask if dropped else None


def _per_request(tables: list[pa.Table], mask: list[bool] | None) -> list[WriteResult]:
    results, offset = [], 0
    for table in tables:
        n = table.num_rows
        if mask is None:
            results.append(WriteResult(stored=n, duplicates=0))
        else:
            dropped = tuple(i for i, keep in enumerate(mask[offset : offset + n]) if not keep)
            results.append(WriteResult(n - len(dropped), len(dropped), dropped))
        offset += n
    return results
