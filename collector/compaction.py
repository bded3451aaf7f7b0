"""SKU clustering: settled rows rewritten in SKU order.

Rows arrive in time order, so without help one SKU's events and attempts
are spread over every row group of the tables, and a lookup reads them all.
Compaction takes the rows of the group commits since the last compaction,
once there are at least ``min_rows`` of them (at most about ``max_rows`` at
a time), and rewrites them in one transaction sorted by ``lkey``
(= ``hash(sku)``; an attempt without a SKU takes its event's).  Each such
*block* then holds a SKU in one row group or two, and DuckDB's per-row-group
minimum and maximum of ``lkey`` let a lookup skip the rest: the cost of a
SKU lookup is a row group per block plus the uncompacted tail, whatever the
number of rows.  Blocks keep their group commits' ``seq`` and time range,
so scans by ``seq`` (derived facts) and by time still skip whole blocks.

Rows are never changed after they are written, so a rewrite is a pure
reordering: the rows, their ``seq`` and every value stay the same.  It runs
on a cursor of its own beside the writer (``Store.beside``); DuckDB lets
new rows be appended while older ones are rewritten.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass

import duckdb

from collector.queries import sql
from collector.store import Store, StoreClosed

__all__ = ["Compacted", "compact", "compact_due", "plan"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Compacted:
    """One block rewritten: group commits ``(after_seq, upto_seq]``."""

    after_seq: int
    upto_seq: int
    spans: int
    events: int
    seconds: float


def plan(
    cur: duckdb.DuckDBPyConnection, *, min_rows: int, max_rows: int, until_seq: int | None = None
) -> tuple[int, int] | None:
    """The next block ``(after_seq, upto_seq)``, or None while fewer than
    ``min_rows`` rows wait (of group commits up to ``until_seq``, when given).
    A block ends at the first group commit that brings it to ``max_rows``
    (whole commits: it may be a little larger)."""
    row = cur.execute(sql("compaction_state")).fetchone()
    after = int(row[0]) if row else 0
    backlog = cur.execute(sql("compaction_backlog"), {"upto": after}).fetchall()
    if until_seq is not None:
        backlog = [(seq, n) for seq, n in backlog if seq <= until_seq]
    if sum(int(n) for _, n in backlog) < min_rows:
        return None
    total = 0
    for seq, n in backlog:
        total += int(n)
        if total >= max_rows:
            return after, int(seq)
    return after, int(backlog[-1][0])


def compact(
    cur: duckdb.DuckDBPyConnection, *, min_rows: int, max_rows: int, until_seq: int | None = None
) -> Compacted | None:
    """Rewrite the next block in lkey order, if one is due; one transaction."""
    block = plan(cur, min_rows=min_rows, max_rows=max_rows, until_seq=until_seq)
    if block is None:
        return None
    after, upto = block
    started = time.perf_counter()
    params = {"lo": after, "hi": upto}
    counts: dict[str, int] = {}
    cur.begin()
    try:
        for table in ("spans", "events"):
            cur.execute(sql(f"compact_{table}_sorted"), params)
            deleted = cur.execute(sql(f"compact_{table}_delete"), params).fetchone()
            inserted = cur.execute(sql(f"compact_{table}_insert")).fetchone()
            counts[table] = int(inserted[0]) if inserted else 0
            if deleted is None or int(deleted[0]) != counts[table]:  # cannot happen: say so
                raise RuntimeError(f"compaction of {table} would change the row count")
        cur.execute(sql("compaction_state_set"), {"seq": upto})
        cur.commit()
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            cur.rollback()
        raise
    finally:
        with contextlib.suppress(duckdb.Error):
            cur.execute(sql("compact_drop"))
    done = Compacted(after, upto, counts["spans"], counts["events"], time.perf_counter() - started)
    log.info(
        "compaction: group commits %d..%d rewritten in SKU order (%d spans, %d events) in %.2f s",
        after + 1,
        upto,
        done.spans,
        done.events,
        done.seconds,
    )
    return done


def compact_due(store: Store, *, min_rows: int, max_rows: int) -> int:
    """Compact every block that is due now, beside the store's writer;
    returns the number of blocks.  Commits that arrive meanwhile wait for the
    next run (under steady ingest there would always be more).  A conflict
    with a concurrent delete (retention) rolls the block back; it is tried
    again next time, as is a block interrupted by shutdown
    (``Store.stop_reads``)."""
    blocks = 0
    try:
        until = store.beside(lambda cur: _last_seq(cur))
        while True:
            done = store.beside(
                lambda cur: compact(cur, min_rows=min_rows, max_rows=max_rows, until_seq=until)
            )
            if done is None:
                return blocks
            blocks += 1
    except duckdb.TransactionException as exc:
        log.warning("compaction rolled back, will retry: %s", exc)
    except (duckdb.InterruptException, StoreClosed):
        log.info("compaction stopped for shutdown; the block is rewritten after the next start")
    return blocks


def _last_seq(cur: duckdb.DuckDBPyConnection) -> int:
    row = cur.execute(sql("last_seq")).fetchone()
    return int(row[0]) if row else 0
