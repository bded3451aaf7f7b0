"""The native protobuf decoder gives exactly the Python decoder's table, or declines.

Hand-made cases: every kind of value it handles, and every case it must
leave to the Python decoder.  Random ones are in test_native_properties.py.
"""

from __future__ import annotations

import random
import struct
import threading
from dataclasses import replace

import pyarrow as pa
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import (
    AnyValue,
    ArrayValue,
    EntityRef,
    InstrumentationScope,
    KeyValue,
    KeyValueList,
)
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from collector import decoding
from collector.otlp import OtlpDecodeError, decode_protobuf, native
from collector.otlp.native import decode_protobuf_table, native_decoder, wire_layout
from collector.schema import SPAN_SCHEMA
from collector.testing.wire import random_request
from collector.testing.workload import patch, span_templates
from tests.collector.otlp.checks import RECEIVED_NS, assert_native_exact
from tests.collector.otlp.protowire import field, reencode, same_message, varint

TID = bytes(range(1, 17))
SID = bytes(range(21, 29))


def s(v: str) -> AnyValue:
    return AnyValue(string_value=v)


def i(v: int) -> AnyValue:
    return AnyValue(int_value=v)


def b(v: bool) -> AnyValue:
    return AnyValue(bool_value=v)


def d(v: float) -> AnyValue:
    return AnyValue(double_value=v)


def kv(key: str, value: AnyValue | None) -> KeyValue:
    return KeyValue(key=key) if value is None else KeyValue(key=key, value=value)


UNICODE = "a\"b\\c\n\r\t\b\f\x00\x1f\x7f \u00e9\u2028\ufeff\uffff\U0001f600\U0010ffff/<>&'"
ALL_KINDS = [
    kv("str", s(UNICODE)),
    kv("empty", s("")),
    kv("int.max", i(2**63 - 1)),
    kv("int.min", i(-(2**63))),
    kv("int.neg", i(-1)),
    kv("true", b(True)),
    kv("false", b(False)),
    kv("half", d(0.5)),
    kv("whole", d(3.0)),
    kv("neg.zero", d(-0.0)),
    kv("big", d(1e16)),
    kv("small", d(1e-5)),
    kv("tiny", d(5e-324)),
    kv("max", d(1.7976931348623157e308)),
    kv("third", d(1 / 3)),
    kv("nan", d(float("nan"))),
    kv("inf", d(float("inf"))),
    kv("-inf", d(float("-inf"))),
    kv("bytes", AnyValue(bytes_value=b"\x00\xff\xfe")),
    kv("bytes1", AnyValue(bytes_value=b"a")),
    kv("bytes2", AnyValue(bytes_value=b"ab")),
    kv("bytes.empty", AnyValue(bytes_value=b"")),
    kv("unset", AnyValue()),
    kv("missing", None),
    kv("", s("empty key")),
    kv(UNICODE, i(1)),
    kv(
        "array",
        AnyValue(
            array_value=ArrayValue(
                values=[
                    s("x"),
                    i(2),
                    b(True),
                    d(float("nan")),
                    AnyValue(),
                    AnyValue(array_value=ArrayValue(values=[d(2.5)])),
                    AnyValue(kvlist_value=KeyValueList(values=[kv("k", s("v"))])),
                    AnyValue(bytes_value=b"\x01"),
                ]
            )
        ),
    ),
    kv("array.empty", AnyValue(array_value=ArrayValue())),
    kv(
        "kvlist",
        AnyValue(
            kvlist_value=KeyValueList(
                values=[
                    kv("a", i(1)),
                    kv("str", s("same key as outside")),
                    kv("nested", AnyValue(kvlist_value=KeyValueList(values=[kv("a", None)]))),
                ]
            )
        ),
    ),
    kv("kvlist.empty", AnyValue(kvlist_value=KeyValueList())),
]
# every typing rule of common._typed that stores a value
SPECIAL_TYPED = [
    kv("inventory.event_id", s("evt-\u00e9")),
    kv("inventory.event_source", s("")),
    kv("inventory.sku", i(-42)),
    kv("inventory.location", i(2**63 - 1)),
    kv("order.id", i(-(2**63))),
    kv("sync.target", s("erp")),
    kv("sync.attempt", s("000000000000000007")),
    kv("sync.replay", s("TRUE")),
    kv("sync.dead_lettered", s("fAlSe")),
    kv("sync.duplicate", b(True)),
    kv("error.type", s("timeout")),
    kv("http.response.status_code", i(-(2**63))),
]


