"""Every span row carries its resource's attributes and its scope name: over
MAX_RESOURCE_JSON / MAX_SCOPE_NAME characters they reject the spans under them,
and over MAX_REPEATED_BYTES characters copied by all the spans of one request
the whole request is refused, alike in the native and Python protobuf decoders
and in OTLP/JSON; bodies built to amplify them are refused in little time and
memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

from collector import decoding
from collector.otlp import OtlpDecodeError, OtlpTooLarge, decode_json, decode_protobuf
from collector.otlp.common import (
    DUMPS,
    MAX_REPEATED_BYTES,
    MAX_RESOURCE_JSON,
    MAX_SCOPE_NAME,
)
from collector.otlp.native import decode_protobuf_table, native_decoder
from collector.schema import SPAN_SCHEMA
from collector.testing.wire import otlp_json
from tests.collector.otlp.checks import RECEIVED_NS, assert_native_exact
from tests.collector.otlp.protowire import field

RESOURCE_REASON = "resource attributes exceed 16384 characters of JSON"
SCOPE_REASON = "scope name exceeds 1024 characters"
BUDGET_REASON = (
    "the spans of this request repeat more than 268435456 bytes of resource and scope text;"
    " send fewer spans per request or a smaller resource"
)
ROOT = Path(__file__).resolve().parents[3]


def _spans(n: int) -> list[Span]:
    return [
        Span(
            trace_id=bytes(range(1, 17)),
            span_id=bytes([9] * 7 + [k + 1]),
            start_time_unix_nano=10,
            end_time_unix_nano=20,
        )
        for k in range(n)
    ]


def _resource_spans(attrs: dict[str, str], *scopes: tuple[str, int]) -> ResourceSpans:
    resource = Resource(
        attributes=[KeyValue(key=k, value=AnyValue(string_value=v)) for k, v in attrs.items()]
    )
    return ResourceSpans(
        resource=resource,
        scope_spans=[
            ScopeSpans(scope=InstrumentationScope(name=name), spans=_spans(n)) for name, n in scopes
        ],
    )


def _attrs_of_json_length(key: str, length: int) -> dict[str, str]:
    """Attributes ``{key: value}`` whose JSON is ``length`` characters; the value
    has escapes and non-ASCII, so characters of JSON are not those of the value."""
    head = 'e\u00e9"\n\U0001f600'
    filler = length - len(DUMPS({key: head}))
    attrs = {key: head + "a" * filler}
    assert len(DUMPS(attrs)) == length
    return attrs


def _decoded_alike(request: ExportTraceServiceRequest) -> tuple[bool, tuple[object, ...]]:
    """(native took the body, (accepted, rejected, errors)), the same in all three paths."""
    body = request.SerializeToString()
    took = assert_native_exact(body)
    batch = decode_protobuf(body, received_ns=RECEIVED_NS)
    from_json = decode_json(json.dumps(otlp_json(request)).encode(), received_ns=RECEIVED_NS)
    assert from_json == batch
    got = decoding.decode_spans(body, False, RECEIVED_NS)  # the service path
    assert got.table.equals(pa.Table.from_pydict(batch.columns, schema=SPAN_SCHEMA))
    return took, (batch.accepted, batch.rejected, batch.errors)


def test_the_limits_are_shared_with_the_extension() -> None:
    module = native_decoder()
    assert module is not None
    assert (module.MAX_RESOURCE_JSON, module.MAX_SCOPE_NAME) == (MAX_RESOURCE_JSON, MAX_SCOPE_NAME)
    assert str(MAX_RESOURCE_JSON) in RESOURCE_REASON and str(MAX_SCOPE_NAME) in SCOPE_REASON
    assert module.MAX_REPEATED_BYTES == MAX_REPEATED_BYTES == 256 * 1024 * 1024
    assert str(MAX_REPEATED_BYTES) in BUDGET_REASON


@pytest.mark.parametrize("key", ["service.name", "host.name"])
def test_resource_json_at_the_limit_is_kept_natively(key: str) -> None:
    attrs = _attrs_of_json_length(key, MAX_RESOURCE_JSON)
    request = ExportTraceServiceRequest(resource_spans=[_resource_spans(attrs, ("s", 2))])
    assert _decoded_alike(request) == (True, (2, 0, ()))
    table = decode_protobuf_table(request.SerializeToString(), RECEIVED_NS)
    assert table is not None
    assert [len(r) for r in table[0]["resource"].to_pylist()] == [MAX_RESOURCE_JSON] * 2


@pytest.mark.parametrize("key", ["service.name", "host.name"])
def test_resource_json_one_over_the_limit_rejects_its_spans(key: str) -> None:
    attrs = _attrs_of_json_length(key, MAX_RESOURCE_JSON + 1)
    request = ExportTraceServiceRequest(
        resource_spans=[_resource_spans(attrs, ("s", 1), ("t", 1)), _resource_spans({}, ("s", 1))]
    )
    errors = (
        f"span 0 of resource 0: {RESOURCE_REASON}",
        f"span 1 of resource 0: {RESOURCE_REASON}",
    )
    assert _decoded_alike(request) == (False, (1, 2, errors))


@pytest.mark.parametrize("char", ["a", "\u00e9", "\U0001f600"])
def test_scope_name_at_the_limit_is_kept_natively(char: str) -> None:
    """Characters, not UTF-8 bytes: 1024 emoji are 4096 bytes and still fit."""
    request = ExportTraceServiceRequest(
        resource_spans=[_resource_spans({}, (char * MAX_SCOPE_NAME, 2))]
    )
    assert _decoded_alike(request) == (True, (2, 0, ()))


@pytest.mark.parametrize("char", ["a", "\u00e9", "\U0001f600"])
def test_scope_name_one_over_the_limit_rejects_its_spans(char: str) -> None:
    request = ExportTraceServiceRequest(
        resource_spans=[_resource_spans({}, ("ok", 1), (char * (MAX_SCOPE_NAME + 1), 2))]
    )
    errors = (f"span 1 of resource 0: {SCOPE_REASON}", f"span 2 of resource 0: {SCOPE_REASON}")
    assert _decoded_alike(request) == (False, (1, 2, errors))


def _scoped(scope: InstrumentationScope, n: int = 2) -> ResourceSpans:
    return ResourceSpans(scope_spans=[ScopeSpans(scope=scope, spans=_spans(n))])


@pytest.mark.parametrize("over", [0, 1])
def test_scope_version_over_the_limit_rejects_its_spans(over: int) -> None:
    """The version is copied into every row like the name: the same limit."""
    version = "\u00e9" * (MAX_SCOPE_NAME + over)
    request = ExportTraceServiceRequest(
        resource_spans=[_scoped(InstrumentationScope(name="s", version=version))]
    )
    reason = f"scope version exceeds {MAX_SCOPE_NAME} characters"
    expected = (
        (2, 0, ())
        if not over
        else (0, 2, tuple(f"span {i} of resource 0: {reason}" for i in (0, 1)))
    )
    assert _decoded_alike(request) == (not over, expected)


@pytest.mark.parametrize("over", [0, 1])
def test_scope_attributes_over_the_limit_reject_their_spans(over: int) -> None:
    """Scope attributes are JSON like the resource's: the same limit."""
    attrs = _attrs_of_json_length("team", MAX_RESOURCE_JSON + over)
    scope = InstrumentationScope(
        name="s",
        attributes=[KeyValue(key=k, value=AnyValue(string_value=v)) for k, v in attrs.items()],
    )
    request = ExportTraceServiceRequest(
        resource_spans=[_scoped(scope, 1), _scoped(InstrumentationScope(name="t"), 1)]
    )
    reason = f"scope attributes exceed {MAX_RESOURCE_JSON} characters of JSON"
    expected = (2, 0, ()) if not over else (1, 1, (f"span 0 of resource 0: {reason}",))
    assert _decoded_alike(request) == (not over, expected)
    if not over:
        batch = decode_protobuf(request.SerializeToString(), received_ns=RECEIVED_NS)
        assert batch.columns["scope_attributes"] == [DUMPS(attrs), None]


