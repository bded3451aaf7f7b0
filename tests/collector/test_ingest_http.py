"""Ingest over real HTTP: OTLP/HTTP and CloudEvents against a live server."""

from __future__ import annotations

import gzip
import json
import threading
import time
from typing import Any

import httpx
import pytest
from google.protobuf.message import DecodeError
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

from collector.testing.wire import (
    BATCH,
    JSON,
    NS,
    PROTOBUF,
    STRUCTURED,
    T0,
    attempt_span,
    batch_body,
    cloudevent,
    kv,
    otlp_json,
    request,
)
from collector.timefmt import iso
from synclens.settings import AuthSettings, IngestSettings, Token
from tests.collector.otlp.test_limits import BUDGET_REASON, amplifying_request
from tests.conftest import Service

try:  # the google.rpc.Status message, as the service encodes it
    from google.rpc.status_pb2 import Status as RpcStatus
except ImportError:  # pragma: no cover
    RpcStatus = None  # type: ignore[assignment,misc]


@pytest.fixture(params=["on", "off"], ids=["native-decoder", "python-decoder"])
def decoder(request: pytest.FixtureRequest) -> str:
    """Every test of this module runs under both OTLP protobuf decoders."""
    return str(request.param)


@pytest.fixture
def make_service(make_service: Any, decoder: str) -> Any:
    def make(**overrides: Any) -> Any:
        ingest = overrides.pop("ingest", IngestSettings(decode_workers=0))
        overrides["ingest"] = ingest.model_copy(update={"native_decoder": decoder})
        return make_service(**overrides)

    return make


def _metric(svc: Service, name: str, **labels: str) -> float:
    return svc.metric(name, **labels)


def _lineage(svc: Service, sku: str = "BOLT-M8", **params: str) -> dict[str, Any]:
    resp = svc.get("/api/v1/lineage", params={"sku": sku, **params})
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


# -- the real OpenTelemetry SDK exporter ------------------------------------------


def test_sdk_exporter_spans_join_their_event_with_exact_latency(service: Service) -> None:
    event_time = T0
    post = service.post(
        "/v1/events",
        content=json.dumps(cloudevent("adj-000183", time=iso(event_time))),
        headers=STRUCTURED,
    )
    assert post.status_code == 200, post.text
    assert post.json() == {"accepted": 1, "duplicates": 0, "rejected": []}

    exporter = OTLPSpanExporter(endpoint=f"{service.url}/v1/traces", timeout=10)
    provider = TracerProvider(resource=Resource.create({"service.name": "middleware"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("tests")
    common = {
        "inventory.event_id": "adj-000183",
        "inventory.event_source": "wms/dc-west",
        "inventory.sku": "BOLT-M8",
        "inventory.location": "DC-WEST/R-12-04",
    }
    first = tracer.start_span(
        "deliver erp",
        kind=SpanKind.CLIENT,
        start_time=event_time + 2 * NS,
        attributes={**common, "sync.target": "erp", "sync.attempt": 1, "error.type": "timeout"},
    )
    first.set_status(Status(StatusCode.ERROR, "timeout"))
    first.end(end_time=event_time + 5 * NS)
    second = tracer.start_span(
        "deliver erp",
        kind=SpanKind.CLIENT,
        start_time=event_time + 10 * NS,
        attributes={**common, "sync.target": "erp", "sync.attempt": 2},
    )
    second.end(end_time=event_time + 12_500_000_000)
    commerce = tracer.start_span(
        "deliver commerce",
        start_time=event_time + NS,
        attributes={**common, "sync.target": "commerce", "sync.attempt": 1},
    )
    commerce.end(end_time=event_time + 3 * NS)
    provider.shutdown()

    lineage = _lineage(service)
    [event] = lineage["events"]
    assert event["id"] == "adj-000183" and event["time"] == iso(event_time)
    targets = {t["target"]: t for t in event["targets"]}
    erp = targets["erp"]
    assert [a["attempt"] for a in erp["attempts"]] == [1, 2]
    assert [a["outcome"] for a in erp["attempts"]] == ["failure", "success"]
    assert erp["attempts"][0]["error_type"] == "timeout"
    assert erp["latency_s"] == 12.5
    assert erp["applied_at"] == iso(event_time + 12_500_000_000)
    assert erp["first_pass"] is False and erp["state"] == "applied"
    assert targets["commerce"]["latency_s"] == 3.0 and targets["commerce"]["first_pass"] is True
    trace_id = erp["attempts"][0]["trace_id"]
    assert len(trace_id) == 32
    assert service.get(f"/api/v1/traces/{trace_id}").status_code == 200
    assert _metric(service, "synclens_spans_received_total") == 3


# -- OTLP/HTTP details -------------------------------------------------------------


def test_otlp_json_with_upper_case_hex_ids_and_string_int64(service: Service) -> None:
    trace_id = "5B8EFFF798038103D269B633813FC60C"
    body = {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "mw"}}]
                },
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": trace_id,
                                "spanId": "EEE19B7EC3C1B174",
                                "name": "deliver wms",
                                "kind": 3,
                                "startTimeUnixNano": str(T0),
                                "endTimeUnixNano": str(T0 + 7 * NS),
                                "status": {"code": 1},
                                "someFutureField": {"x": 1},
                                "attributes": [
                                    {
                                        "key": "inventory.event_id",
                                        "value": {"stringValue": "e-json"},
                                    },
                                    {
                                        "key": "inventory.event_source",
                                        "value": {"stringValue": "commerce/shopify"},
                                    },
                                    {"key": "inventory.sku", "value": {"stringValue": "JSON-SKU"}},
                                    {"key": "sync.target", "value": {"stringValue": "wms"}},
                                    {"key": "sync.attempt", "value": {"intValue": "1"}},
                                ],
                            }
                        ]
                    }
                ],
            }
        ]
    }
    resp = service.post("/v1/traces", content=json.dumps(body), headers=JSON)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    assert resp.json() in ({}, {"partialSuccess": {}})
    orphan = _lineage(service, "JSON-SKU")["orphan_attempts"]
    assert orphan[0]["event_missing"] is True
    attempt = orphan[0]["targets"][0]["attempts"][0]
    assert attempt["trace_id"] == trace_id.lower() and attempt["span_id"] == "eee19b7ec3c1b174"