def rich_request() -> ExportTraceServiceRequest:
    """Two resources, three scopes, every kind of value, events and links."""
    spans = [
        Span(
            trace_id=TID,
            span_id=SID,
            trace_state="rojo=00f067aa0ba902b7,\u00e9",
            parent_span_id=bytes(range(31, 39)),
            flags=0x301,
            name=UNICODE,
            kind=Span.SPAN_KIND_SERVER,
            start_time_unix_nano=1,
            end_time_unix_nano=2**63 - 1,
            attributes=ALL_KINDS + SPECIAL_TYPED,
            dropped_attributes_count=3,
            events=[
                Span.Event(time_unix_nano=2**64 - 1, name=UNICODE, attributes=ALL_KINDS),
                Span.Event(),
            ],
            dropped_events_count=1,
            links=[
                Span.Link(trace_id=TID, span_id=SID, trace_state="x", attributes=ALL_KINDS),
                Span.Link(trace_id=b"\x00\x01", flags=1, dropped_attributes_count=2),
                Span.Link(),
            ],
            dropped_links_count=7,
            status=Status(code=Status.STATUS_CODE_ERROR, message="boom \u00e9"),
        ),
        Span(  # the minimum: root (zero parent), no name, attributes, status, events or links
            trace_id=TID,
            span_id=SID[::-1],
            parent_span_id=bytes(8),
            start_time_unix_nano=5,
            end_time_unix_nano=5,
            kind=-7,
        ),
        Span(
            trace_id=TID[::-1],
            span_id=SID,
            start_time_unix_nano=2**62,
            end_time_unix_nano=2**62 + 1,
            kind=2**31 - 1,
            status=Status(code=-(2**31)),
            attributes=[kv("sync.attempt", i(1)), kv("sync.replay", s("false"))],
            links=[Span.Link(trace_id=TID, span_id=SID)],
        ),
    ]
    resource = Resource(
        attributes=[
            kv("service.name", s("sync-middleware")),
            kv("host", s("h\u00e9")),
            kv("cores", i(8)),
        ],
        dropped_attributes_count=1,
        entity_refs=[EntityRef(type="service", id_keys=["service.name"], schema_url="u")],
    )
    scope = InstrumentationScope(
        name="synclens.\u00e9",
        version="1.0",
        attributes=[kv("a", i(1)), kv("b", s("\u00e9"))],
        dropped_attributes_count=4,
    )
    return ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource=resource,
                scope_spans=[
                    ScopeSpans(scope=scope, spans=spans[:2], schema_url="https://x/1.0"),
                    ScopeSpans(spans=spans[2:]),  # no scope: scope_name None
                ],
                schema_url="https://opentelemetry.io/schemas/1.26.0",
            ),
            ResourceSpans(  # no resource: "{}", no service
                scope_spans=[ScopeSpans(scope=InstrumentationScope(version="2"), spans=spans)]
            ),
            ResourceSpans(  # a service.name that is not a string, and no spans
                resource=Resource(attributes=[kv("service.name", i(1))]),
                scope_spans=[ScopeSpans(scope=scope)],
            ),
            ResourceSpans(
                resource=Resource(attributes=[kv("service.name", i(1))]),
                scope_spans=[ScopeSpans(spans=spans[1:2])],
            ),
            ResourceSpans(
                resource=Resource(attributes=[kv("service.name", s(""))]),
                scope_spans=[ScopeSpans(spans=spans[1:2])],
            ),
        ]
    )


RICH = rich_request().SerializeToString()


def test_the_extension_is_built_and_fits_the_installed_protos() -> None:
    module = native_decoder()
    if module is None:  # say which check failed
        from collector.otlp import _native  # type: ignore[attr-defined]

        assert frozenset(_native.WIRE) == wire_layout(), "opentelemetry-proto changed"
        raise AssertionError("collector.otlp._native does not fit SPAN_SCHEMA / SPECIAL / limits")
    assert module.__name__ == "collector.otlp._native"


def test_every_handled_kind_of_value() -> None:
    assert assert_native_exact(RICH, accept=True)
    table, counts = decode_protobuf_table(RICH, RECEIVED_NS) or (None, None)
    assert table is not None and counts is not None and counts.accepted == 8
    row = table.slice(0, 1).to_pylist()[0]
    assert row["service_name"] == "sync-middleware" and row["attempt"] == 7
    assert row["replay"] is True and row["dead_lettered"] is False
    assert row["sku"] == "-42" and row["order_id"] == str(-(2**63))
    assert table["received_ns"].to_pylist() == [RECEIVED_NS] * 8


