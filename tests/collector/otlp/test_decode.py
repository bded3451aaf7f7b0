"""collector.otlp: OTLP/HTTP trace bodies (protobuf and OTLP/JSON) -> span columns."""

from __future__ import annotations

import base64
import json
from typing import Any

import pyarrow as pa
import pytest
from google.rpc.status_pb2 import Status as RpcStatus
from opentelemetry import trace as trace_api
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import (
    AnyValue,
    ArrayValue,
    KeyValue,
    KeyValueList,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status
from opentelemetry.sdk.resources import Resource as SdkResource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from collector.otlp import (
    OtlpDecodeError,
    SpanBatch,
    decode_json,
    decode_protobuf,
    export_response,
    status_body,
)
from collector.otlp.common import span_attributes
from collector.schema import SPAN_COLUMNS, SPAN_SCHEMA
from collector.testing.wire import otlp_json, request

RECEIVED = 1_795_000_000_999_000_000
T0 = 1_795_000_000_000_000_000
TRACE = bytes.fromhex("4bf92f3577b34da6a3ce929d0e0e4736")
SPAN = bytes.fromhex("00f067aa0ba902b7")
PARENT = bytes.fromhex("53995c3f42cd8ad8")
LINK_TRACE = bytes.fromhex("0af7651916cd43dd8448eb211c80319c")
LINK_SPAN = bytes.fromhex("b7ad6b7169203331")


# --------------------------------------------------------------------------- helpers


def any_value(value: object) -> AnyValue:
    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    if isinstance(value, float):
        return AnyValue(double_value=value)
    if isinstance(value, bytes):
        return AnyValue(bytes_value=value)
    if isinstance(value, list):
        return AnyValue(array_value=ArrayValue(values=[any_value(v) for v in value]))
    if isinstance(value, dict):
        return AnyValue(kvlist_value=KeyValueList(values=kvs(value)))
    return AnyValue(string_value=str(value))


def kvs(attributes: dict[str, object]) -> list[KeyValue]:
    return [KeyValue(key=k, value=any_value(v)) for k, v in attributes.items()]


def make_span(**overrides: Any) -> Span:
    fields: dict[str, Any] = {
        "trace_id": TRACE,
        "span_id": SPAN,
        "name": "deliver inventory.adjusted",
        "kind": Span.SPAN_KIND_CLIENT,
        "start_time_unix_nano": T0,
        "end_time_unix_nano": T0 + 250_000_000,
    }
    fields.update(overrides)
    if isinstance(fields.get("attributes"), dict):
        fields["attributes"] = kvs(fields["attributes"])
    return Span(**fields)


def make_request(*spans: Span, service: str = "sync-middleware") -> ExportTraceServiceRequest:
    return request(
        *spans,
        service=service,
        resource={"deployment.environment": "prod"},
        scope="synclens.middleware",
        scope_version="1.2",
        scope_attributes={"team": "integration", "n": 2},
    )


def rows(batch: SpanBatch) -> list[dict[str, object]]:
    table = pa.Table.from_pydict(batch.columns, schema=SPAN_SCHEMA)  # proves the contract
    assert table.num_rows == batch.accepted
    return table.to_pylist()


DELIVERY_ATTRIBUTES: dict[str, object] = {
    "inventory.event_id": "adj-000183",
    "inventory.event_source": "wms/dc-west",
    "inventory.sku": "BOLT-M8",
    "inventory.location": "DC-WEST/R-12-04",
    "order.id": "SO-1001",
    "sync.target": "erp",
    "sync.attempt": 2,
    "sync.replay": True,
    "sync.dead_lettered": False,
    "sync.duplicate": True,
    "error.type": "timeout",
    "http.response.status_code": 504,
    "messaging.system": "kafka",
    "retry.delay_s": 1.5,
    "tags": ["a", 1, True],
    "payload": {"n": 3, "nested": {"ok": False}},
    "raw": b"\x00\xff",
}

# the attributes of DELIVERY_ATTRIBUTES that have no column of their own
HELD_NOWHERE = {"messaging.system", "retry.delay_s", "tags", "payload", "raw"}

EXPECTED_ROW: dict[str, object] = {
    "trace_id": TRACE.hex(),
    "span_id": SPAN.hex(),
    "parent_span_id": PARENT.hex(),
    "name": "deliver inventory.adjusted",
    "kind": 3,
    "start_ns": T0,
    "end_ns": T0 + 250_000_000,
    "status_code": 2,
    "status_message": "upstream timed out",
    "service_name": "sync-middleware",
    "scope_name": "synclens.middleware",
    "scope_version": "1.2",
    "scope_attributes": '{"team":"integration","n":2}',
    "event_id": "adj-000183",
    "event_source": "wms/dc-west",
    "sku": "BOLT-M8",
    "location": "DC-WEST/R-12-04",
    "order_id": "SO-1001",
    "target": "erp",
    "attempt": 2,
    "replay": True,
    "dead_lettered": False,
    "duplicate": True,
    "error_type": "timeout",
    "http_status": 504,
    "received_ns": RECEIVED,
}


def delivery_span() -> Span:
    return make_span(
        parent_span_id=PARENT,
        attributes=DELIVERY_ATTRIBUTES,
        status=Status(code=Status.STATUS_CODE_ERROR, message="upstream timed out"),
        links=[
            Span.Link(trace_id=LINK_TRACE, span_id=LINK_SPAN, attributes=kvs({"kind": "producer"}))
        ],
        events=[Span.Event(name="retry", time_unix_nano=T0 + 5, attributes=kvs({"delay_ms": 100}))],
    )


def assert_delivery_row(row: dict[str, object]) -> None:
    for column, value in EXPECTED_ROW.items():
        assert row[column] == value, column
    sent = {
        **{k: v for k, v in DELIVERY_ATTRIBUTES.items() if k != "raw"},
        "raw": base64.b64encode(b"\x00\xff").decode(),
    }
    # the JSON keeps what has no column, and the explicit false
    assert json.loads(str(row["attributes"])) == {
        k: v for k, v in sent.items() if k in HELD_NOWHERE or v is False
    }
    assert span_attributes(str(row["attributes"]), row) == sent
    assert json.loads(str(row["resource"])) == {
        "service.name": "sync-middleware",
        "deployment.environment": "prod",
    }
    assert json.loads(str(row["links"])) == [
        {
            "trace_id": LINK_TRACE.hex(),
            "span_id": LINK_SPAN.hex(),
            "attributes": {"kind": "producer"},
        }
    ]
    assert json.loads(str(row["span_events"])) == [
        {"name": "retry", "time_ns": T0 + 5, "attributes": {"delay_ms": 100}}
    ]


# --------------------------------------------------------------------------- protobuf


def test_protobuf_round_trip_fills_every_column() -> None:
    root = make_span(span_id=PARENT, name="consume", kind=Span.SPAN_KIND_CONSUMER)
    body = make_request(delivery_span(), root).SerializeToString()

    batch = decode_protobuf(body, received_ns=RECEIVED)

    assert (batch.accepted, batch.rejected, batch.errors) == (2, 0, ())
    assert set(batch.columns) == set(SPAN_COLUMNS)
    delivery, consumer = rows(batch)
    assert_delivery_row(delivery)
    assert consumer == {
        **{c: None for c in SPAN_COLUMNS},
        "trace_id": TRACE.hex(),
        "span_id": PARENT.hex(),
        "name": "consume",
        "kind": 5,
        "start_ns": T0,
        "end_ns": T0 + 250_000_000,
        "status_code": 0,
        "service_name": "sync-middleware",
        "scope_name": "synclens.middleware",
        "scope_version": "1.2",
        "scope_attributes": '{"team":"integration","n":2}',
        "replay": False,
        "dead_lettered": False,
        "duplicate": False,
        "attributes": "{}",
        "resource": delivery["resource"],
        "received_ns": RECEIVED,
    }


def test_protobuf_all_zero_parent_is_a_root_and_empty_body_is_empty() -> None:
    body = make_request(make_span(parent_span_id=bytes(8))).SerializeToString()
    assert decode_protobuf(body, received_ns=1).columns["parent_span_id"] == [None]

    empty = decode_protobuf(b"", received_ns=1)
    assert (empty.accepted, empty.rejected) == (0, 0)
    assert rows(empty) == []


def test_sdk_encoded_spans_round_trip() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=SdkResource.create({"service.name": "mw-sdk"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("synclens.test.sdk", "0.1")
    with tracer.start_as_current_span("produce", kind=trace_api.SpanKind.PRODUCER) as producer:
        producer_ctx = producer.get_span_context()
    with tracer.start_as_current_span(
        "deliver",
        kind=trace_api.SpanKind.CLIENT,
        links=[trace_api.Link(producer_ctx, {"messaging.operation": "process"})],
        attributes={
            "inventory.event_id": "rcv-1",
            "inventory.event_source": "wms/dc-east",
            "inventory.sku": "SKU-1",
            "inventory.location": "DC-EAST/A-1",
            "sync.target": "commerce",
            "sync.attempt": 1,
            "sync.dead_lettered": True,
            "http.response.status_code": 503,
            "error.type": "503",
            "batch.sizes": (1, 2, 3),
        },
    ) as parent:
        parent.add_event("queued", {"queue": "dlq"})
        parent.set_status(trace_api.Status(trace_api.StatusCode.ERROR, "parked"))
        with tracer.start_as_current_span("http put") as child:
            child.set_attribute("sync.replay", False)
    provider.shutdown()
    finished = exporter.get_finished_spans()

    body = encode_spans(finished).SerializeToString()
    batch = decode_protobuf(body, received_ns=RECEIVED)

    assert (batch.accepted, batch.rejected) == (3, 0)
    by_name = {row["name"]: row for row in rows(batch)}
    for span in finished:
        row = by_name[span.name]
        ctx = span.get_span_context()
        assert row["trace_id"] == f"{ctx.trace_id:032x}"
        assert row["span_id"] == f"{ctx.span_id:016x}"
        assert row["parent_span_id"] == (f"{span.parent.span_id:016x}" if span.parent else None)
        assert (row["start_ns"], row["end_ns"]) == (span.start_time, span.end_time)
        assert row["kind"] == span.kind.value + 1  # SDK enum is 0-based, OTLP's 1-based
        assert row["service_name"] == "mw-sdk"
        assert row["scope_name"] == "synclens.test.sdk"
        assert span_attributes(str(row["attributes"]), row) == {
            k: list(v) if isinstance(v, tuple) else v for k, v in span.attributes.items()
        }
        assert json.loads(str(row["resource"])) == dict(span.resource.attributes)
        assert row["received_ns"] == RECEIVED
    deliver = by_name["deliver"]
    assert deliver["status_code"] == 2 and deliver["status_message"] == "parked"
    assert (deliver["event_id"], deliver["event_source"], deliver["target"]) == (
        "rcv-1",
        "wms/dc-east",
        "commerce",
    )
    assert (deliver["sku"], deliver["location"], deliver["order_id"]) == (
        "SKU-1",
        "DC-EAST/A-1",
        None,
    )
    assert (deliver["attempt"], deliver["dead_lettered"], deliver["replay"]) == (1, True, False)
    assert (deliver["http_status"], deliver["error_type"]) == (503, "503")
    assert json.loads(str(deliver["links"])) == [
        {
            "trace_id": f"{producer_ctx.trace_id:032x}",
            "span_id": f"{producer_ctx.span_id:016x}",
            "attributes": {"messaging.operation": "process"},
        }
    ]
    (event,) = json.loads(str(deliver["span_events"]))
    assert (event["name"], event["attributes"]) == ("queued", {"queue": "dlq"})
    assert by_name["produce"]["links"] is None and by_name["produce"]["span_events"] is None
    assert by_name["http put"]["status_code"] == 0 and by_name["http put"]["status_message"] is None


def test_undecodable_protobuf_is_a_decode_error() -> None:
    with pytest.raises(OtlpDecodeError, match=r"cannot decode body .*\(protobuf\)"):
        decode_protobuf(b"\x0a\xff\xff\xff", received_ns=1)
    with pytest.raises(OtlpDecodeError):
        decode_protobuf(b'{"resourceSpans": []}', received_ns=1)


# --------------------------------------------------------------------------- OTLP/JSON


def test_json_matches_protobuf_for_the_same_request() -> None:
    request = make_request(delivery_span(), make_span(span_id=PARENT))
    body = json.dumps(otlp_json(request)).encode()

    from_json = decode_json(body, received_ns=RECEIVED)

    assert from_json == decode_protobuf(request.SerializeToString(), received_ns=RECEIVED)
    assert_delivery_row(rows(from_json)[0])


@pytest.mark.parametrize(
    ("sent", "last"),
    [
        # a value the column holds converted, then one it holds exactly ...
        (
            [("order.id", 778), ("order.id", "SO-1"), ("sync.attempt", "2"), ("sync.attempt", 3)],
            {"order.id": "SO-1", "sync.attempt": 3},
        ),
        # ... and the other way round
        (
            [("order.id", "SO-1"), ("order.id", 778), ("sync.attempt", 3), ("sync.attempt", "2")],
            {"order.id": 778, "sync.attempt": "2"},
        ),
        ([("sync.replay", True), ("sync.replay", False)], {"sync.replay": False}),
        ([("sync.replay", False), ("sync.replay", True)], {"sync.replay": True}),
    ],
)
def test_a_repeated_special_attribute_reads_back_as_its_last_value(
    sent: list[tuple[str, object]], last: dict[str, object]
) -> None:
    span = make_span(attributes=[KeyValue(key=k, value=any_value(v)) for k, v in sent])
    request = make_request(span)
    for batch in (
        decode_protobuf(request.SerializeToString(), received_ns=RECEIVED),
        decode_json(json.dumps(otlp_json(request)).encode(), received_ns=RECEIVED),
    ):
        (row,) = rows(batch)
        assert span_attributes(str(row["attributes"]), row) == last


def test_json_accepts_upper_hex_string_int64s_enum_names_and_snake_case() -> None:
    span = {
        "trace_id": TRACE.hex().upper(),
        "spanId": SPAN.hex().upper(),
        "parent_span_id": PARENT.hex().upper(),
        "name": "x",
        "kind": "SPAN_KIND_SERVER",
        "start_time_unix_nano": str(T0),
        "endTimeUnixNano": T0 + 1,
        "status": {"code": "STATUS_CODE_ERROR", "message": ""},
        "droppedAttributesCount": 0,
        "someFutureField": {"ignored": True},
        "attributes": [
            {"key": "sync.attempt", "value": {"intValue": "3"}},
            {"key": "sync.replay", "value": {"stringValue": "true"}},
            {"key": "sync.duplicate", "value": {"bool_value": False}},
            {"key": "http.response.status_code", "value": {"int_value": 200}},
            {"key": "order.id", "value": {"intValue": "778"}},
            {"key": "big", "value": {"intValue": "-9223372036854775808"}},
            {"key": "ratio", "value": {"doubleValue": "NaN"}},
            {"key": "unset", "value": {}},
            {"key": "list", "value": {"arrayValue": {"values": [{"stringValue": "a"}]}}},
            {"key": "map", "value": {"kvlist_value": {"values": [{"key": "k", "value": {}}]}}},
            {"key": "raw", "value": {"bytesValue": "AP8"}},
        ],
    }
    body = json.dumps(
        {"resource_spans": [{"scope_spans": [{"scope": {"name": "s"}, "spans": [span]}]}]}
    ).encode()

    batch = decode_json(body, received_ns=RECEIVED)

    assert (batch.accepted, batch.rejected, batch.errors) == (1, 0, ())
    (row,) = rows(batch)
    assert (row["trace_id"], row["span_id"], row["parent_span_id"]) == (
        TRACE.hex(),
        SPAN.hex(),
        PARENT.hex(),
    )
    assert (row["kind"], row["status_code"], row["status_message"]) == (2, 2, None)
    assert (row["start_ns"], row["end_ns"]) == (T0, T0 + 1)
    assert (row["attempt"], row["replay"], row["duplicate"], row["http_status"]) == (
        3,
        True,
        False,
        200,
    )
    assert (row["order_id"], row["service_name"], row["scope_name"]) == ("778", None, "s")
    # what the columns hold exactly (sync.attempt 3, the status code 200)
    # is left out of the JSON; what they hold converted stays in it
    stored = {
        "sync.replay": "true",
        "sync.duplicate": False,
        "order.id": 778,
        "big": -(2**63),
        "ratio": "NaN",
        "unset": None,
        "list": ["a"],
        "map": {"k": None},
        "raw": "AP8=",
    }
    assert json.loads(str(row["attributes"])) == stored
    assert span_attributes(str(row["attributes"]), row) == {
        **stored,
        "sync.attempt": 3,
        "http.response.status_code": 200,
    }
    assert row["resource"] == "{}"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "cannot decode body as OTLP/JSON"),
        (b"\xff\xfe\xfd", "cannot decode body as OTLP/JSON"),
        (b"[]", "the JSON body must be an object, not list"),
        (b'{"resourceSpans": {}}', "resourceSpans must be a list, not dict"),
        (b'{"resourceSpans": ["x"]}', r"resourceSpans\[0\] must be an object, not str"),
        (
            b'{"resourceSpans": [{"scopeSpans": 1}]}',
            r"resourceSpans\[0\].scopeSpans must be a list",
        ),
        (b'{"resourceSpans": [{"scopeSpans": [{"spans": {}}]}]}', r"scopeSpans\[0\].spans must"),
        (b"[" * 100_000 + b"]" * 100_000, "cannot decode body as OTLP/JSON"),
    ],
)
def test_json_that_is_no_export_request_is_a_decode_error(body: bytes, reason: str) -> None:
    with pytest.raises(OtlpDecodeError, match=reason):
        decode_json(body, received_ns=1)