def test_gzip_protobuf_body_is_accepted(service: Service) -> None:
    body = gzip.compress(request(attempt_span(event_id="gz-1", sku="GZ")).SerializeToString())
    resp = service.post(
        "/v1/traces", content=body, headers={**PROTOBUF, "content-encoding": "gzip"}
    )
    assert resp.status_code == 200
    ExportTraceServiceResponse.FromString(resp.content)
    assert len(_lineage(service, "GZ")["orphan_attempts"]) == 1


def test_partial_success_keeps_valid_spans(service: Service) -> None:
    good = attempt_span(event_id="p-1", sku="PARTIAL")
    bad = attempt_span(event_id="p-2", sku="PARTIAL", start_ns=T0 + 5 * NS, end_ns=T0)
    resp = service.post(
        "/v1/traces", content=request(good, bad).SerializeToString(), headers=PROTOBUF
    )
    assert resp.status_code == 200
    answer = ExportTraceServiceResponse.FromString(resp.content)
    assert answer.partial_success.rejected_spans == 1
    assert "end" in answer.partial_success.error_message
    orphans = _lineage(service, "PARTIAL")["orphan_attempts"]
    assert [o["event_id"] for o in orphans] == ["p-1"]


@pytest.mark.parametrize("as_json", [False, True])
def test_spans_with_identifiers_over_256_characters_are_rejected(
    service: Service, as_json: bool
) -> None:
    sku = f"LONGID-{int(as_json)}"
    good = attempt_span(event_id="l-1", sku=sku, location="L" * 256)  # exactly at the limit
    long_location = attempt_span(event_id="l-2", sku=sku, location="L" * 257)
    long_event = attempt_span(event_id="e" * 300, sku=sku)
    long_order = attempt_span(event_id="l-3", sku=sku, order_id="O" * 257)
    body = request(good, long_location, long_event, long_order)
    if as_json:
        resp = service.post(
            "/v1/traces",
            content=json.dumps(otlp_json(body)),
            headers={"content-type": "application/json"},
        )
        partial = resp.json()["partialSuccess"]
        rejected, message = int(partial["rejectedSpans"]), partial["errorMessage"]
    else:
        resp = service.post("/v1/traces", content=body.SerializeToString(), headers=PROTOBUF)
        answer = ExportTraceServiceResponse.FromString(resp.content).partial_success
        rejected, message = answer.rejected_spans, answer.error_message
    assert resp.status_code == 200 and rejected == 3
    for attribute in ("inventory.location", "inventory.event_id", "order.id"):
        assert f"'{attribute}' is longer than 256 characters" in message
    orphans = _lineage(service, sku)["orphan_attempts"]
    assert [o["event_id"] for o in orphans] == ["l-1"]