def test_the_empty_body_and_empty_messages() -> None:
    for request in (
        ExportTraceServiceRequest(),
        ExportTraceServiceRequest(resource_spans=[ResourceSpans()]),
        ExportTraceServiceRequest(resource_spans=[ResourceSpans(scope_spans=[ScopeSpans()])]),
    ):
        assert assert_native_exact(request.SerializeToString(), accept=True)
    table, _ = decode_protobuf_table(b"", 0) or (None, None)
    assert table is not None and table.num_rows == 0 and table.schema == SPAN_SCHEMA


def test_the_bench_workload_bodies() -> None:
    templates = span_templates(2, 1000, now_ns=1_795_162_502_000_000_000)
    for index in range(4):
        body, _ = patch(templates, index)
        assert assert_native_exact(body, accept=True)
    rng = random.Random(42)
    for seq in range(2):
        assert assert_native_exact(random_request(rng, 1000, seq).SerializeToString(), accept=True)


def test_other_writers_wire_bytes() -> None:
    """Fields out of order, stale values, unknown fields, non-canonical varints."""
    request = rich_request()
    for seed in range(100):
        body = reencode(request, random.Random(seed))
        assert same_message(body, request)
        assert assert_native_exact(body, accept=True)


def _span_body(*fields: bytes) -> bytes:
    """A request of one span made of these raw fields."""
    span = b"".join(fields)
    scope_spans = field(2, 2, span)
    return field(1, 2, field(2, 2, scope_spans))


_OK_FIELDS = (
    field(1, 2, TID),
    field(2, 2, SID),
    field(7, 1, struct.pack("<Q", 10)),
    field(8, 1, struct.pack("<Q", 20)),
)


def _ok_span(*extra: bytes) -> bytes:
    return _span_body(*_OK_FIELDS, *extra)


def _nested(depth: int) -> bytes:
    """An AnyValue of arrays ``depth`` deep around an int."""
    if not depth:
        return field(3, 0, b"\x01")
    return field(5, 2, field(1, 2, _nested(depth - 1)))


def _attr(key: str, value: bytes | None) -> bytes:
    body = field(1, 2, key.encode())
    return field(9, 2, body if value is None else body + field(2, 2, value))


@pytest.mark.parametrize(
    ("label", "body"),
    [
        ("kind is truncated to int32 like upb", _ok_span(field(6, 0, varint(2**40 + 5)))),
        ("kind -1 in ten bytes", _ok_span(field(6, 0, varint(-1)))),
        ("status code -1 in ten bytes", _ok_span(field(15, 2, field(3, 0, varint(-1))))),
        ("the last name wins", _ok_span(field(5, 2, b"old"), field(5, 2, b"new"))),
        ("the last trace id wins", _span_body(field(1, 2, b"x"), *_OK_FIELDS)),
        ("attributes between other fields", _ok_span(_attr("a", None), field(5, 2, b"n"))),
        ("an empty status", _ok_span(field(15, 2, b""))),
        (
            "the last oneof member wins",
            _ok_span(_attr("v", field(1, 2, b"s") + field(3, 0, b"\x05"))),
        ),
        ("array then string", _ok_span(_attr("v", field(5, 2, b"") + field(1, 2, b"s")))),
        (
            "key_strindex is ignored",
            _ok_span(field(9, 2, field(1, 2, b"k") + field(3, 0, b"\x07"))),
        ),
        ("nesting 16 deep", _ok_span(_attr("deep", _nested(16)))),
        ("a non-canonical 10-byte varint", _ok_span(field(6, 0, varint(3, pad=20)))),
        ("a 5-byte tag", _ok_span(field(5, 2, b"n", pad=4))),
        ("an unknown field 2**29-1", _ok_span(field(2**29 - 1, 0, b"\x01"))),
        ("unknown bytes are not UTF-8 checked", _ok_span(field(99, 2, b"\xff"))),
    ],
)
def test_wire_details_decode_alike(label: str, body: bytes) -> None:
    assert assert_native_exact(body, accept=True), label


_DECLINED_VALID = [
    ("duplicate span attribute", _ok_span(_attr("a", None), _attr("a", None))),
    ("duplicate kvlist key", _ok_span(_attr("m", field(6, 2, field(1, 2, b"") * 2)))),
    ("status twice (merged)", _ok_span(field(15, 2, b""), field(15, 2, b""))),
    ("value twice (merged)", _ok_span(field(9, 2, field(2, 2, b"") + field(2, 2, b"")))),
    ("array twice (merged)", _ok_span(_attr("v", field(5, 2, b"") * 2))),
    ("string_value_strindex", _ok_span(_attr("v", field(8, 0, b"\x01")))),
    ("an unknown group", _ok_span(field(99, 3, b"") + varint(99 << 3 | 4))),
    ("a known field with another wire type", _ok_span(field(6, 2, b"\x01"))),
    ("an overlong 10th varint byte", _ok_span(field(6, 0, b"\xff" * 9 + b"\x7f"))),
    ("a special attribute of the wrong type", _ok_span(_attr("sync.attempt", field(1, 2, b"x")))),
    ("sync.attempt 0", _ok_span(_attr("sync.attempt", field(3, 0, b"\x00")))),
    ("a zero trace id (the last wins)", _span_body(*_OK_FIELDS, field(1, 2, bytes(16)))),
    ("no span id", _span_body(field(1, 2, TID), field(7, 1, struct.pack("<Q", 1)))),
    ("a short zero parent", _ok_span(field(4, 2, bytes(4)))),
    ("nesting 17 deep", _ok_span(_attr("deep", _nested(17)))),
    ("129 attributes", _ok_span(*(_attr(f"k{n}", None) for n in range(129)))),
]


