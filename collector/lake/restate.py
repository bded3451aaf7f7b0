"""Pair facts into the lake, restated when they change after export.

Pair facts are exported by event time once ``settle_ns`` old; an attempt that
arrives later still changes them in the hot store (``pair_facts.derived_seq``
records the derivation that last wrote a pair).  Each export of the table
reads, on one cursor: the newly settled pairs ``(lo, hi]``, the pairs already
exported (time ``<= lo``) derived again since the table's ``RESTATED`` mark,
and the newest derivation.  The changed pairs' rows are deleted from the lake
and their current facts appended in **one Iceberg transaction** that also
moves both marks, so a crash leaves either the old rows and marks or the new
ones; a restatement done again (marks not moved) deletes and appends the same
rows, so it is idempotent.  The delete filter (sources, ids and times of the
changed pairs) can catch other lake rows: those the hot store does not
replace are read first and appended again unchanged.
"""

from __future__ import annotations

import time

import duckdb
import pyarrow as pa
from pyiceberg.expressions import And, BooleanExpression, In, LessThanOrEqual

from collector.lake.marks import RESTATED, WATERMARK, Exported, conform, watermark
from collector.lake.tables import SORTED_BY, TABLES, LakeTables
from collector.queries import Reader, named

__all__ = ["export_pair_facts"]

sql = named(__package__)
_SPEC = next(spec for spec in TABLES if spec.name == "pair_facts")


def _changed_filter(changed: pa.Table, lo: int) -> BooleanExpression:
    def values(name: str) -> set[object]:
        return set(changed.column(name).to_pylist())

    return And(
        And(In(term="source", literals=values("source")), In(term="id", literals=values("id"))),
        And(
            In(term="time_ns", literals=values("time_ns")),
            LessThanOrEqual(term="time_ns", value=lo),
        ),
    )


def export_pair_facts(reader: Reader, lake: LakeTables, *, now_ns: int, settle_ns: int) -> Exported:
    """One export of pair facts (see the module docstring)."""
    started = time.perf_counter()
    table = lake.table("pair_facts")
    lo, restated = watermark(table), watermark(table, RESTATED)
    hi = max(lo, now_ns - settle_ns)
    with reader() as cur:
        fresh = cur.sql(sql("export_pair_facts"), params={"lo": lo, "hi": hi}).to_arrow_table()
        params = {"lo": lo, "restated": restated}
        changed = cur.sql(sql("export_pair_facts_restated"), params=params).to_arrow_table()
        derived = int(cur.execute(sql("export_pair_facts_derived")).fetchall()[0][0])
    if not fresh.num_rows and not changed.num_rows:
        return Exported("pair_facts", 0, 0, lo, time.perf_counter() - started)
    marks = {WATERMARK: str(hi), RESTATED: str(max(derived, restated))}
    rows = conform(fresh, _SPEC)
    if not changed.num_rows:
        table.append(rows, snapshot_properties=marks)
    else:
        where = _changed_filter(changed, lo)
        kept = table.scan(row_filter=where).to_arrow().drop_columns(["ts"])
        con = duckdb.connect()
        con.register("restate_lake", kept)
        con.register("restate_fresh", changed)
        again = con.sql(sql("restate_keep")).to_arrow_table()
        con.close()
        rows = pa.concat_tables([rows, conform(changed, _SPEC), conform(again, _SPEC)])
        rows = rows.sort_by([(column, "ascending") for column in SORTED_BY])
        with table.transaction() as tx:
            tx.delete(where, snapshot_properties=marks)
            tx.append(rows, snapshot_properties=marks)
    return Exported("pair_facts", rows.num_rows, 1, hi, time.perf_counter() - started)