def _status_message(resp: httpx.Response) -> str:
    if resp.headers["content-type"].startswith("application/json"):
        return str(resp.json()["message"])
    assert RpcStatus is not None
    return str(RpcStatus.FromString(resp.content).message)


def test_otlp_error_statuses_say_why(make_service: Any) -> None:
    with make_service(ingest=IngestSettings(max_body_bytes=4096)) as svc:
        garbage = svc.post("/v1/traces", content=b"\xff\xff\xff\xffnot protobuf", headers=PROTOBUF)
        assert garbage.status_code == 400
        assert "protobuf" in _status_message(garbage)

        bad_json = svc.post("/v1/traces", content=b"{not json", headers=JSON)
        assert bad_json.status_code == 400
        assert "JSON" in _status_message(bad_json)

        wrong_type = svc.post("/v1/traces", content=b"x", headers={"content-type": "text/plain"})
        assert wrong_type.status_code == 415
        assert "text/plain" in _status_message(wrong_type)

        big = svc.post("/v1/traces", content=b"\0" * 5000, headers=PROTOBUF)
        assert big.status_code == 413
        assert "limit of 4096 bytes" in _status_message(big)

        bomb = gzip.compress(b"\0" * 100_000)
        assert len(bomb) < 4096
        resp = svc.post(
            "/v1/traces", content=bomb, headers={**PROTOBUF, "content-encoding": "gzip"}
        )
        assert resp.status_code == 413
        assert "decompressed" in _status_message(resp)

        corrupt = svc.post(
            "/v1/traces",
            content=b"\x1f\x8b\x08\0garbage",
            headers={**PROTOBUF, "content-encoding": "gzip"},
        )
        assert corrupt.status_code == 400
        assert "gzip" in _status_message(corrupt)
        assert _metric(svc, "synclens_ingest_requests_rejected_total", endpoint="traces") == 6


def test_spans_repeating_too_much_resource_text_are_refused_with_413(service: Service) -> None:
    """Tiny spans under a 16 KiB resource: a 0.8 MB body that would decode into
    over 256 MiB of copies is refused whole, and the service carries on."""
    attack = amplifying_request()
    bodies = (
        (attack.SerializeToString(), PROTOBUF),
        (json.dumps(otlp_json(attack)).encode(), JSON),
    )
    for body, headers in bodies:
        assert len(body) < service.settings.ingest.max_body_bytes
        resp = service.post("/v1/traces", content=body, headers=headers)
        assert resp.status_code == 413, resp.text
        assert resp.headers["content-type"].startswith(headers["content-type"])
        assert _status_message(resp) == BUDGET_REASON
    code = {"endpoint": "traces", "code": "413"}
    assert _metric(service, "synclens_ingest_requests_rejected_total", **code) == 2
    assert _metric(service, "synclens_spans_received_total") == 0

    assert service.get("/readyz").status_code == 200
    good = request(attempt_span(event_id="after-413", sku="STILL-UP")).SerializeToString()
    assert service.post("/v1/traces", content=good, headers=PROTOBUF).status_code == 200
    assert len(_lineage(service, "STILL-UP")["orphan_attempts"]) == 1


def test_a_counter_says_which_bodies_the_native_decoder_declined(
    service: Service, decoder: str
) -> None:
    assert service.settings.ingest.native_decoder == decoder
    # more attributes on a span than the native decoder handles: it hands the body back
    span = attempt_span(event_id="wide")
    span.attributes.extend(kv(f"note.{n}", n) for n in range(129))
    resp = service.post("/v1/traces", content=request(span).SerializeToString(), headers=PROTOBUF)
    assert resp.status_code == 200, resp.text
    declined = _metric(service, "synclens_otlp_native_declined_total")
    assert declined == (1 if decoder == "on" else 0)
    with service.store.reader() as cur:  # stored either way
        rows = cur.execute("SELECT count(*) FROM spans WHERE event_id = 'wide'").fetchall()
    assert rows == [(1,)]