def test_empty_json_objects_are_empty_requests() -> None:
    for body in (b"{}", b'{"resourceSpans": null}', b'{"resourceSpans": [{}]}'):
        batch = decode_json(body, received_ns=1)
        assert (batch.accepted, batch.rejected, rows(batch)) == (0, 0, [])


# --------------------------------------------------------------------------- rejections

PB_REJECTIONS: list[tuple[dict[str, Any], str]] = [
    ({"trace_id": b""}, "trace_id must be 16 bytes, not all zero"),
    ({"trace_id": bytes(16)}, "trace_id must be 16 bytes, not all zero"),
    ({"trace_id": TRACE[:8]}, "trace_id must be 16 bytes, not all zero"),
    ({"span_id": b""}, "span_id must be 8 bytes, not all zero"),
    ({"span_id": bytes(8)}, "span_id must be 8 bytes, not all zero"),
    ({"span_id": TRACE}, "span_id must be 8 bytes, not all zero"),
    ({"parent_span_id": b"\x01\x02"}, "parent_span_id must be 8 bytes or empty"),
    ({"start_time_unix_nano": 0}, "start_time_unix_nano is 0"),
    ({"end_time_unix_nano": T0 - 1}, "end_time before start_time"),
    ({"end_time_unix_nano": 2**64 - 1}, "end_time_unix_nano out of range"),
    ({"attributes": {"sync.attempt": 0}}, "attribute sync.attempt must be an integer >= 1"),
    ({"attributes": {"sync.attempt": "two"}}, "attribute sync.attempt must be an integer"),
    ({"attributes": {"sync.attempt": 1.0}}, "attribute sync.attempt must be an integer"),
    ({"attributes": {"sync.replay": "yes"}}, "attribute sync.replay must be a boolean"),
    ({"attributes": {"sync.dead_lettered": 1}}, "attribute sync.dead_lettered must be a boolean"),
    ({"attributes": {"sync.duplicate": ["true"]}}, "attribute sync.duplicate must be a boolean"),
    (
        {"attributes": {"http.response.status_code": "5xx"}},
        "attribute http.response.status_code must be an integer",
    ),
    ({"attributes": {"inventory.sku": ["A", "B"]}}, "attribute inventory.sku must be a string"),
    ({"attributes": {"sync.target": True}}, "attribute sync.target must be a string"),
]


