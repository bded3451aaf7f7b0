"""Retention deletes only what is past it, through the store's writer."""

from __future__ import annotations

import pyarrow as pa

from collector.cloudevents import decode_batch
from collector.locations import LocationMap
from collector.otlp import decode_protobuf
from collector.routing import RouteTable
from collector.schema import EVENT_SCHEMA, SPAN_SCHEMA
from collector.store import Store
from collector.testing.wire import NS, T0, attempt_span, batch_body, cloudevent, request
from metrics.facts import Derivation, Refresher
from synclens.scheduler import apply_retention
from synclens.settings import DEFAULT_ROUTES, RetentionSettings

DAY = 86_400 * NS


def test_retention_deletes_only_old_rows(store: Store) -> None:
    from collector.timefmt import iso

    events = decode_batch(
        batch_body(cloudevent("old", time=iso(T0)), cloudevent("new", time=iso(T0 + 40 * DAY))),
        received_ns=T0,
    )
    spans = decode_protobuf(
        request(
            attempt_span(event_id="old", start_ns=T0),
            attempt_span(event_id="new", start_ns=T0 + 40 * DAY),
        ).SerializeToString(),
        received_ns=T0,
    )
    store.submit("events", pa.Table.from_pydict(events.columns, schema=EVENT_SCHEMA)).result()
    store.submit("spans", pa.Table.from_pydict(spans.columns, schema=SPAN_SCHEMA)).result()
    facts = Refresher(store, Derivation(RouteTable(DEFAULT_ROUTES), LocationMap()))
    facts()
    result = apply_retention(
        store, facts, RetentionSettings(spans_days=30, events_days=30), now_ns=T0 + 45 * DAY
    )
    # the old event, its span, its two pairs (erp, commerce) and the open commerce pair
    assert result == 5
    with store.reader() as cur:
        assert cur.execute("SELECT id FROM events").fetchall() == [("new",)]
        assert cur.execute("SELECT event_id FROM spans").fetchall() == [("new",)]
        assert cur.execute("SELECT DISTINCT id FROM pair_facts").fetchall() == [("new",)]


def test_retention_keeps_rows_the_lake_does_not_hold_yet(store: Store) -> None:
    from collector.timefmt import iso

    for event_id in ("first", "second"):  # two group commits
        events = decode_batch(batch_body(cloudevent(event_id, time=iso(T0))), received_ns=T0)
        store.submit("events", pa.Table.from_pydict(events.columns, schema=EVENT_SCHEMA)).result()
    with store.reader() as cur:
        first = cur.execute("SELECT seq FROM events WHERE id = 'first'").fetchone()
    assert first is not None
    facts = Refresher(store, Derivation(RouteTable(DEFAULT_ROUTES), LocationMap()))
    settings = RetentionSettings(spans_days=30, events_days=30)
    apply_retention(store, facts, settings, now_ns=T0 + 45 * DAY, upto_seq=first[0])
    with store.reader() as cur:
        assert cur.execute("SELECT id FROM events").fetchall() == [("second",)]
