"""SKU clustering: compaction reorders rows and changes nothing else."""

from __future__ import annotations

import random
import threading
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from collector.cloudevents import decode_batch
from collector.compaction import compact, compact_due, plan
from collector.lineage import LineageQuery, order_lineage, sku_lineage
from collector.locations import LocationMap
from collector.otlp import decode_protobuf
from collector.routing import RouteTable
from collector.schema import EVENT_SCHEMA, SPAN_SCHEMA
from collector.store import Store, StoreClosed
from collector.testing.wire import NS, T0, attempt_span, batch_body, cloudevent, request
from collector.timefmt import iso
from synclens.settings import load_settings

SKUS = [f"SKU-{i:03d}" for i in range(40)]
NOW = T0 + 10_000 * NS


def _spans(*spans: Any) -> pa.Table:
    batch = decode_protobuf(request(*spans).SerializeToString(), received_ns=T0)
    assert not batch.rejected, batch.errors
    return pa.Table.from_pydict(batch.columns, schema=SPAN_SCHEMA)


def _events(*events: dict[str, Any]) -> pa.Table:
    batch = decode_batch(batch_body(*events), received_ns=T0, allowed_systems=None)
    assert not batch.rejected, batch.rejected
    return pa.Table.from_pydict(batch.columns, schema=EVENT_SCHEMA)


def _fill(store: Store, commits: int, *, seed: int = 7) -> None:
    """Commits of events and their attempts, in every awkward combination:
    attempts with and without SKU, with an order, before their event, and
    attempts whose event never comes."""
    rnd = random.Random(seed)
    n = 0
    for c in range(commits):
        events, spans = [], []
        for _ in range(25):
            n += 1
            sku = rnd.choice(SKUS)
            order = f"SO-{n % 17}" if n % 3 == 0 else None
            t = T0 + n * NS
            if n % 11 != 0:  # one event in eleven never arrives: its attempts are orphans
                events.append(cloudevent(f"e{n}", sku=sku, time=iso(t), order_id=order))
            for attempt in (1, 2):
                spans.append(
                    attempt_span(
                        event_id=f"e{n}",
                        sku=None if (n + attempt) % 4 == 0 else sku,
                        order_id=order if (n + attempt) % 4 else None,
                        attempt=attempt,
                        start_ns=t + attempt * NS,
                        error="timeout" if attempt == 1 and n % 5 == 0 else None,
                    )
                )
        # spans of odd commits land before their events (a commit earlier)
        first, second = (_spans(*spans), _events(*events))
        if c % 2:
            store.submit("spans", first).result()
            store.submit("events", second).result()
        else:
            store.submit("events", second).result()
            store.submit("spans", first).result()


def _rows(store: Store, table: str) -> list[tuple[Any, ...]]:
    with store.reader() as cur:
        cols = SPAN_SCHEMA.names if table == "spans" else EVENT_SCHEMA.names
        return sorted(
            cur.execute(f"SELECT {', '.join(cols)}, seq FROM {table}").fetchall(), key=repr
        )


def _lineages(store: Store) -> list[dict[str, Any]]:
    routes = RouteTable(load_settings().routes)
    with store.reader() as cur:
        out = [
            sku_lineage(cur, sku, routes=routes, locations=LocationMap(), now_ns=NOW)
            for sku in SKUS
        ]
        out += [
            order_lineage(cur, f"SO-{i}", routes=routes, locations=LocationMap(), now_ns=NOW)
            for i in range(17)
        ]
        out.append(
            sku_lineage(
                cur,
                SKUS[3],
                location="DC-WEST/R-12-04",
                routes=routes,
                locations=LocationMap(),
                now_ns=NOW,
            )
        )
        # a short page: the newest events come from the blocks after its horizon
        short = LineageQuery(limit=3)
        out += [
            sku_lineage(cur, sku, query=short, routes=routes, locations=LocationMap(), now_ns=NOW)
            for sku in SKUS
        ]
        out += [
            order_lineage(
                cur, f"SO-{i}", query=short, routes=routes, locations=LocationMap(), now_ns=NOW
            )
            for i in range(17)
        ]
    return out


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = Store(tmp_path / "c.duckdb")
    yield s
    s.close()