def test_duplicate_spans_are_stored_once(service: Service) -> None:
    span = attempt_span(event_id="dup-span", sku="DUPS")
    body = request(span).SerializeToString()
    for _ in range(3):
        assert service.post("/v1/traces", content=body, headers=PROTOBUF).status_code == 200
    with service.store.reader() as cur:
        assert cur.execute("SELECT count(*) FROM spans WHERE sku = 'DUPS'").fetchone() == (1,)
    assert _metric(service, "synclens_spans_duplicate_total") == 2


def test_full_queue_answers_429_with_retry_after(make_service: Any) -> None:
    with make_service(ingest=IngestSettings(queue_max_rows=1)) as svc:
        first: list[httpx.Response] = []
        with svc.store.paused():
            sender = threading.Thread(
                target=lambda: first.append(
                    svc.post(
                        "/v1/traces",
                        content=request(attempt_span(event_id="q1")).SerializeToString(),
                        headers=PROTOBUF,
                    )
                )
            )
            sender.start()
            deadline = time.monotonic() + 10
            while svc.store.queue_rows == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
            second = svc.post(
                "/v1/traces",
                content=request(attempt_span(event_id="q2")).SerializeToString(),
                headers=PROTOBUF,
            )
            assert second.status_code == 429
            assert second.headers["retry-after"] == "1"
            assert "queue full" in _status_message(second)
        sender.join(timeout=10)
        assert first[0].status_code == 200
        assert _metric(svc, "synclens_ingest_dropped_total") == 1


# -- CloudEvents ---------------------------------------------------------------------


def test_events_in_all_three_modes_and_duplicates(service: Service) -> None:
    structured = service.post(
        "/v1/events", content=json.dumps(cloudevent("s-1")), headers=STRUCTURED
    )
    assert structured.json() == {"accepted": 1, "duplicates": 0, "rejected": []}

    body = batch_body(
        cloudevent("b-1"), cloudevent("b-2"), {"specversion": "1.0", "id": "bad"}, cloudevent("s-1")
    )
    batch = service.post("/v1/events", content=body, headers=BATCH)
    assert batch.status_code == 200
    answer = batch.json()
    assert answer["accepted"] == 2 and answer["duplicates"] == 1
    assert [(r["index"], r["id"]) for r in answer["rejected"]] == [(2, "bad")]
    assert answer["rejected"][0]["reason"]

    binary = service.post(
        "/v1/events",
        content=json.dumps({"sku": "BOLT-M8", "location": "DC-WEST/R-12-04", "quantity": 4}),
        headers={
            "content-type": "application/json",
            "ce-specversion": "1.0",
            "ce-id": "bin-1",
            "ce-source": "wms/dc-west",
            "ce-type": "inventory.received",
            "ce-time": "2026-11-20T09:00:00Z",
        },
    )
    assert binary.json() == {"accepted": 1, "duplicates": 0, "rejected": []}

    again = service.post("/v1/events", content=body, headers=BATCH)
    assert again.json()["accepted"] == 0 and again.json()["duplicates"] == 3

    ids = [e["id"] for e in _lineage(service)["events"]]
    assert sorted(ids) == ["b-1", "b-2", "bin-1", "s-1"]
    assert _metric(service, "synclens_events_duplicate_total", source_system="wms") == 4
    assert _metric(service, "synclens_events_received_total", source_system="wms") == 8


def test_event_error_statuses_say_why(service: Service) -> None:
    not_json = service.post("/v1/events", content=b"{nope", headers=STRUCTURED)
    assert not_json.status_code == 400 and "JSON" in not_json.json()["error"]
    not_array = service.post("/v1/events", content=b'{"a": 1}', headers=BATCH)
    assert not_array.status_code == 400 and "array" in not_array.json()["error"]
    wrong_type = service.post("/v1/events", content=b"x", headers={"content-type": "text/csv"})
    assert wrong_type.status_code == 415 and "text/csv" in wrong_type.json()["error"]
    invalid = cloudevent("no-time")
    del invalid["time"]
    single = service.post("/v1/events", content=json.dumps(invalid), headers=STRUCTURED)
    assert single.status_code == 400 and "time" in single.json()["error"]