@pytest.mark.parametrize(("fields", "reason"), PB_REJECTIONS)
def test_each_rejection_reason(fields: dict[str, Any], reason: str) -> None:
    bad = make_span(**fields)
    request = make_request(make_span(span_id=PARENT), bad, make_span(span_id=LINK_SPAN))

    pb = decode_protobuf(request.SerializeToString(), received_ns=1)

    assert (pb.accepted, pb.rejected) == (2, 1)
    assert pb.errors == (f"span 1 of resource 0: {reason}",)
    assert pb.columns["span_id"] == [PARENT.hex(), LINK_SPAN.hex()]
    rows(pb)
    if "end_time_unix_nano" in fields and fields["end_time_unix_nano"] > 2**63:
        return  # OTLP/JSON rejects it too, as "out of range"
    js = decode_json(json.dumps(otlp_json(request)).encode(), received_ns=1)
    assert (js.accepted, js.rejected, js.columns) == (2, 1, pb.columns)
    assert js.errors[0].startswith("span 1 of resource 0: ")


@pytest.mark.parametrize(
    ("span", "reason"),
    [
        ("not a span", "span must be an object"),
        ({"traceId": "xyz"}, "traceId must be 32 hex digits"),
        ({"traceId": TRACE.hex()[:31] + " "}, "traceId must be 32 hex digits"),
        ({"spanId": base64.b64encode(SPAN).decode()}, "spanId must be 16 hex digits"),
        ({"parentSpanId": "00f067aa0ba902"}, "parentSpanId must be 16 hex digits"),
        ({"startTimeUnixNano": "1.5e18"}, "startTimeUnixNano must be an integer"),
        ({"startTimeUnixNano": -1}, "startTimeUnixNano out of range"),
        ({"endTimeUnixNano": str(2**63)}, "endTimeUnixNano out of range"),
        ({"startTimeUnixNano": None}, "startTimeUnixNano is 0"),
        ({"kind": "SERVER"}, "kind must be an enum number or name"),
        ({"kind": True}, "kind must be an enum number or name"),
        ({"status": {"code": 2.0}}, "status.code must be an enum number or name"),
        ({"status": "ERROR"}, "status must be an object"),
        ({"name": 5}, "name must be a string"),
        ({"attributes": {"a": 1}}, "attributes must be a list"),
        (
            {"attributes": [{"key": 1, "value": {}}]},
            "attribute must be an object with a string key",
        ),
        ({"attributes": [{"key": "k", "value": "v"}]}, "attribute k: value must be an object"),
        (
            {"attributes": [{"key": "k", "value": {"intValue": "1e3"}}]},
            "attribute k: intValue must be an integer",
        ),
        (
            {"attributes": [{"key": "k", "value": {"bytesValue": "!!"}}]},
            "attribute k: bytesValue must be a base64 string",
        ),
        (
            {"attributes": [{"key": "k", "value": {"doubleValue": []}}]},
            "attribute k: doubleValue must be a number",
        ),
        (
            {"attributes": [{"key": "k", "value": {"arrayValue": 3}}]},
            "attribute k: arrayValue must hold a list",
        ),
        ({"links": [{"traceId": "zz", "spanId": "00"}]}, "link traceId/spanId must be hex strings"),
        ({"events": [{"timeUnixNano": "soon"}]}, "event timeUnixNano must be an integer"),
        ({"name": "\ud800"}, "string with an unpaired UTF-16 surrogate"),
    ],
)
def test_json_rejections_keep_the_other_spans(span: object, reason: str) -> None:
    good = otlp_json(make_request(make_span()))
    good_span = good["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    bad = {**good_span, **span} if isinstance(span, dict) else span
    good["resourceSpans"][0]["scopeSpans"][0]["spans"] = [good_span, bad]

    batch = decode_json(json.dumps(good).encode(), received_ns=1)

    assert (batch.accepted, batch.rejected) == (1, 1)
    assert batch.errors == (f"span 1 of resource 0: {reason}",)
    assert len(rows(batch)) == 1


def test_deeply_nested_json_attribute_rejects_the_span() -> None:
    value: dict[str, Any] = {"stringValue": "leaf"}
    for _ in range(200):
        value = {"arrayValue": {"values": [value]}}
    span = {**otlp_json(make_request(make_span()))["resourceSpans"][0]["scopeSpans"][0]["spans"][0]}
    span["attributes"] = [{"key": "deep", "value": value}]
    body = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}).encode()

    batch = decode_json(body, received_ns=1)

    assert batch.errors == ("span 0 of resource 0: attribute deep: value nested too deeply",)