def test_compaction_keeps_every_row_and_every_lineage(store: Store) -> None:
    _fill(store, 12)
    spans, events, lineages = _rows(store, "spans"), _rows(store, "events"), _lineages(store)
    assert sum(len(lin["orphan_attempts"]) for lin in lineages) > 0
    assert sum(len(lin["events"]) for lin in lineages) > 0

    assert compact_due(store, min_rows=100, max_rows=250) >= 3

    assert _rows(store, "spans") == spans
    assert _rows(store, "events") == events
    assert _lineages(store) == lineages
    with store.reader() as cur:
        assert plan(cur, min_rows=100, max_rows=250) is None  # the rest waits for more
    assert compact_due(store, min_rows=1, max_rows=250) == 1
    assert _lineages(store) == lineages
    with store.reader() as cur:
        assert plan(cur, min_rows=1, max_rows=250) is None
        # attempts without a SKU took their event's key; only orphans have none
        missing = cur.execute(
            "SELECT count(*) FROM spans s WHERE lkey IS NULL AND EXISTS "
            "(SELECT 1 FROM events e WHERE e.source = s.event_source AND e.id = s.event_id)"
        ).fetchone()
        assert missing == (0,)
        keyed = cur.execute(
            "SELECT count(*) FROM spans s JOIN events e "
            "ON e.source = s.event_source AND e.id = s.event_id "
            "WHERE s.sku IS NULL AND s.lkey = hash(e.sku)"
        ).fetchone()
        assert keyed is not None and keyed[0] > 0


def test_blocks_are_sorted_by_sku_key_and_keep_their_commits(store: Store) -> None:
    _fill(store, 8)
    with store.reader() as cur:
        done = compact(cur, min_rows=1, max_rows=200)
        assert done is not None and done.after_seq == 0 and done.spans > 0 and done.events > 0
        upto = done.upto_seq
        assert cur.execute("SELECT upto_seq FROM compaction_state").fetchone() == (upto,)
        # physical order (rowid) inside the block is lkey order
        keys = [
            r[0]
            for r in cur.execute(
                "SELECT lkey FROM events WHERE seq <= ? ORDER BY rowid", [upto]
            ).fetchall()
        ]
        assert keys == sorted(keys)
        # the next block starts where this one ended
        nxt = plan(cur, min_rows=1, max_rows=200)
        assert nxt is not None and nxt[0] == upto


def test_plan_waits_for_min_rows(store: Store) -> None:
    _fill(store, 2)  # 2 commits of 25 events + 50 spans each, in 4 group commits
    with store.reader() as cur:
        assert plan(cur, min_rows=10_000, max_rows=20_000) is None
        assert plan(cur, min_rows=1, max_rows=10**9) == (0, 4)
        assert plan(cur, min_rows=1, max_rows=1) == (0, 1)


def test_late_event_finds_attempts_compacted_before_it(store: Store) -> None:
    store.submit(
        "spans", _spans(attempt_span(event_id="late", sku=None, start_ns=T0 + NS))
    ).result()
    assert compact_due(store, min_rows=1, max_rows=10) == 1
    store.submit("events", _events(cloudevent("late", sku="LATE-1", time=iso(T0)))).result()
    routes = RouteTable(load_settings().routes)
    with store.reader() as cur:
        [event] = sku_lineage(cur, "LATE-1", routes=routes, locations=LocationMap(), now_ns=NOW)[
            "events"
        ]
    assert event["attempts_seen"] is True


def test_ingest_goes_on_while_a_block_is_rewritten(store: Store) -> None:
    _fill(store, 10)
    before = len(_rows(store, "spans"))
    stop = threading.Event()
    written: list[int] = []

    def ingest() -> None:
        i = 0
        while not stop.is_set():
            i += 1
            span = attempt_span(event_id=f"live-{i}", sku="LIVE", start_ns=NOW + i * NS)
            written.append(store.submit("spans", _spans(span)).result().stored)

    thread = threading.Thread(target=ingest)
    thread.start()
    try:
        assert compact_due(store, min_rows=1, max_rows=300) >= 2
    finally:
        stop.set()
        thread.join()
    assert sum(written) == len(written) > 0
    assert len(_rows(store, "spans")) == before + len(written)


