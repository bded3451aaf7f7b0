"""Lineage and trace views against a live server: every awkward arrival order."""

from __future__ import annotations

import json
import os
from typing import Any

from opentelemetry.proto.trace.v1.trace_pb2 import Span

from collector.testing.wire import (
    BATCH,
    NS,
    PROTOBUF,
    T0,
    attempt_span,
    batch_body,
    cloudevent,
    kv,
    request,
)
from collector.timefmt import iso
from tests.conftest import Service


def _send_spans(svc: Service, *spans: Span) -> None:
    assert (
        svc.post(
            "/v1/traces", content=request(*spans).SerializeToString(), headers=PROTOBUF
        ).status_code
        == 200
    )


def _send_events(svc: Service, *events: dict[str, Any]) -> None:
    resp = svc.post("/v1/events", content=batch_body(*events), headers=BATCH)
    assert resp.status_code == 200 and not resp.json()["rejected"], resp.text


def _lineage(svc: Service, **params: Any) -> dict[str, Any]:
    resp = svc.get("/api/v1/lineage", params=params)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def test_spans_before_event_event_without_spans_and_span_without_event(service: Service) -> None:
    _send_spans(service, attempt_span(event_id="early", sku="MIX", start_ns=T0 + NS))
    _send_events(
        service,
        cloudevent("early", sku="MIX", time=iso(T0)),
        cloudevent("silent", sku="MIX", time=iso(T0 + 2 * NS)),
    )
    _send_spans(service, attempt_span(event_id="never-sent", sku="MIX", start_ns=T0 + 3 * NS))

    lineage = _lineage(service, sku="MIX")
    early, silent = lineage["events"]
    erp = {t["target"]: t for t in early["targets"]}["erp"]
    assert erp["attempts"][0]["before_event"] is True
    assert early["attempts_seen"] is True
    assert silent["attempts_seen"] is False
    # an adjustment routes to erp + commerce; nothing arrived and the deadline passed long ago
    assert [(t["target"], t["state"]) for t in silent["targets"]] == [
        ("erp", "undelivered"),
        ("commerce", "undelivered"),
    ]
    [orphan] = lineage["orphan_attempts"]
    assert orphan["event_id"] == "never-sent" and orphan["event_missing"] is True


def test_retry_dead_letter_replay_and_double_apply(service: Service) -> None:
    _send_events(
        service,
        cloudevent("dl", sku="FLOW", time=iso(T0)),
        cloudevent("twice", sku="FLOW", time=iso(T0 + NS)),
    )
    _send_spans(
        service,
        attempt_span(event_id="dl", sku="FLOW", attempt=1, start_ns=T0 + NS, error="timeout"),
        attempt_span(
            event_id="dl",
            sku="FLOW",
            attempt=2,
            start_ns=T0 + 3 * NS,
            error="timeout",
            dead_lettered=True,
        ),
        attempt_span(event_id="dl", sku="FLOW", attempt=3, start_ns=T0 + 60 * NS, replay=True),
        attempt_span(
            event_id="dl", sku="FLOW", target="commerce", start_ns=T0 + NS, dead_lettered=True
        ),
        attempt_span(event_id="twice", sku="FLOW", start_ns=T0 + 2 * NS),
        attempt_span(event_id="twice", sku="FLOW", start_ns=T0 + 4 * NS),
        attempt_span(event_id="twice", sku="FLOW", target="commerce", start_ns=T0 + 2 * NS),
        attempt_span(
            event_id="twice", sku="FLOW", target="commerce", start_ns=T0 + 4 * NS, duplicate=True
        ),
    )
    dl, twice = _lineage(service, sku="FLOW")["events"]
    dl_targets = {t["target"]: t for t in dl["targets"]}
    assert dl_targets["erp"]["state"] == "applied"
    assert dl_targets["erp"]["first_pass"] is False
    assert dl_targets["erp"]["latency_s"] == 61.0
    assert [a["replay"] for a in dl_targets["erp"]["attempts"]] == [False, False, True]
    assert dl_targets["commerce"]["state"] == "dead_lettered"
    tw = {t["target"]: t for t in twice["targets"]}
    assert tw["erp"]["double_apply"] is True and tw["erp"]["first_pass"] is True
    assert tw["commerce"]["double_apply"] is False


