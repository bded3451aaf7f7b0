"""Every span row carries its resource's attributes and its scope name: over
MAX_RESOURCE_JSON / MAX_SCOPE_NAME characters they reject the spans under them,
alike in the native and Python protobuf decoders and in OTLP/JSON, and a body
built to amplify them decodes in little time and memory."""

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
from collector.otlp import decode_json, decode_protobuf
from collector.otlp.common import _DUMPS, MAX_RESOURCE_JSON, MAX_SCOPE_NAME
from collector.otlp.native import decode_protobuf_table, native_decoder
from collector.schema import SPAN_SCHEMA
from tests.collector.otlp.checks import RECEIVED_NS, assert_native_exact
from tests.collector.otlp.protowire import field
from tests.collector.test_otlp import otlp_json

RESOURCE_REASON = "resource attributes exceed 16384 characters of JSON"
SCOPE_REASON = "scope name exceeds 1024 characters"
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
    filler = length - len(_DUMPS({key: head}))
    attrs = {key: head + "a" * filler}
    assert len(_DUMPS(attrs)) == length
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
