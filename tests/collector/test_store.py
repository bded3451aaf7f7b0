"""The store's writer: tasks, group commits and what one leaves for the next."""

from __future__ import annotations

import threading
from pathlib import Path

import pyarrow as pa
import pytest

from collector.cloudevents import decode_batch
from collector.otlp import decode_protobuf
from collector.schema import EVENT_SCHEMA, SPAN_SCHEMA
from collector.store import Store, StoreClosed
from collector.testing.wire import attempt_span, batch_body, cloudevent, request


def test_a_task_that_leaves_a_result_unread_does_not_break_the_next(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    try:
        store.run_task(lambda cur: cur.execute("SELECT * FROM range(10)").fetchone()).result()
        store.run_task(lambda cur: cur.register("x", pa.table({"a": [1]}))).result()
        events = decode_batch(batch_body(cloudevent("a")), received_ns=1)
        table = pa.Table.from_pydict(events.columns, schema=EVENT_SCHEMA)
        assert store.submit("events", table).result().stored == 1
        store.checkpoint().result()
        assert store.submit("events", table).result().duplicates == 1
    finally:
        store.close()


def test_readers_racing_close_get_a_clear_error(tmp_path: Path) -> None:
    store = Store(tmp_path / "r.duckdb")
    stop = threading.Event()
    errors: list[BaseException] = []

    def read() -> None:
        while not stop.is_set():
            try:
                with store.reader() as cur:
                    cur.execute("SELECT 1").fetchall()
            except StoreClosed:
                return
            except BaseException as exc:  # anything else is the bug this test guards
                errors.append(exc)
                return

    readers = [threading.Thread(target=read) for _ in range(4)]
    for thread in readers:
        thread.start()
    store.close()
    stop.set()
    for thread in readers:
        thread.join(timeout=10)
    assert errors == []
    with pytest.raises(StoreClosed), store.reader():
        pass


def test_repeats_inside_one_group_are_stored_once(tmp_path: Path) -> None:
    store = Store(tmp_path / "g.duckdb")
    try:
        events = decode_batch(
            batch_body(cloudevent("a"), cloudevent("b"), cloudevent("a")), received_ns=1
        )
        table = pa.Table.from_pydict(events.columns, schema=EVENT_SCHEMA)
        result = store.submit("events", table).result()
        assert (result.stored, result.duplicates, result.duplicate_rows) == (2, 1, (2,))
        fresh = decode_batch(batch_body(cloudevent("c"), cloudevent("d")), received_ns=1)
        fresh_table = pa.Table.from_pydict(fresh.columns, schema=EVENT_SCHEMA)
        assert store.submit("events", fresh_table).result().duplicates == 0
        with store.reader() as cur:
            assert cur.execute("SELECT count(*) FROM events").fetchall() == [(4,)]
    finally:
        store.close()


def test_a_span_id_reused_under_another_trace_is_not_a_repeat(tmp_path: Path) -> None:
    """The group's fast check looks at span ids alone first; a span id seen
    twice under two trace ids must still store both, a true repeat one."""
    span_id = bytes(range(8))
    spans = [
        attempt_span(trace_id=bytes([1] * 16), span_id=span_id, event_id="e-1"),
        attempt_span(trace_id=bytes([2] * 16), span_id=span_id, event_id="e-2"),
        attempt_span(trace_id=bytes([1] * 16), span_id=span_id, event_id="e-1"),
    ]
    batch = decode_protobuf(request(*spans).SerializeToString(), received_ns=1)
    table = pa.Table.from_pydict(batch.columns, schema=SPAN_SCHEMA)
    store = Store(tmp_path / "i.duckdb")
    try:
        result = store.submit("spans", table).result()
        assert (result.stored, result.duplicates, result.duplicate_rows) == (2, 1, (2,))
        with store.reader() as cur:
            assert cur.execute("SELECT count(DISTINCT trace_id) FROM spans").fetchall() == [(2,)]
    finally:
        store.close()