def test_scope_version_and_attributes_count_in_the_request_budget() -> None:
    """What every row copies from its scope counts, as the scope name does."""
    attrs = {"team": "x" * 1000}
    scope = InstrumentationScope(
        name="s",
        version="v" * 1000,
        attributes=[KeyValue(key=k, value=AnyValue(string_value=v)) for k, v in attrs.items()],
    )
    body = ExportTraceServiceRequest(resource_spans=[_scoped(scope, 10)]).SerializeToString()
    per_row = 2 + 1 + 1000 + len(DUMPS(attrs))  # resource "{}", name, version, attributes
    assert decode_protobuf_table(body, RECEIVED_NS, max_repeated=10 * per_row) is not None
    assert decode_protobuf_table(body, RECEIVED_NS, max_repeated=10 * per_row - 1) is None
    with pytest.raises(OtlpTooLarge):
        decode_protobuf(body, received_ns=RECEIVED_NS, max_repeated=10 * per_row - 1)
    decode_protobuf(body, received_ns=RECEIVED_NS, max_repeated=10 * per_row)


def test_the_resource_reason_comes_first_and_the_rest_is_kept() -> None:
    big = _attrs_of_json_length("service.name", MAX_RESOURCE_JSON + 1)
    request = ExportTraceServiceRequest(
        resource_spans=[
            _resource_spans(big, ("x" * (MAX_SCOPE_NAME + 1), 1)),
            _resource_spans({"service.name": "ok"}, ("s", 2)),
        ]
    )
    request.resource_spans[0].scope_spans[0].spans[0].trace_id = bytes(16)  # rejected anyway
    errors = (f"span 0 of resource 0: {RESOURCE_REASON}",)
    assert _decoded_alike(request) == (False, (2, 1, errors))