@pytest.mark.parametrize(("label", "body"), _DECLINED_VALID)
def test_declined_bodies_decode_in_python(label: str, body: bytes) -> None:
    decode_protobuf(body, received_ns=1)  # a valid body ...
    assert decode_protobuf_table(body, 1) is None, label  # ... that native leaves to Python
    got = decoding.decode_spans(body, False, RECEIVED_NS)
    batch = decode_protobuf(body, received_ns=RECEIVED_NS)
    assert got.batch == replace(batch, columns={})
    assert got.table.equals(pa.Table.from_pydict(batch.columns, schema=SPAN_SCHEMA))


@pytest.mark.parametrize(
    "body",
    [
        _ok_span(field(5, 2, b"\xff")),  # bad UTF-8
        _ok_span(field(3, 2, b"\xed\xa0\x80")),  # a surrogate in trace_state (unused)
        _ok_span(field(15, 2, field(2, 2, b"\xc0\x80"))),  # overlong, in the status message
        _ok_span()[:-1],  # truncated
        _ok_span(b"\x00"),  # field 0
        _ok_span(field(99, 4, b"")),  # a stray end-group
        _ok_span(field(99, 7, b"")),  # wire type 7
        _ok_span(field(99, 0, b"\xff" * 10 + b"\x01")),  # an 11-byte varint
        _ok_span(b"\xf8\xff\xff\xff\xff\x01"),  # a tag over 5 bytes / uint32
    ],
)
def test_malformed_bodies_are_left_to_python(body: bytes) -> None:
    assert decode_protobuf_table(body, 1) is None
    with pytest.raises(OtlpDecodeError, match="protobuf"):
        decoding.decode_spans(body, False, 1)


def test_every_truncation_and_flip_of_a_body() -> None:
    accepted = 0
    for end in range(len(RICH)):
        accepted += assert_native_exact(RICH[:end])
    flipped = bytearray(RICH)
    for at in range(0, len(RICH), 3):
        for bit in (0x01, 0x80):
            flipped[at] ^= bit
            accepted += assert_native_exact(bytes(flipped))
            flipped[at] ^= bit
    assert accepted > 100  # some edits leave a valid body native takes


def test_the_service_path_uses_native_and_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = decode_protobuf(RICH, received_ns=RECEIVED_NS)
    table = pa.Table.from_pydict(expected.columns, schema=SPAN_SCHEMA)
    calls = []
    real = native.decode_protobuf_table

    def spy(body: bytes, received_ns: int) -> object:
        calls.append(len(body))
        return real(body, received_ns)

    monkeypatch.setattr(decoding, "decode_protobuf_table", spy)
    got = decoding.decode_spans(RICH, False, RECEIVED_NS)
    assert calls == [len(RICH)] and got.table.equals(table)
    assert got.batch == replace(expected, columns={})

    monkeypatch.setattr(native, "native_decoder", lambda: None)  # as without a compiler
    assert native.decode_protobuf_table(RICH, RECEIVED_NS) is None
    monkeypatch.setattr(decoding, "decode_protobuf_table", native.decode_protobuf_table)
    got = decoding.decode_spans(RICH, False, RECEIVED_NS)
    assert got.table.equals(table) and got.batch == replace(expected, columns={})


def test_received_ns_out_of_int64_is_left_to_python() -> None:
    assert decode_protobuf_table(RICH, 2**63) is None
    assert decode_protobuf_table(RICH, -(2**63)) is not None


def test_threads_decode_alike() -> None:
    """Decoding releases the GIL (and takes it back for doubles): threads agree."""
    expected = decode_protobuf_table(RICH, 1)
    assert expected is not None
    results: list[bool] = []

    def work() -> None:
        for _ in range(50):
            got = decode_protobuf_table(RICH, 1)
            results.append(got is not None and got[0].equals(expected[0]))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 200