def test_malformed_resource_rejects_its_spans_only() -> None:
    doc = otlp_json(make_request(make_span()))
    doc["resourceSpans"].append(
        {**doc["resourceSpans"][0], "resource": {"attributes": [{"key": "service.name"}, 7]}}
    )
    batch = decode_json(json.dumps(doc).encode(), received_ns=1)
    assert (batch.accepted, batch.rejected) == (1, 1)
    assert batch.errors == (
        "span 0 of resource 1: resource: attribute must be an object with a string key",
    )


@pytest.mark.parametrize("over", [0, 1])
def test_json_resource_and_scope_over_their_limits_reject_their_spans(over: int) -> None:
    """At the limit the spans are kept; one character over, rejected (SPEC: partial success).
    tests/collector/otlp/test_limits.py checks that protobuf agrees, native and not."""
    doc = otlp_json(make_request(make_span()))
    resource, scope = doc["resourceSpans"][0], doc["resourceSpans"][0]["scopeSpans"][0]
    # {"service.name":"","deployment.environment":"prod"} is 51 characters, \u00e9 six more
    name = "\u00e9" + "s" * (16384 - 51 - 6 + over)
    resource["resource"]["attributes"][0]["value"] = {"stringValue": name}
    doc["resourceSpans"].append(
        {"scopeSpans": [{**scope, "scope": {"name": "\u00e9" * (1024 + over)}}]}
    )
    doc["resourceSpans"].append({"scopeSpans": [{**scope, "scope": {"name": 1024}}]})

    batch = decode_json(json.dumps(doc).encode(), received_ns=1)

    assert (batch.accepted, batch.rejected) == (2 - 2 * over, 1 + 2 * over)
    assert batch.errors == (
        ("span 0 of resource 0: resource attributes exceed 16384 characters of JSON",) * over
        + ("span 0 of resource 1: scope name exceeds 1024 characters",) * over
        + ("span 0 of resource 2: scope.name must be a string",)
    )
    if not over:
        assert [len(row["resource"]) for row in rows(batch)] == [16384, 2]  # type: ignore[arg-type]
        assert rows(batch)[1]["scope_name"] == "\u00e9" * 1024