def test_a_long_last_scope_name_counts_not_an_earlier_one() -> None:
    """Protobuf keeps the last value of a field sent twice: only it is measured."""
    span = _spans(1)[0].SerializeToString()
    for names, took in (
        ((b"x" * 2000, b"short"), True),
        ((b"short", b"x" * (MAX_SCOPE_NAME + 1)), False),
    ):
        scope = b"".join(field(1, 2, name) for name in names)
        body = field(1, 2, field(2, 2, field(1, 2, scope) + field(2, 2, span)))
        assert assert_native_exact(body) is took


# --------------------------------------------------------------------------- the attack

_ATTACK = """
import base64, gc, json, resource, sys, time
from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
import pyarrow as pa
from collector import decoding
from collector.otlp import decode_protobuf, native
from collector.schema import SPAN_SCHEMA

mode, where = sys.argv[1], sys.argv[2]


def request_of(service, scope):
    request = ExportTraceServiceRequest()
    rs = request.resource_spans.add()
    rs.resource.attributes.add(key="service.name").value.string_value = service
    ss = rs.scope_spans.add()
    ss.scope.name = scope
    for k in range(400):
        ss.spans.add(trace_id=bytes(range(1, 17)), span_id=(k + 1).to_bytes(8, "big"),
                     start_time_unix_nano=1, end_time_unix_nano=2)
    if mode != "json":
        return request.SerializeToString()
    doc = MessageToDict(request)
    for span in doc["resourceSpans"][0]["scopeSpans"][0]["spans"]:
        for key in ("traceId", "spanId"):
            span[key] = base64.b64decode(span[key]).hex()
    return json.dumps(doc).encode()


if mode == "python":
    native.native_decoder = lambda: None  # as without a compiler
big = "x" * (1 << 20)
body = request_of(big, "s") if where == "resource" else request_of("svc", big)
del big
warm = request_of("svc", "s")  # the first call of each path allocates more
decoding.decode_spans(warm, mode == "json", 1)
if mode == "native":
    pa.Table.from_pydict(decode_protobuf(warm, received_ns=1).columns, schema=SPAN_SCHEMA)
gc.collect()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
got = decoding.decode_spans(body, mode == "json", 1)
seconds = time.perf_counter() - start
grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
batch = got.batch
print(json.dumps({
    "body": len(body), "rows": got.table.num_rows, "accepted": batch.accepted,
    "rejected": batch.rejected, "errors": list(batch.errors),
    "grew_mib": grew / 1024, "seconds": seconds,
}))
"""