def test_auth_binds_tokens_to_source_systems(make_service: Any) -> None:
    tokens = AuthSettings(
        tokens=(
            Token(name="wms", token="wms-secret", systems=("wms",)),
            Token(name="ops", token="ops-secret", systems=("*",)),
            Token(name="mw", token="mw-secret", scopes=("traces", "events:wms")),
            Token(name="bi", token="bi-secret", scopes=("read",)),
        )
    )
    with make_service(auth=tokens) as svc:
        span_body = request(attempt_span(event_id="a-1")).SerializeToString()
        anonymous = svc.post("/v1/traces", content=span_body, headers=PROTOBUF)
        assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
        wrong = svc.post(
            "/v1/events",
            content=batch_body(cloudevent("x")),
            headers={**BATCH, "authorization": "Bearer nope"},
        )
        assert wrong.status_code == 401 and "invalid bearer token" in wrong.json()["error"]
        assert svc.get("/api/v1/lineage", params={"sku": "BOLT-M8"}).status_code == 401

        wms = {"authorization": "Bearer wms-secret"}
        mixed = svc.post(
            "/v1/events",
            content=batch_body(cloudevent("w-1"), cloudevent("e-1", source="erp/s4")),
            headers={**BATCH, **wms},
        )
        assert mixed.status_code == 200
        assert mixed.json()["accepted"] == 1
        [rejection] = mixed.json()["rejected"]
        assert rejection["index"] == 1 and "erp" in rejection["reason"]
        # today's systems form is ingest only: no traces without '*', no reading
        no_traces = svc.post("/v1/traces", content=span_body, headers={**PROTOBUF, **wms})
        assert no_traces.status_code == 403
        assert RpcStatus.FromString(no_traces.content).code == 7  # PERMISSION_DENIED
        assert svc.get("/api/v1/lineage", params={"sku": "BOLT-M8"}, headers=wms).status_code == 403
        mw = {"authorization": "Bearer mw-secret"}
        assert (
            svc.post("/v1/traces", content=span_body, headers={**PROTOBUF, **mw}).status_code == 200
        )
        assert (
            svc.post(
                "/v1/traces",
                content=span_body,
                headers={**PROTOBUF, "authorization": "Bearer ops-secret"},
            ).status_code
            == 200
        )
        bi = {"authorization": "Bearer bi-secret"}
        assert (
            svc.post(
                "/v1/events", content=batch_body(cloudevent("b-1")), headers={**BATCH, **bi}
            ).status_code
            == 403
        )
        lineage = svc.get("/api/v1/lineage", params={"sku": "BOLT-M8"}, headers=bi)
        assert [e["id"] for e in lineage.json()["events"]] == ["w-1"]
        assert svc.get("/healthz").status_code == 200


def test_openapi_lists_every_endpoint(service: Service) -> None:
    paths = service.get("/openapi.json").json()["paths"]
    for path in (
        "/v1/traces",
        "/v1/events",
        "/api/v1/lineage",
        "/api/v1/orders/{order_id}/lineage",
        "/api/v1/traces/{trace_id}",
        "/metrics",
        "/healthz",
        "/readyz",
    ):
        assert path in paths


def test_rpc_status_module_decodes() -> None:
    # guard: a 400 body must be a google.rpc.Status the OTLP clients can read
    assert RpcStatus is not None
    try:
        RpcStatus.FromString(b"\x08\x03\x12\x03bad")
    except DecodeError as exc:  # pragma: no cover
        raise AssertionError(exc) from exc


def test_cloudevents_extensions_are_shown_in_lineage(service: Service) -> None:
    """Extension attributes (an RMA number on a return) are kept as sent, in
    structured and binary mode, and shown with their event."""
    structured = cloudevent("ret-1", sku="EXT-1", type="return.received", quantity=2)
    structured["rma"] = "RMA-77"
    resp = service.post("/v1/events", content=json.dumps(structured), headers=STRUCTURED)
    assert resp.status_code == 200 and resp.json()["accepted"] == 1, resp.text
    binary = {
        "ce-specversion": "1.0",
        "ce-id": "ret-2",
        "ce-source": "returns/loop",
        "ce-type": "return.received",
        "ce-time": "2026-11-20T08:16:00Z",
        "ce-rma": "RMA-78",
        "content-type": "application/json",
    }
    body = json.dumps({"sku": "EXT-1", "location": "DC-WEST/R-12-04", "quantity": 1})
    resp = service.post("/v1/events", content=body, headers=binary)
    assert resp.status_code == 200 and resp.json()["accepted"] == 1, resp.text
    events = {e["id"]: e for e in _lineage(service, "EXT-1")["events"]}
    assert events["ret-1"]["extensions"]["rma"] == "RMA-77"
    assert events["ret-2"]["extensions"]["rma"] == "RMA-78"
