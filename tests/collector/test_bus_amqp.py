"""CloudEvents from the machine's RabbitMQ into a live service."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from collector.testing.wire import cloudevent
from synclens.settings import AmqpSettings, IngestSettings, load_settings
from tests.collector.amqp_bus import URL, Queue, binary, require_rabbitmq, structured
from tests.collector.bus_checks import KILL9_EVENTS, events_of, survives_kill_9, wait_for
from tests.conftest import LiveServer, Service


@pytest.fixture(scope="module")
def queue() -> Iterator[Queue]:
    require_rabbitmq()
    made = Queue.fresh()
    yield made
    made.delete()


@pytest.fixture(scope="module")
def svc(queue: Queue, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    tmp = tmp_path_factory.mktemp("amqp")
    settings = load_settings(
        db=str(tmp / "synclens.duckdb"),
        ops_db=f"sqlite:///{tmp / 'ops.sqlite'}",
        ingest=IngestSettings(decode_workers=0),
    )
    amqp = AmqpSettings(url=SecretStr(URL), queue=queue.name, dead_letter_exchange=queue.dlx)
    with LiveServer(settings.model_copy(update={"amqp": amqp})) as service:
        yield service


def test_structured_and_binary_events_reach_lineage(queue: Queue, svc: Service) -> None:
    returned = cloudevent("amqp-1", sku="AMQP-1", source="returns/loop", type="return.received")
    returned["rma"] = "RMA-5"
    queue.publish(
        [
            structured(returned),
            binary(cloudevent("amqp-2", sku="AMQP-1", time="2026-11-20T08:16:00Z")),
            binary(cloudevent("amqp-3", sku="AMQP-1"), prefix="cloudEvents_"),  # JMS form
        ]
    )
    events = events_of(svc, "AMQP-1", 3)
    assert set(events) == {"amqp-1", "amqp-2", "amqp-3"}
    assert events["amqp-1"]["extensions"]["rma"] == "RMA-5"
    assert svc.metric("synclens_bus_messages_total", broker="rabbitmq", outcome="stored") >= 3


def test_a_poison_message_is_dead_lettered_with_its_reason(queue: Queue, svc: Service) -> None:
    queue.publish(
        [
            (b"\xff not json", {}, "application/cloudevents+json"),
            structured(cloudevent("amqp-after", sku="AMQP-2")),
        ]
    )
    assert set(events_of(svc, "AMQP-2", 1)) == {"amqp-after"}
    dead = wait_for(queue.dead_lettered)
    assert [body for body, _ in dead] == [b"\xff not json"]
    assert dead[0][1] == "body is not UTF-8 text: invalid start byte at byte 0"
    assert svc.metric("synclens_bus_messages_total", broker="rabbitmq", outcome="terminated") == 1


def test_a_repeated_event_is_a_duplicate_stored_once(queue: Queue, svc: Service) -> None:
    message = structured(cloudevent("amqp-dup", sku="AMQP-3"))
    queue.publish([message])
    events_of(svc, "AMQP-3", 1)
    queue.publish([message])
    assert wait_for(
        lambda: svc.metric("synclens_bus_messages_total", broker="rabbitmq", outcome="duplicate")
    )
    assert len(events_of(svc, "AMQP-3", 1)) == 1
    assert 'synclens_bus_consumer_lag{broker="rabbitmq"}' in svc.get("/metrics").text


@pytest.mark.slow
def test_kill_9_mid_stream_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_rabbitmq()
    own = Queue.fresh()
    try:
        own.publish(
            [structured(cloudevent(f"k9-{i:05d}", sku="AMQP-KILL9")) for i in range(KILL9_EVENTS)]
        )
        monkeypatch.setenv("SYNCLENS_AMQP__URL", URL)
        monkeypatch.setenv("SYNCLENS_AMQP__QUEUE", own.name)
        monkeypatch.setenv("SYNCLENS_AMQP__PREFETCH", "10")
        survives_kill_9(tmp_path, "AMQP-KILL9")
    finally:
        own.delete()