def test_location_window_and_limit(service: Service) -> None:
    _send_events(
        service,
        *(
            cloudevent(
                f"w-{i}", sku="WIN", time=iso(T0 + i * NS), location="DC-A/1" if i % 2 else "DC-B/1"
            )
            for i in range(10)
        ),
    )
    assert [e["id"] for e in _lineage(service, sku="WIN", location="DC-A/1")["events"]] == [
        "w-1",
        "w-3",
        "w-5",
        "w-7",
        "w-9",
    ]
    window = _lineage(service, sku="WIN", since=iso(T0 + 2 * NS), until=iso(T0 + 5 * NS))
    assert [e["id"] for e in window["events"]] == ["w-2", "w-3", "w-4"]
    newest = _lineage(service, sku="WIN", limit=3)
    assert [e["id"] for e in newest["events"]] == ["w-7", "w-8", "w-9"] and newest[
        "truncated"
    ] is True
    assert (
        service.get("/api/v1/lineage", params={"sku": "WIN", "since": "yesterday"}).status_code
        == 422
    )
    assert service.get("/api/v1/lineage").status_code == 422


def test_order_lineage(service: Service) -> None:
    _send_events(
        service,
        cloudevent(
            "r-1",
            type="inventory.reserved",
            source="commerce/shopify",
            sku="A",
            order_id="SO-1",
            stock_status="allocated",
            time=iso(T0),
        ),
        cloudevent("s-1", type="shipment.confirmed", sku="B", order_id="SO-1", time=iso(T0 + NS)),
        cloudevent("other", sku="A", order_id="SO-2", time=iso(T0)),
    )
    _send_spans(
        service,
        attempt_span(
            event_id="r-1",
            source="commerce/shopify",
            sku="A",
            target="wms",
            order_id="SO-1",
            start_ns=T0 + NS,
        ),
    )
    lineage = service.get("/api/v1/orders/SO-1/lineage").json()
    assert [e["id"] for e in lineage["events"]] == ["r-1", "s-1"]
    reserved = lineage["events"][0]["targets"]
    assert [(t["target"], t["state"]) for t in reserved] == [("wms", "applied")]


def test_unlabelled_attempts_join_their_event(service: Service) -> None:
    _send_events(service, cloudevent("bare", sku="BARE", time=iso(T0)))
    _send_spans(service, attempt_span(event_id="bare", sku=None, start_ns=T0 + NS))
    [event] = _lineage(service, sku="BARE")["events"]
    assert {t["target"]: t["state"] for t in event["targets"]}["erp"] == "applied"


def test_trace_view_follows_links_both_ways(service: Service) -> None:
    producer_trace, consumer_trace = os.urandom(16), os.urandom(16)
    producer = Span(
        trace_id=producer_trace,
        span_id=os.urandom(8),
        name="publish",
        kind=Span.SPAN_KIND_PRODUCER,
        start_time_unix_nano=T0,
        end_time_unix_nano=T0 + NS,
        attributes=[kv("messaging.system", "rabbitmq")],
    )
    child = Span(
        trace_id=producer_trace,
        span_id=os.urandom(8),
        parent_span_id=producer.span_id,
        name="serialize",
        start_time_unix_nano=T0,
        end_time_unix_nano=T0 + 1000,
    )
    consumer = attempt_span(trace_id=consumer_trace, event_id="linked", start_ns=T0 + 2 * NS)
    consumer.links.add(trace_id=producer_trace, span_id=producer.span_id)
    _send_spans(service, producer, child, consumer)

    view = service.get(f"/api/v1/traces/{consumer_trace.hex().upper()}").json()
    assert view["trace_id"] == consumer_trace.hex()
    assert [lt["trace_id"] for lt in view["linked_traces"]] == [producer_trace.hex()]
    [root] = view["linked_traces"][0]["roots"]
    assert root["name"] == "publish" and [c["name"] for c in root["children"]] == ["serialize"]
    assert root["attributes"] == {"messaging.system": "rabbitmq"}

    back = service.get(f"/api/v1/traces/{producer_trace.hex()}").json()
    assert [lt["trace_id"] for lt in back["linked_traces"]] == [consumer_trace.hex()]
    [c_root] = back["linked_traces"][0]["roots"]
    assert json.dumps(c_root["links"][0]["span_id"]).strip('"') == producer.span_id.hex()
    assert service.get(f"/api/v1/traces/{'0' * 31}1").status_code == 404
    assert service.get("/api/v1/traces/xyz").status_code == 422
