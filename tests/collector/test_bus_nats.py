"""CloudEvents from the machine's NATS JetStream into a live service."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from collector.testing.wire import cloudevent
from synclens.settings import IngestSettings, LabelSettings, NatsSettings, load_settings
from tests.collector.bus_checks import KILL9_EVENTS, events_of, survives_kill_9, wait_for
from tests.collector.nats_bus import URL, Stream, binary, require_nats, structured
from tests.conftest import LiveServer, Service


@pytest.fixture(scope="module")
def stream() -> Iterator[Stream]:
    require_nats()
    made = Stream.fresh()
    yield made
    made.delete()


@pytest.fixture(scope="module")
def svc(stream: Stream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    tmp = tmp_path_factory.mktemp("nats")
    settings = load_settings(
        db=str(tmp / "synclens.duckdb"),
        ops_db=f"sqlite:///{tmp / 'ops.sqlite'}",
        ingest=IngestSettings(decode_workers=0),
        labels=LabelSettings(systems=("returns",)),  # /metrics names configured systems only
    )
    nats = NatsSettings(
        url=URL, stream=stream.name, subject=f"{stream.prefix}.>", durable=f"d{stream.prefix[5:]}"
    )
    with LiveServer(settings.model_copy(update={"nats": nats})) as service:
        yield service


def test_structured_and_binary_events_reach_lineage(stream: Stream, svc: Service) -> None:
    first = cloudevent("nats-1", sku="NATS-1", source="returns/loop", type="return.received")
    first["rma"] = "RMA-9"
    second = cloudevent("nats-2", sku="NATS-1", time="2026-11-20T08:16:00Z")
    stream.publish([structured(first), binary(second)])
    events = events_of(svc, "NATS-1", 2)
    assert set(events) == {"nats-1", "nats-2"}
    assert events["nats-1"]["extensions"]["rma"] == "RMA-9"
    assert events["nats-2"]["quantity"] == -6.0
    assert svc.metric("synclens_bus_messages_total", broker="nats", outcome="stored") >= 2
    assert svc.metric("synclens_events_received_total", source_system="returns") >= 1


def test_a_poison_message_is_terminated_and_blocks_nothing(stream: Stream, svc: Service) -> None:
    no_instance = cloudevent("nats-bad", sku="NATS-2", source="erp")
    stream.publish(
        [
            (b"\xff not json", None),
            structured(no_instance),
            structured(cloudevent("nats-after", sku="NATS-2")),
        ]
    )
    assert set(events_of(svc, "NATS-2", 1)) == {"nats-after"}
    assert wait_for(
        lambda: svc.metric("synclens_bus_messages_total", broker="nats", outcome="terminated") >= 2
    )
    assert svc.metric("synclens_events_rejected_total", reason="bad_source") >= 1
    assert svc.metric("synclens_events_rejected_total", reason="not_cloudevent") >= 1


def test_a_repeated_event_is_a_duplicate_stored_once(stream: Stream, svc: Service) -> None:
    event = structured(cloudevent("nats-dup", sku="NATS-3"))
    stream.publish([event])
    events_of(svc, "NATS-3", 1)
    stream.publish([event])
    assert wait_for(lambda: svc.metric("synclens_events_duplicate_total", source_system="wms") >= 1)
    assert len(events_of(svc, "NATS-3", 1)) == 1
    assert svc.metric("synclens_bus_messages_total", broker="nats", outcome="duplicate") >= 1
    assert wait_for(lambda: "synclens_bus_consumer_lag" in svc.get("/metrics").text)


@pytest.mark.slow
def test_kill_9_mid_stream_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``kill -9`` of ``synclens serve`` while it consumes: after a restart every
    event is stored exactly once; what was committed but not acknowledged comes
    back and is counted as a duplicate."""
    require_nats()
    own = Stream.fresh()
    try:
        own.publish(
            [structured(cloudevent(f"k9-{i:05d}", sku="NATS-KILL9")) for i in range(KILL9_EVENTS)]
        )
        for key, value in {
            "URL": URL,
            "STREAM": own.name,
            "SUBJECT": f"{own.prefix}.>",
            "DURABLE": "killed",
            "BATCH": "10",
            "ACK_WAIT_S": "2",  # what the killed process held comes back after it
        }.items():
            monkeypatch.setenv(f"SYNCLENS_NATS__{key}", value)
        survives_kill_9(tmp_path, "NATS-KILL9")
    finally:
        own.delete()