def test_json_scope_version_and_attributes_are_kept_or_reject_their_spans() -> None:
    doc = otlp_json(make_request(make_span()))
    scope = doc["resourceSpans"][0]["scopeSpans"][0]
    for bad in ({"version": 2}, {"attributes": [{"key": 1}]}):
        doc["resourceSpans"].append({"scopeSpans": [{**scope, "scope": {"name": "s", **bad}}]})
    batch = decode_json(json.dumps(doc).encode(), received_ns=1)
    assert batch.errors == (
        "span 0 of resource 1: scope.version must be a string",
        "span 0 of resource 2: scope: attribute must be an object with a string key",
    )
    [row] = rows(batch)
    assert (row["scope_version"], row["scope_attributes"]) == (
        "1.2",
        '{"team":"integration","n":2}',
    )


def test_errors_are_capped_but_every_rejection_is_counted() -> None:
    spans = [make_span(span_id=bytes([0, 0, 0, 0, 0, 0, 1, k])) for k in range(1, 6)]
    spans += [make_span(start_time_unix_nano=0) for _ in range(25)]
    request = make_request(*spans)
    request.resource_spans.add().scope_spans.add().spans.append(make_span(trace_id=b"\x01"))

    for batch in (
        decode_protobuf(request.SerializeToString(), received_ns=1),
        decode_json(json.dumps(otlp_json(request)).encode(), received_ns=1),
    ):
        assert (batch.accepted, batch.rejected, len(batch.errors)) == (5, 26, 10)
        assert batch.errors[0].startswith("span 5 of resource 0: start")
        assert batch.errors[-1].startswith("span 14 of resource 0: ")
        assert len(rows(batch)) == 5


