"""Export: settled rows leave the hot store for the lake, exactly once.

Each lake table is fed from the hot store by a monotonic key: the group
commit ``seq`` (spans, events), the snapshot id (snapshots and their rows),
the reconciliation run id, or for pair facts the event time once it is
``settle_ns`` behind now (late attempts no longer change them).  Rows with a
key in ``(lo, hi]`` are appended in one Iceberg commit whose snapshot summary
carries ``synclens.watermark = hi``; the next export starts from the
watermark of the table's current snapshot.  The Iceberg commit is atomic (one
row in the catalog), so a crash before it leaves the watermark and the table
as they were (the files written are orphans, never read) and the rows go
again; a crash after it has them exactly once.  Every later commit to the
table (compaction, retention) carries the watermark on.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.table import Table

from collector.lake.tables import TABLES, TS, LakeTable, LakeTables
from collector.queries import Reader, named

__all__ = ["FEEDS", "WATERMARK", "Exported", "Feed", "Reader", "conform", "export_all", "watermark"]

log = logging.getLogger(__name__)
sql = named(__package__)

WATERMARK = "synclens.watermark"


@dataclass(frozen=True, slots=True)
class Feed:
    """How a lake table is fed: named SQL ``export_<table>`` for the rows with
    keys in ``(lo, hi]`` and, unless the key is a settled time, ``…_keys``
    for the rows per key after ``lo`` (to cut chunks of whole keys)."""

    table: str
    by_time: bool = False


FEEDS: tuple[Feed, ...] = (
    Feed("events"),
    Feed("spans"),
    Feed("snapshots"),
    Feed("snapshot_rows"),
    Feed("reconciliation_results"),
    Feed("pair_facts", by_time=True),
)

_SPECS = {spec.name: spec for spec in TABLES}


@dataclass(frozen=True, slots=True)
class Exported:
    """One table's export: its rows, commits and the watermark reached."""

    table: str
    rows: int
    commits: int
    watermark: int
    seconds: float


def watermark(table: Table) -> int:
    """The hot-store key up to which ``table`` holds every row (0: none)."""
    snapshot = table.current_snapshot()
    while snapshot is not None:
        value = snapshot.summary[WATERMARK] if snapshot.summary is not None else None
        if value is not None:
            return int(value)
        parent = snapshot.parent_snapshot_id
        snapshot = table.snapshot_by_id(parent) if parent is not None else None
    return 0


def conform(rows: pa.Table, spec: LakeTable) -> pa.Table:
    """The hot store's rows in the lake table's schema, with ``ts`` (the
    partition time, microseconds) derived from the row's nanosecond time."""
    micros = pc.divide(rows.column(spec.time_column).cast(pa.int64()), 1000)
    rows = rows.append_column("ts", micros.cast(pa.int64()).cast(TS))
    return rows.select(spec.schema.names).cast(spec.schema)


def _next_hi(
    cur: duckdb.DuckDBPyConnection, feed: Feed, lo: int, max_rows: int
) -> tuple[int, bool] | None:
    """The end of the next chunk of whole keys after ``lo`` (at least one
    key, about ``max_rows`` rows) and whether more keys wait after it."""
    keys = cur.execute(sql(f"export_{feed.table}_keys"), {"lo": lo}).fetchall()
    if not keys:
        return None
    total = 0
    for index, (key, n) in enumerate(keys):
        total += int(n)
        if total >= max_rows:
            return int(key), index + 1 < len(keys)
    return int(keys[-1][0]), False


def _chunk(
    cur: duckdb.DuckDBPyConnection,
    feed: Feed,
    lo: int,
    *,
    now_ns: int,
    max_rows: int,
    settle_ns: int,
) -> tuple[int, bool, pa.Table] | None:
    """The next chunk after ``lo``: its end, whether more wait, its rows."""
    if feed.by_time:
        hi, more = now_ns - settle_ns, False
        if hi <= lo:
            return None
    else:
        bounds = _next_hi(cur, feed, lo, max_rows)
        if bounds is None:
            return None
        hi, more = bounds
    found = cur.sql(sql(f"export_{feed.table}"), params={"lo": lo, "hi": hi}).to_arrow_table()
    return hi, more, found


def export_feed(
    reader: Reader,
    lake: LakeTables,
    feed: Feed,
    *,
    now_ns: int,
    max_rows: int,
    settle_ns: int,
) -> Exported:
    """Append every row of ``feed`` beyond the table's watermark, in chunks
    of about ``max_rows``, each chunk one Iceberg commit.  Each chunk is read
    on a cursor of its own, let go before the (slower) Iceberg commit, so
    that a shutdown (``Store.stop_reads``) never waits for the lake."""
    started = time.perf_counter()
    table = lake.table(feed.table)
    lo = watermark(table)
    rows = commits = 0
    while True:
        with reader() as cur:
            chunk = _chunk(cur, feed, lo, now_ns=now_ns, max_rows=max_rows, settle_ns=settle_ns)
        if chunk is None:
            break
        hi, more, found = chunk
        if found.num_rows:
            table.append(
                conform(found, _SPECS[feed.table]), snapshot_properties={WATERMARK: str(hi)}
            )
            rows += found.num_rows
            commits += 1
            lo = hi
        if not more:
            break
    return Exported(feed.table, rows, commits, lo, time.perf_counter() - started)


def export_all(
    reader: Reader,
    lake: LakeTables,
    *,
    now_ns: int,
    max_rows: int = 1_000_000,
    settle_ns: int = 2 * 86_400 * 1_000_000_000,
    feeds: tuple[Feed, ...] = FEEDS,
) -> list[Exported]:
    """Export every feed (see the module docstring); ``reader()`` gives a
    reader cursor of the hot store (``Store.reader``), so ingest never waits
    for the export."""
    done = []
    for feed in feeds:
        exported = export_feed(
            reader, lake, feed, now_ns=now_ns, max_rows=max_rows, settle_ns=settle_ns
        )
        if exported.rows:
            log.info(
                "lake: exported %d %s rows in %d commit(s) up to %d in %.2f s",
                exported.rows,
                feed.table,
                exported.commits,
                exported.watermark,
                exported.seconds,
            )
        done.append(exported)
    return done