def test_checkpoint_waits_while_rows_are_rewritten(store: Store) -> None:
    inside = store.beside(lambda cur: store.checkpoint().result())
    assert inside is False
    assert store.checkpoint().result() is True


def _bulk_spans(first: int, n: int) -> pa.Table:
    """``n`` plain attempt rows built as Arrow columns (fast enough for the
    hundreds of thousands of rows that fill whole row groups)."""
    ids = range(first, first + n)
    cols: dict[str, Any] = {
        name: pa.nulls(n, field.type)
        for name, field in zip(SPAN_SCHEMA.names, SPAN_SCHEMA, strict=True)
    }
    cols |= {
        "trace_id": pa.array([f"{i:032x}" for i in ids]),
        "span_id": pa.array([f"{i:016x}" for i in ids]),
        "start_ns": pa.array([T0 + i * 1000 for i in ids], pa.int64()),
        "end_ns": pa.array([T0 + i * 1000 + 500 for i in ids], pa.int64()),
        "event_id": pa.array([f"e{i // 3}" for i in ids]),
        "event_source": pa.array(["wms/dc-east"] * n),
        "sku": pa.array([SKUS[i % len(SKUS)] for i in ids]),
        "target": pa.array(["erp"] * n),
        "attempt": pa.array([1] * n, pa.int64()),
        "replay": pa.array([False] * n),
        "dead_lettered": pa.array([False] * n),
        "duplicate": pa.array([False] * n),
        "received_ns": pa.array([T0] * n, pa.int64()),
    }
    return pa.table(cols, schema=SPAN_SCHEMA)


def test_checkpoint_after_compaction_folds_the_log_and_drops_the_old_rows(
    tmp_path: Path,
) -> None:
    # Nothing may hold a transaction open for the store's life: it would keep
    # the rewritten rows' old copies alive and make every later checkpoint
    # fail ("other write transactions active"), so the log would only grow.
    path = tmp_path / "c.duckdb"
    store = Store(path, checkpoint_threshold="4MB")
    try:
        for c in range(30):  # 300,000 spans: row groups fill and get checkpointed
            store.submit("spans", _bulk_spans(c * 10_000, 10_000)).result()
        assert compact_due(store, min_rows=250_000, max_rows=250_000) == 1
        assert store.checkpoint().result() is True
        assert not Path(f"{path}.wal").exists() or Path(f"{path}.wal").stat().st_size == 0
        with store.reader() as cur:
            live = cur.execute("SELECT count(*) FROM spans").fetchall()[0][0]
            kept = cur.execute(
                "SELECT sum(count) FROM pragma_storage_info('spans') "
                "WHERE column_id = 0 AND segment_type <> 'VALIDITY'"
            ).fetchall()[0][0]
        assert live == 300_000
        # the rewritten block's old row groups are gone; at most the one it
        # shared with the rows after it still holds deleted rows
        assert kept - live < 122_880, f"{kept} rows on disk for {live} live ones"
    finally:
        store.close()


def test_shutdown_interrupts_a_block_being_rewritten_and_it_is_redone(tmp_path: Path) -> None:
    path = tmp_path / "c.duckdb"
    store = Store(path)
    for c in range(30):
        store.submit("spans", _bulk_spans(c * 10_000, 10_000)).result()
    started, outcome = threading.Event(), []

    def rewrite(cur: Any) -> Any:
        started.set()
        return compact(cur, min_rows=250_000, max_rows=300_000)

    def run() -> None:
        try:
            outcome.append(store.beside(rewrite))
        except duckdb.InterruptException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    assert started.wait(10)
    assert store.stop_reads() == 1
    thread.join()
    assert isinstance(outcome[0], duckdb.InterruptException)
    with pytest.raises(StoreClosed):
        store.beside(lambda cur: None)
    assert compact_due(store, min_rows=1, max_rows=300_000) == 0  # refused, quietly
    store.submit("spans", _bulk_spans(300_000, 10)).result()  # writes go on
    store.close()

    again = Store(path)
    try:
        with again.reader() as cur:
            assert cur.execute("SELECT count(*) FROM spans").fetchall()[0][0] == 300_010
        assert compact_due(again, min_rows=250_000, max_rows=300_000) == 1
    finally:
        again.close()
