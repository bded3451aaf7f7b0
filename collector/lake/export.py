"""Export: settled rows leave the hot store for the lake, exactly once.

Each lake table is fed from the hot store by a monotonic key: the group
commit ``seq`` (spans, events), the snapshot id (snapshots and their rows),
the reconciliation run id, or for pair facts the event time once it is
``settle_ns`` behind now (late attempts no longer change them).  Rows with a
key in ``(lo, hi]`` are appended in one Iceberg commit (``writer.py``: one
Parquet file per partition, in the table's sort order) whose snapshot summary
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

from collector.lake.marks import RESTATED, WATERMARK, Exported, carried, conform, watermark
from collector.lake.restate import export_pair_facts
from collector.lake.rollups import ROLLUPS, export_rollup
from collector.lake.tables import TABLES, LakeTables
from collector.lake.writer import append_rows
from collector.queries import Reader, named

__all__ = [
    "FEEDS",
    "RESTATED",
    "WATERMARK",
    "Exported",
    "Feed",
    "Reader",
    "carried",
    "conform",
    "export_all",
    "watermark",
]

log = logging.getLogger(__name__)
sql = named(__package__)


@dataclass(frozen=True, slots=True)
class Feed:
    """How a lake table is fed: named SQL ``export_<table>`` for the rows with
    keys in ``(lo, hi]`` and, unless the key is a settled time, ``…_keys``
    for the rows per key after ``lo`` (to cut chunks of whole keys); a
    ``rollup`` goes by settled minutes (``rollups.py``)."""

    table: str
    by_time: bool = False
    rollup: bool = False


FEEDS: tuple[Feed, ...] = (
    Feed("events"),
    Feed("spans"),
    Feed("snapshots"),
    Feed("snapshot_rows"),
    Feed("reconciliation_runs"),
    Feed("reconciliation_results"),
    *(Feed(name, rollup=True) for name in ROLLUPS),
    Feed("pair_facts", by_time=True),
)

_SPECS = {spec.name: spec for spec in TABLES}


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
    cur: duckdb.DuckDBPyConnection, feed: Feed, lo: int, *, max_rows: int
) -> tuple[int, bool, pa.Table] | None:
    """The next chunk after ``lo``: its end, whether more wait, its rows."""
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
    that a shutdown (``Store.stop_reads``) never waits for the lake.  Pair
    facts (by settled time) go with their restatement (``restate.py``)."""
    if feed.rollup:
        return export_rollup(reader, lake, feed.table, now_ns=now_ns, settle_ns=settle_ns)
    if feed.by_time:
        return export_pair_facts(reader, lake, now_ns=now_ns, settle_ns=settle_ns)
    started = time.perf_counter()
    table = lake.table(feed.table)
    lo = watermark(table)
    rows = commits = 0
    while True:
        with reader() as cur:
            chunk = _chunk(cur, feed, lo, max_rows=max_rows)
        if chunk is None:
            break
        hi, more, found = chunk
        if found.num_rows:
            rows_in = conform(found, _SPECS[feed.table])
            append_rows(table, feed.table, rows_in, {WATERMARK: str(hi)})
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