def _run(script: str, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux")
@pytest.mark.parametrize("where", ["resource", "scope"])
@pytest.mark.parametrize("mode", ["native", "python", "json"])
def test_a_big_value_over_many_small_spans_is_rejected_cheaply(mode: str, where: str) -> None:
    """1 MiB of service.name (or scope name) over 400 spans: ~400 MiB per column
    if copied into every row; rejected before it is, in a few MiB."""
    out = json.loads(_run(_ATTACK, mode, where))
    assert out["body"] > 1 << 20
    assert (out["rows"], out["accepted"], out["rejected"]) == (0, 0, 400)
    reason = RESOURCE_REASON if where == "resource" else SCOPE_REASON
    assert out["errors"] == [f"span {i} of resource 0: {reason}" for i in range(10)]
    assert out["grew_mib"] < 32, out  # copied into every row: over 400
    assert out["seconds"] < 2, out


# --------------------------------------------------------------------------- out of memory

_NO_MEMORY = """
import importlib.machinery, importlib.util, resource, sys

name = "collector.otlp._native"  # loaded alone: no pyarrow mapped around it
loader = importlib.machinery.ExtensionFileLoader(name, sys.argv[1])
module = importlib.util.module_from_spec(importlib.util.spec_from_loader(name, loader))
loader.exec_module(module)


def varint(n):
    out = bytearray()
    while n > 0x7F:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    return bytes(out + bytes([n]))


def field(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def fixed(number, v):
    return varint(number << 3 | 1) + v.to_bytes(8, "little")


attr = field(1, b"big") + field(2, field(1, b"\\x01" * (8 << 20)))  # 48 MiB of JSON
span = field(1, bytes(range(1, 17))) + field(2, bytes(range(21, 29)))
span += fixed(7, 10) + fixed(8, 20) + field(9, attr)
body = field(1, field(2, field(2, span)))
del attr, span
with open("/proc/self/status") as f:
    vm = next(int(line.split()[1]) for line in f if line.startswith("VmSize:")) * 1024
if sys.argv[2] == "limited":  # 8 MiB more address space: the attributes cannot be written
    resource.setrlimit(resource.RLIMIT_AS, (vm + (8 << 20), resource.RLIM_INFINITY))
decoded = module.decode(body, 1)
print("declined" if decoded is None else f"{decoded[0]} rows")
"""


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self/status")
def test_a_failed_allocation_declines_instead_of_raising() -> None:
    """Out of memory, the C decoder leaves the body to the Python path (no MemoryError)."""
    module = native_decoder()
    assert module is not None and module.__file__ is not None
    assert _run(_NO_MEMORY, module.__file__, "unlimited").split() == ["1", "rows"]
    assert _run(_NO_MEMORY, module.__file__, "limited").split() == ["declined"]


# --------------------------------------------------------------------------- the request budget


def _budget_request() -> ExportTraceServiceRequest:
    """Two resources, three scopes, about 100 KiB of copies; non-ASCII service and
    scope names, so that characters (not UTF-8 bytes) are what is counted."""
    first = {"service.name": "caf\u00e9-\U0001f600" * 20, "host.name": "h" * 2000}
    return ExportTraceServiceRequest(
        resource_spans=[
            _resource_spans(first, ("sc\u00f6pe", 20), ("\U0001f600" * 300, 18)),
            _resource_spans({"host.name": "only"}, ("", 3)),
        ]
    )


def _repeated(request: ExportTraceServiceRequest) -> int:
    """What the spans of ``request`` copy from their resources and scopes, counted here apart."""
    total = 0
    for rs in request.resource_spans:
        attrs = {kv.key: kv.value.string_value for kv in rs.resource.attributes}
        per_span = len(DUMPS(attrs)) + len(attrs.get("service.name", ""))
        for ss in rs.scope_spans:
            total += len(ss.spans) * (per_span + len(ss.scope.name))
    return total


def _bodies(request: ExportTraceServiceRequest) -> tuple[bytes, bytes]:
    return request.SerializeToString(), json.dumps(otlp_json(request)).encode()


def test_a_request_at_the_budget_is_kept_natively() -> None:
    request = _budget_request()
    budget = _repeated(request)
    assert 90_000 < budget < 110_000
    body, as_json = _bodies(request)
    native = decode_protobuf_table(body, RECEIVED_NS, max_repeated=budget)
    assert native is not None
    batch = decode_protobuf(body, received_ns=RECEIVED_NS, max_repeated=budget)
    assert (batch.accepted, batch.rejected) == (41, 0)
    assert decode_json(as_json, received_ns=RECEIVED_NS, max_repeated=budget) == batch
    table = native[0]
    assert table.equals(pa.Table.from_pydict(batch.columns, schema=SPAN_SCHEMA))
    columns = (table[c].to_pylist() for c in ("resource", "service_name", "scope_name"))
    copied = zip(*columns, strict=True)
    assert sum(len(r) + len(sv or "") + len(sc or "") for r, sv, sc in copied) == budget


def test_a_request_one_over_the_budget_is_refused_whole() -> None:
    request = _budget_request()
    budget = _repeated(request) - 1
    body, as_json = _bodies(request)
    assert decode_protobuf_table(body, RECEIVED_NS, max_repeated=budget) is None
    reason = BUDGET_REASON.replace(str(MAX_REPEATED_BYTES), str(budget))
    for decode, data in ((decode_protobuf, body), (decode_json, as_json)):
        with pytest.raises(OtlpTooLarge) as caught:
            decode(data, received_ns=RECEIVED_NS, max_repeated=budget)
        assert isinstance(caught.value, OtlpDecodeError)  # -> the HTTP error paths
        assert str(caught.value) == reason


def test_rejected_spans_copy_nothing_so_do_not_count() -> None:
    request = _budget_request()
    budget = _repeated(request)
    scope = request.resource_spans[0].scope_spans[1]
    scope.spans.add().CopyFrom(scope.spans[0])
    scope.spans[-1].trace_id = bytes(16)  # rejected
    body, as_json = _bodies(request)
    assert decode_protobuf_table(body, RECEIVED_NS, max_repeated=budget) is None  # a reject
    batch = decode_protobuf(body, received_ns=RECEIVED_NS, max_repeated=budget)
    assert (batch.accepted, batch.rejected) == (41, 1)
    from_json = decode_json(as_json, received_ns=RECEIVED_NS, max_repeated=budget)
    assert (from_json.accepted, from_json.rejected) == (41, 1)
    # ... while one more accepted span is one too many
    scope.spans[-1].trace_id = bytes(range(1, 17))
    with pytest.raises(OtlpTooLarge):
        decode_protobuf(request.SerializeToString(), received_ns=RECEIVED_NS, max_repeated=budget)


ATTACK_SPANS = 16_400  # x 16,388 characters each: over MAX_REPEATED_BYTES


def amplifying_request(spans: int = ATTACK_SPANS) -> ExportTraceServiceRequest:
    """Resource attributes of MAX_RESOURCE_JSON characters of JSON over ``spans``
    tiny spans (about 49 bytes each on the wire), each copying 16,388 characters:
    a body of 0.8 MB that would decode into 256 MiB and more."""
    attrs = {"service.name": "svc", "host.name": ""}
    attrs["host.name"] = "x" * (MAX_RESOURCE_JSON - len(DUMPS(attrs)))
    request = _resource_spans(attrs, ("s", 0))
    out = ExportTraceServiceRequest(resource_spans=[request])
    scope = out.resource_spans[0].scope_spans[0]
    for k in range(spans):
        scope.spans.add(
            trace_id=bytes(range(1, 17)),
            span_id=(k + 1).to_bytes(8, "big"),
            start_time_unix_nano=1,
            end_time_unix_nano=2,
        )
    return out


_OVER_BUDGET = """
import json, resource, sys, time
import pyarrow as pa
from collector import decoding
from collector.otlp import OtlpTooLarge, decode_protobuf, native
from collector.schema import SPAN_SCHEMA

mode, path, warm_path = sys.argv[1:]
as_json = mode == "json"
if mode == "python":
    native.native_decoder = lambda: None  # as without a compiler
with open(path, "rb") as f:
    body = f.read()
with open(warm_path, "rb") as f:
    warm = f.read()
decoding.decode_spans(warm, as_json, 1)  # the first call of each path allocates more
if mode == "native":
    pa.Table.from_pydict(decode_protobuf(warm, received_ns=1).columns, schema=SPAN_SCHEMA)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
declined = None
if mode == "native":
    declined = native.decode_protobuf_table(body, 1) is None
native_seconds = time.perf_counter() - start
try:
    decoding.decode_spans(body, as_json, 1)  # the service path
    error = None
except OtlpTooLarge as exc:
    error = str(exc)
seconds = time.perf_counter() - start
grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({
    "body": len(body), "declined": declined, "error": error,
    "grew_mib": grew / 1024, "seconds": seconds, "native_seconds": native_seconds,
}))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux")
@pytest.mark.parametrize("mode", ["native", "python", "json"])
def test_many_tiny_spans_under_a_large_resource_are_refused_cheaply(
    mode: str, tmp_path: Path
) -> None:
    """At the real budget: 16,400 spans of a 16,384-character resource would copy
    over 256 MiB into the table (some 500 times the body); refused in a few MiB."""
    request, warm = amplifying_request(), amplifying_request(3)
    if mode == "json":
        body, warm_body = _bodies(request)[1], _bodies(warm)[1]
    else:
        body, warm_body = request.SerializeToString(), warm.SerializeToString()
    assert _repeated(request) > MAX_REPEATED_BYTES > _repeated(request) - 2 * (1 << 20)
    (tmp_path / "body").write_bytes(body)
    (tmp_path / "warm").write_bytes(warm_body)
    out = json.loads(_run(_OVER_BUDGET, mode, str(tmp_path / "body"), str(tmp_path / "warm")))
    assert 600_000 < out["body"] < 4 << 20, out
    assert out["error"] == BUDGET_REASON
    if mode == "native":
        assert out["declined"] is True
        assert out["native_seconds"] < 0.5, out  # declined before writing a row
    assert out["grew_mib"] < 64, out  # decoded: over 256
    assert out["seconds"] < 3, out
