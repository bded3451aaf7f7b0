"""Per-minute rollups into the lake, whole minutes at a time.

The rollups (``pair_minutes``, ``latency_minutes``, ``attempt_minutes``,
kept by the pair facts' refresh) go to the lake by minute once ``settle_ns``
old, as pair facts do.  A late attempt can still change a minute already
exported (each row carries ``derived_seq``, the refresh that last changed
it): every row of such a minute is then replaced, the lake's rows of the
minute deleted and the hot store's appended in **one Iceberg transaction**
that also moves the watermark and the ``RESTATED`` mark, so a crash leaves
the old minute or the new one, and a restatement done again replaces the
same rows.  The hot store keeps its rollups past hot retention (they are
small; long SLI windows read them there), so it always holds every row of a
minute it restates.
"""

from __future__ import annotations

import time

import pyarrow as pa
from pyiceberg.expressions import In

from collector.lake.marks import RESTATED, WATERMARK, Exported, conform, watermark
from collector.lake.tables import TABLES, LakeTables
from collector.queries import Reader, named

__all__ = ["ROLLUPS", "export_rollup"]

sql = named(__package__)
ROLLUPS = ("pair_minutes", "latency_minutes", "attempt_minutes")
_MINUTE_NS = 60_000_000_000
_SPECS = {spec.name: spec for spec in TABLES}


def export_rollup(
    reader: Reader, lake: LakeTables, name: str, *, now_ns: int, settle_ns: int
) -> Exported:
    """One export of the rollup ``name`` (see the module docstring)."""
    started = time.perf_counter()
    table = lake.table(name)
    lo, restated = watermark(table), watermark(table, RESTATED)
    # the last minute wholly settled
    hi = max(lo, (now_ns - settle_ns) // _MINUTE_NS * _MINUTE_NS - _MINUTE_NS)
    with reader() as cur:
        fresh_sql = sql("export_rollup").format(table=name)
        fresh = cur.sql(fresh_sql, params={"lo": lo, "hi": hi}).to_arrow_table()
        restated_sql = sql("export_rollup_restated").format(table=name)
        params = {"lo": lo, "restated": restated}
        changed = cur.sql(restated_sql, params=params).to_arrow_table()
        derived_sql = sql("export_rollup_derived").format(table=name)
        derived = int(cur.execute(derived_sql).fetchall()[0][0])
    if not fresh.num_rows and not changed.num_rows:
        return Exported(name, 0, 0, lo, time.perf_counter() - started)
    marks = {WATERMARK: str(hi), RESTATED: str(max(derived, restated))}
    spec = _SPECS[name]
    rows = pa.concat_tables([conform(fresh, spec), conform(changed, spec)])
    if not changed.num_rows:
        table.append(rows, snapshot_properties=marks)
    else:
        minutes = set(changed.column("minute_ns").to_pylist())
        with table.transaction() as tx:
            tx.delete(In(term="minute_ns", literals=minutes), snapshot_properties=marks)
            tx.append(rows, snapshot_properties=marks)
    return Exported(name, rows.num_rows, 1, hi, time.perf_counter() - started)
