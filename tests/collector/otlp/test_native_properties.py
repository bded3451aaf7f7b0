"""The native protobuf decoder on random requests and random bytes.

``requests(tame=True)`` are requests native must take (every span valid, keys
distinct): it must, and give exactly the Python decoder's table, also from
the same request as other writers put it on the wire.  Wild requests and
mutated bytes: native declines or gives exactly that table; it never crashes.
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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

from collector.otlp import common, decode_protobuf
from collector.otlp.common import SLOT_KIND, SPECIAL
from collector.otlp.protobuf import pb_attrs
from tests.collector.otlp.checks import assert_native_exact
from tests.collector.otlp.protowire import reencode, same_message
from tests.collector.otlp.test_native import RICH
from tests.collector.otlp.test_properties import mutated

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))

CHARS = st.characters(exclude_categories=("Cs",))
TEXT = (
    st.text(CHARS, max_size=10)
    | st.text(
        st.sampled_from('abcdefghijklmnop"\\\x00\x1f\x7f\u00e9\U0001f600'), min_size=7, max_size=40
    )
    | st.sampled_from(('"', "\\", "\x7f", "\x00\x1f\n", "\u2028\ufeff", "\U0001f600\U0010ffff", ""))
)
INT64 = st.integers(-(2**63), 2**63 - 1) | st.sampled_from((0, -1, -(2**63), 2**63 - 1))
INT32 = st.integers(-(2**31), 2**31 - 1)
UINT32 = st.integers(0, 2**32 - 1)
UINT64 = st.integers(0, 2**64 - 1)
FLOATS = st.floats() | st.sampled_from((-0.0, 1e16, 1e-5, 5e-324, 0.1, float("nan")))

SCALARS = (
    TEXT.map(lambda v: AnyValue(string_value=v))
    | st.booleans().map(lambda v: AnyValue(bool_value=v))
    | INT64.map(lambda v: AnyValue(int_value=v))
    | FLOATS.map(lambda v: AnyValue(double_value=v))
    | st.binary(max_size=7).map(lambda v: AnyValue(bytes_value=v))
    | st.just(AnyValue())
)


def _pairs(
    keys: st.SearchStrategy[str], values: st.SearchStrategy[AnyValue], tame: bool
) -> st.SearchStrategy[list[tuple[str, AnyValue | None]]]:
    pair = st.tuples(keys, values | st.none())
    if tame:
        return st.lists(pair, max_size=5, unique_by=lambda kv: kv[0])
    return st.lists(pair, max_size=5)


def _kvs(pairs: list[tuple[str, AnyValue | None]]) -> list[KeyValue]:
    return [KeyValue(key=k) if v is None else KeyValue(key=k, value=v) for k, v in pairs]


def any_values(tame: bool) -> st.SearchStrategy[AnyValue]:
    return st.recursive(
        SCALARS,
        lambda children: (
            st.lists(children, max_size=3).map(
                lambda vs: AnyValue(array_value=ArrayValue(values=vs))
            )
            | _pairs(TEXT, children, tame).map(
                lambda kvs: AnyValue(kvlist_value=KeyValueList(values=_kvs(kvs)))
            )
        ),
        max_leaves=6,
    )


ANY_VALUES = {tame: any_values(tame) for tame in (True, False)}


def attributes(
    tame: bool, keys: st.SearchStrategy[str] = TEXT
) -> st.SearchStrategy[list[KeyValue]]:
    return _pairs(keys, ANY_VALUES[tame], tame).map(_kvs)


ATTRIBUTES = {tame: attributes(tame) for tame in (True, False)}


def _digits(lo: int) -> st.SearchStrategy[str]:
    return st.integers(lo, 10**18 - 1).flatmap(
        lambda n: st.integers(0, 18 - len(str(n))).map(lambda z: "0" * z + str(n))
    )


def _typed_value(key: str) -> st.SearchStrategy[AnyValue]:
    """A value of special attribute ``key`` that common._typed stores."""
    kind = SLOT_KIND[SPECIAL[key]]
    if kind == "s":
        return TEXT.map(lambda v: AnyValue(string_value=v)) | INT64.map(
            lambda v: AnyValue(int_value=v)
        )
    if kind == "i":
        lo = 1 if key == "sync.attempt" else -(2**63)
        return st.integers(lo, 2**63 - 1).map(lambda v: AnyValue(int_value=v)) | _digits(
            max(lo, 0)
        ).map(lambda v: AnyValue(string_value=v))
    cased = st.sampled_from(("true", "false")).flatmap(
        lambda w: st.lists(st.booleans(), min_size=len(w), max_size=len(w)).map(
            lambda up: "".join(c.upper() if u else c for c, u in zip(w, up, strict=True))
        )
    )
    return st.booleans().map(lambda v: AnyValue(bool_value=v)) | cased.map(
        lambda v: AnyValue(string_value=v)
    )


TYPED_VALUES = {key: _typed_value(key) for key in SPECIAL}
WILD_SPAN_ATTRIBUTES = attributes(False, st.sampled_from(sorted(SPECIAL)) | TEXT)
OTHER_ATTRIBUTES = attributes(True, TEXT.filter(lambda k: k not in SPECIAL))


@st.composite
def span_attributes(draw: st.DrawFn, tame: bool) -> list[KeyValue]:
    if not tame:
        return draw(WILD_SPAN_ATTRIBUTES)
    special = draw(st.lists(st.sampled_from(sorted(SPECIAL)), unique=True))
    kvs = [KeyValue(key=k, value=draw(TYPED_VALUES[k])) for k in special]
    return draw(st.permutations(kvs + draw(OTHER_ATTRIBUTES)))


LINKS = {
    tame: st.builds(
        Span.Link,
        trace_id=st.binary(max_size=17),
        span_id=st.binary(max_size=9),
        trace_state=TEXT,
        attributes=ATTRIBUTES[tame],
        dropped_attributes_count=UINT32,
        flags=UINT32,
    )
    for tame in (True, False)
}
EVENTS = {
    tame: st.builds(
        Span.Event,
        time_unix_nano=UINT64,
        name=TEXT,
        attributes=ATTRIBUTES[tame],
        dropped_attributes_count=UINT32,
    )
    for tame in (True, False)
}
ID16 = st.binary(min_size=16, max_size=16).filter(any)
ID8 = st.binary(min_size=8, max_size=8).filter(any)


@st.composite
def spans(draw: st.DrawFn, tame: bool) -> Span:
    if tame:
        trace_id, span_id = draw(ID16), draw(ID8)
        parent = draw(st.just(b"") | st.just(bytes(8)) | ID8)
        start, end = sorted(draw(st.lists(st.integers(1, 2**63 - 1), min_size=2, max_size=2)))
    else:
        trace_id, span_id = draw(ID16 | st.binary(max_size=17)), draw(ID8 | st.binary(max_size=9))
        parent = draw(st.binary(max_size=9))
        start, end = draw(UINT64), draw(UINT64)
    span = Span(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=parent,
        trace_state=draw(TEXT),
        flags=draw(UINT32),
        name=draw(TEXT),
        kind=draw(INT32),
        start_time_unix_nano=start,
        end_time_unix_nano=end,
        attributes=draw(span_attributes(tame)),
        dropped_attributes_count=draw(UINT32),
        events=draw(st.lists(EVENTS[tame], max_size=2)),
        dropped_events_count=draw(UINT32),
        links=draw(st.lists(LINKS[tame], max_size=2)),
        dropped_links_count=draw(UINT32),
    )
    if draw(st.booleans()):
        span.status.CopyFrom(Status(code=draw(INT32), message=draw(TEXT)))
    return span


SERVICE = st.tuples(st.just("service.name"), TEXT.map(lambda v: AnyValue(string_value=v)) | SCALARS)
RESOURCE_ATTRIBUTES = {
    tame: attributes(tame, TEXT.filter(lambda k: k != "service.name")) for tame in (True, False)
}
ENTITY_REFS = st.lists(
    st.builds(EntityRef, type=TEXT, id_keys=st.lists(TEXT, max_size=2)), max_size=1
)


@st.composite
def requests(draw: st.DrawFn, tame: bool) -> ExportTraceServiceRequest:
    groups = []
    for _ in range(draw(st.integers(0, 3))):
        rs = ResourceSpans(schema_url=draw(TEXT))
        if draw(st.booleans()):
            attrs = draw(RESOURCE_ATTRIBUTES[tame])
            attrs += _kvs(draw(st.lists(SERVICE, max_size=1 if tame else 2)))
            rs.resource.CopyFrom(
                Resource(
                    attributes=draw(st.permutations(attrs)),
                    dropped_attributes_count=draw(UINT32),
                    entity_refs=draw(ENTITY_REFS),
                )
            )
        for _ in range(draw(st.integers(0, 2))):
            ss = ScopeSpans(spans=draw(st.lists(spans(tame), max_size=3)), schema_url=draw(TEXT))
            if draw(st.booleans()):
                ss.scope.CopyFrom(
                    InstrumentationScope(
                        name=draw(TEXT),
                        version=draw(TEXT),
                        attributes=draw(ATTRIBUTES[tame]),  # stored now: tame keys are unique
                        dropped_attributes_count=draw(UINT32),
                    )
                )
            rs.scope_spans.append(ss)
        groups.append(rs)
    return ExportTraceServiceRequest(resource_spans=groups)


@SETTINGS
@given(request=requests(tame=True), seed=st.integers(0, 2**32 - 1))
def test_tame_requests_are_taken_and_decode_alike(
    request: ExportTraceServiceRequest, seed: int
) -> None:
    assert assert_native_exact(request.SerializeToString(), accept=True)
    body = reencode(request, random.Random(seed))
    assert same_message(body, request)
    assert assert_native_exact(body, accept=True)


@SETTINGS
@given(request=requests(tame=False))
def test_wild_requests_decode_alike_or_are_declined(request: ExportTraceServiceRequest) -> None:
    assert_native_exact(request.SerializeToString())


@SETTINGS
@given(body=mutated(RICH))
def test_mutated_bytes_decode_alike_or_are_declined(body: bytes) -> None:
    assert_native_exact(body)


@SETTINGS
@given(body=st.binary(max_size=256))
def test_random_bytes_decode_alike_or_are_declined(body: bytes) -> None:
    assert_native_exact(body)


@st.composite
def spans_repeating_keys(draw: st.DrawFn) -> Span:
    """A valid span whose attributes repeat keys, special ones included."""
    span = draw(spans(tame=True))
    keys = draw(st.lists(st.sampled_from(sorted(SPECIAL)) | TEXT, max_size=8))
    del span.attributes[:]
    span.attributes.extend(
        KeyValue(key=k, value=draw(TYPED_VALUES[k] if k in SPECIAL else ANY_VALUES[True]))
        for k in keys
    )
    return span


@SETTINGS
@given(span=spans(tame=True) | spans_repeating_keys())
def test_stored_rows_give_back_every_attribute_as_sent(span: Span) -> None:
    # the `attributes` JSON leaves out what the columns hold exactly; the row
    # must still give back every attribute, the last value of a repeated key
    request = ExportTraceServiceRequest(
        resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=[span])])]
    )
    batch = decode_protobuf(request.SerializeToString(), received_ns=1)
    assert batch.accepted == 1, batch.errors
    row = {k: v[0] for k, v in batch.columns.items()}
    assert common.span_attributes(str(row["attributes"]), row) == pb_attrs(span.attributes)