# --------------------------------------------------------------------------- responses


def test_export_response_without_rejections_is_empty() -> None:
    batch = decode_protobuf(make_request(make_span()).SerializeToString(), received_ns=1)
    response = ExportTraceServiceResponse.FromString(export_response(batch, as_json=False))
    assert not response.HasField("partial_success")
    assert json.loads(export_response(batch, as_json=True)) == {}


def test_export_response_reports_partial_success() -> None:
    request = make_request(make_span(), make_span(span_id=b""), make_span(end_time_unix_nano=1))
    batch = decode_protobuf(request.SerializeToString(), received_ns=1)
    message = (
        "span 1 of resource 0: span_id must be 8 bytes, not all zero; "
        "span 2 of resource 0: end_time before start_time"
    )

    response = ExportTraceServiceResponse.FromString(export_response(batch, as_json=False))
    assert response.partial_success.rejected_spans == 2
    assert response.partial_success.error_message == message
    assert json.loads(export_response(batch, as_json=True)) == {
        "partialSuccess": {"rejectedSpans": "2", "errorMessage": message}
    }


def test_status_body_parses_back() -> None:
    status = RpcStatus.FromString(status_body(3, "cannot decode body", as_json=False))
    assert (status.code, status.message) == (3, "cannot decode body")
    assert json.loads(status_body(3, "bad", as_json=True)) == {"code": 3, "message": "bad"}


def test_json_in_utf16_is_decoded_and_lone_surrogates_rejected() -> None:
    doc = otlp_json(make_request(make_span(), make_span(span_id=PARENT)))
    doc["resourceSpans"][0]["scopeSpans"][0]["spans"][1]["name"] = "\ud800"
    batch = decode_json(json.dumps(doc).encode("utf-16"), received_ns=1)  # escaped "\\ud800"
    assert (batch.accepted, batch.rejected) == (1, 1)
    assert batch.errors == ("span 1 of resource 0: string with an unpaired UTF-16 surrogate",)
