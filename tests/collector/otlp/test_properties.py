"""collector.otlp never fails on hostile input except with OtlpDecodeError.

Whatever a batch it returns, its columns fit SPAN_SCHEMA exactly.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import (
    AnyValue,
    ArrayValue,
    InstrumentationScope,
    KeyValue,
    KeyValueList,
)
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from collector.otlp import OtlpDecodeError, SpanBatch, decode_json, decode_protobuf
from collector.schema import SPAN_SCHEMA
from collector.testing.wire import otlp_json

Decoder = Callable[..., SpanBatch]
DECODERS: tuple[Decoder, ...] = (decode_protobuf, decode_json)
FAST = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _kv(key: str, value: AnyValue) -> KeyValue:
    return KeyValue(key=key, value=value)


def _valid_request() -> ExportTraceServiceRequest:
    attrs = [
        _kv("inventory.event_id", AnyValue(string_value="adj-1")),
        _kv("inventory.sku", AnyValue(string_value="BOLT-M8")),
        _kv("sync.target", AnyValue(string_value="erp")),
        _kv("sync.attempt", AnyValue(int_value=2)),
        _kv("sync.replay", AnyValue(bool_value=True)),
        _kv("sync.duplicate", AnyValue(string_value="false")),
        _kv("http.response.status_code", AnyValue(int_value=200)),
        _kv("ratio", AnyValue(double_value=0.5)),
        _kv("raw", AnyValue(bytes_value=b"\x00\x01")),
        _kv("list", AnyValue(array_value=ArrayValue(values=[AnyValue(int_value=1)]))),
        _kv(
            "map",
            AnyValue(kvlist_value=KeyValueList(values=[_kv("k", AnyValue(string_value="v"))])),
        ),
    ]
    spans = [
        Span(
            trace_id=bytes(range(1, 17)),
            span_id=bytes([9, 8, 7, 6, 5, 4, 3, k]),
            parent_span_id=bytes(range(11, 19)) if k else b"",
            name=f"span-{k}",
            kind=Span.SPAN_KIND_CLIENT,
            start_time_unix_nano=1_795_000_000_000_000_000 + k,
            end_time_unix_nano=1_795_000_000_100_000_000,
            attributes=attrs,
            status=Status(code=Status.STATUS_CODE_ERROR, message="boom"),
            links=[Span.Link(trace_id=bytes(range(16)), span_id=bytes(range(8)))],
            events=[Span.Event(name="e", time_unix_nano=5, attributes=attrs[:2])],
        )
        for k in range(3)
    ]
    resource = Resource(attributes=[_kv("service.name", AnyValue(string_value="mw"))])
    return ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource=resource,
                scope_spans=[ScopeSpans(scope=InstrumentationScope(name="s"), spans=spans)],
            )
        ]
    )


VALID_PB = _valid_request().SerializeToString()
VALID_DOC: dict[str, Any] = otlp_json(_valid_request())
VALID_JSON = json.dumps(VALID_DOC).encode()


def check(decode: Decoder, body: bytes) -> None:
    """``decode`` either refuses ``body`` with OtlpDecodeError or returns a storable batch."""
    try:
        batch = decode(body, received_ns=7)
    except OtlpDecodeError as exc:
        assert str(exc)
        return
    lengths = {name: len(column) for name, column in batch.columns.items()}
    assert list(lengths) == SPAN_SCHEMA.names
    assert set(lengths.values()) <= {batch.accepted}
    assert batch.accepted >= 0 and batch.rejected >= 0
    assert len(batch.errors) == min(batch.rejected, 10)
    table = pa.Table.from_pydict(batch.columns, schema=SPAN_SCHEMA)
    assert table.num_rows == batch.accepted
    for name in ("attributes", "resource", "links", "span_events"):
        for text in batch.columns[name]:
            if text is not None:
                json.loads(str(text), parse_constant=_no_constants)


def _no_constants(name: str) -> None:
    raise AssertionError(f"JSON column holds {name}")


def test_the_valid_bodies_are_valid() -> None:
    assert decode_protobuf(VALID_PB, received_ns=7).accepted == 3
    assert decode_json(VALID_JSON, received_ns=7) == decode_protobuf(VALID_PB, received_ns=7)


@FAST
@given(body=st.binary(max_size=512))
def test_random_bytes(body: bytes) -> None:
    for decode in DECODERS:
        check(decode, body)


@st.composite
def mutated(draw: st.DrawFn, body: bytes) -> bytes:
    data = bytearray(body)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(("flip", "truncate", "insert", "delete")))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del data[at:]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        else:
            del data[at : at + draw(st.integers(1, 8))]
    return bytes(data)


@FAST
@given(body=mutated(VALID_PB))
def test_mutated_protobuf(body: bytes) -> None:
    check(decode_protobuf, body)


@FAST
@given(body=mutated(VALID_JSON))
def test_mutated_json_bytes(body: bytes) -> None:
    check(decode_json, body)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**65), 2**65)
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(
        (
            "",
            "00",
            "0" * 32,
            "F" * 16,
            "1" * 32,
            "NaN",
            "SPAN_KIND_SERVER",
            "\ud800",
            "--1",
            "-0",
            "\u0663",
        )
    ),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ("key", "value", "stringValue", "intValue", "arrayValue", "values", "traceId", "x")
            ),
            children,
            max_size=3,
        )
    ),
    max_leaves=8,
)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*path, i))
    return out


PATHS = _paths(VALID_DOC)


@settings(max_examples=1000, deadline=None)
@given(edits=st.lists(st.tuples(st.sampled_from(PATHS), JSON_VALUES), min_size=1, max_size=3))
def test_mutated_json_structure(edits: list[tuple[tuple[Any, ...], object]]) -> None:
    doc: Any = copy.deepcopy(VALID_DOC)
    for path, value in edits:
        if not path:
            doc = value
            continue
        node = doc
        try:
            for step in path[:-1]:
                node = node[step]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed this path
    check(decode_json, json.dumps(doc).encode())


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
SPECIAL_KEYS = (
    "inventory.event_id",
    "order.id",
    "sync.target",
    "sync.attempt",
    "sync.replay",
    "sync.dead_lettered",
    "sync.duplicate",
    "http.response.status_code",
    "error.type",
)
ANY_VALUES = st.recursive(
    st.builds(lambda s: AnyValue(string_value=s), TEXT | st.sampled_from(("true", "FALSE", "7")))
    | st.builds(lambda b: AnyValue(bool_value=b), st.booleans())
    | st.builds(lambda i: AnyValue(int_value=i), st.integers(-(2**63), 2**63 - 1))
    | st.builds(lambda d: AnyValue(double_value=d), st.floats())
    | st.builds(lambda b: AnyValue(bytes_value=b), st.binary(max_size=6))
    | st.just(AnyValue()),
    lambda children: (
        st.builds(
            lambda vs: AnyValue(array_value=ArrayValue(values=vs)), st.lists(children, max_size=3)
        )
        | st.builds(
            lambda kv: AnyValue(kvlist_value=KeyValueList(values=[_kv(k, v) for k, v in kv])),
            st.lists(st.tuples(TEXT, children), max_size=3),
        )
    ),
    max_leaves=6,
)
ATTRIBUTES = st.lists(st.builds(_kv, st.sampled_from(SPECIAL_KEYS) | TEXT, ANY_VALUES), max_size=5)
UINT64 = st.integers(0, 2**64 - 1) | st.sampled_from((1, 2**63 - 1, 2**63))
SPANS = st.builds(
    Span,
    trace_id=st.binary(max_size=17) | st.just(bytes(range(1, 17))),
    span_id=st.binary(max_size=9) | st.just(bytes(range(1, 9))),
    parent_span_id=st.binary(max_size=9),
    name=TEXT,
    kind=st.integers(-(2**31), 2**31 - 1),
    start_time_unix_nano=UINT64,
    end_time_unix_nano=UINT64,
    attributes=ATTRIBUTES,
    status=st.builds(Status, code=st.integers(0, 3), message=TEXT),
    links=st.lists(
        st.builds(Span.Link, trace_id=st.binary(max_size=17), span_id=st.binary(max_size=9)),
        max_size=2,
    ),
    events=st.lists(
        st.builds(Span.Event, name=TEXT, time_unix_nano=UINT64, attributes=ATTRIBUTES), max_size=2
    ),
)
REQUESTS = st.builds(
    lambda groups: ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource=Resource(attributes=res),
                scope_spans=[ScopeSpans(scope=InstrumentationScope(name=name), spans=spans)],
            )
            for res, name, spans in groups
        ]
    ),
    st.lists(st.tuples(ATTRIBUTES, TEXT, st.lists(SPANS, max_size=4)), max_size=3),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=REQUESTS)
def test_random_requests_decode_alike_in_both_encodings(request: ExportTraceServiceRequest) -> None:
    body = request.SerializeToString()
    doc = otlp_json(request)
    json_body = json.dumps(doc).encode()
    check(decode_protobuf, body)
    check(decode_json, json_body)
    pb, js = decode_protobuf(body, received_ns=7), decode_json(json_body, received_ns=7)
    assert (pb.accepted, pb.rejected, pb.columns) == (js.accepted, js.rejected, js.columns), (
        pb.errors,
        js.errors,
        doc,
    )
