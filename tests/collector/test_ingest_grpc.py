"""OTLP/gRPC against a live server: the real Python exporter, raw gRPC calls."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.rpc.error_details_pb2 import RetryInfo
from google.rpc.status_pb2 import Status as RpcStatus
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
    OTLPSpanExporter as GrpcExporter,
)
from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
    OTLPSpanExporter as HttpExporter,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from collector.api.grpc_traces import SERVICE
from collector.testing.wire import NS, STRUCTURED, T0, attempt_span, cloudevent, request
from collector.timefmt import iso
from synclens.settings import AuthSettings, GrpcSettings, IngestSettings, Token, load_settings
from tests.collector.otlp_sdk import comparable, send_attempts
from tests.conftest import LiveServer, Service, free_port

TOKEN = "grpc-test-token"
AUTH = {"authorization": f"Bearer {TOKEN}"}
READER = {"authorization": "Bearer grpc-test-reader"}  # the middleware's token only ingests
LIMIT = 1024 * 1024  # ingest.max_body_bytes of the server below


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    tmp = tmp_path_factory.mktemp("grpc")
    settings = load_settings(
        db=str(tmp / "synclens.duckdb"),
        ops_db=f"sqlite:///{tmp / 'ops.sqlite'}",
        ingest=IngestSettings(decode_workers=0, max_body_bytes=LIMIT, queue_max_rows=50),
        auth=AuthSettings(
            tokens=(
                Token(name="middleware", token=TOKEN),
                Token(name="reader", token="grpc-test-reader", scopes=("read",)),
            )
        ),
    )
    # not through load_settings: the environment beats its arguments there, and
    # tests/conftest.py sets SYNCLENS_GRPC__PORT=0 for every other test
    settings = settings.model_copy(update={"grpc": GrpcSettings(port=free_port())})
    with LiveServer(settings) as service:
        yield service


def _target(svc: Service) -> str:
    return f"127.0.0.1:{svc.settings.grpc.port}"


def _export(
    svc: Service, body: bytes, *, metadata: tuple[tuple[str, str], ...] = (), **kw: Any
) -> bytes:
    with grpc.insecure_channel(_target(svc)) as channel:
        call = channel.unary_unary(f"/{SERVICE}/Export")
        return bytes(call(body, metadata=metadata or tuple(AUTH.items()), timeout=30, **kw))


def _refusal(svc: Service, body: bytes, **kw: Any) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        _export(svc, body, **kw)
    return info.value


def _lineage(svc: Service, sku: str) -> dict[str, Any]:
    resp = svc.get("/api/v1/lineage", params={"sku": sku}, headers=READER)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def _trace(svc: Service, trace_id: str) -> dict[str, Any]:
    resp = svc.get(f"/api/v1/traces/{trace_id}", headers=READER)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def _post_event(svc: Service, event_id: str, sku: str) -> None:
    body = json.dumps(cloudevent(event_id, sku=sku, time=iso(T0)))
    resp = svc.post("/v1/events", content=body, headers={**STRUCTURED, **AUTH})
    assert resp.status_code == 200 and resp.json()["accepted"] == 1, resp.text


def _views(svc: Service, event_id: str, sku: str) -> tuple[Any, Any]:
    """The SKU's lineage and the retry's trace view, ids left out."""
    lineage = _lineage(svc, sku)
    [event] = lineage["events"]
    [erp] = [t for t in event["targets"] if t["target"] == "erp"]
    assert [a["outcome"] for a in erp["attempts"]] == ["failure", "success"]
    trace = _trace(svc, erp["attempts"][1]["trace_id"])
    same = {event_id: "EVENT", sku: "SKU"}
    return comparable(lineage, same), comparable(trace, same)


def test_python_grpc_exporter_shows_as_over_http(svc: Service) -> None:
    for event_id, sku in (("adj-grpc-1", "GRPC-PY"), ("adj-http-1", "HTTP-PY")):
        _post_event(svc, event_id, sku)
    send_attempts(
        GrpcExporter(endpoint=_target(svc), insecure=True, headers=AUTH, timeout=10),
        event_id="adj-grpc-1",
        sku="GRPC-PY",
    )
    send_attempts(
        HttpExporter(endpoint=f"{svc.url}/v1/traces", headers=AUTH, timeout=10),
        event_id="adj-http-1",
        sku="HTTP-PY",
    )
    over_grpc = _views(svc, "adj-grpc-1", "GRPC-PY")
    assert over_grpc == _views(svc, "adj-http-1", "HTTP-PY")
    lineage, trace = over_grpc
    [erp] = [t for t in lineage["events"][0]["targets"] if t["target"] == "erp"]
    assert erp["latency_s"] == 12.5 and erp["first_pass"] is False
    assert erp["attempts"][0]["error_type"] == "timeout"
    [linked] = trace["linked_traces"]  # the producer, followed through the link
    assert linked["roots"][0]["name"] == "publish inventory"
    [retry] = trace["roots"]  # the instrumentation scope, whole
    assert (retry["scope_name"], retry["scope_version"]) == ("sync.worker", "1.4.2")
    assert retry["scope_attributes"] == {"team": "integration"}


def test_gzip_compressed_call_is_stored(svc: Service) -> None:
    _post_event(svc, "adj-gzip", "GZIP-1")
    span = attempt_span(event_id="adj-gzip", sku="GZIP-1", start_ns=T0 + NS)
    reply = _export(svc, request(span).SerializeToString(), compression=grpc.Compression.Gzip)
    assert ExportTraceServiceResponse.FromString(reply).partial_success.rejected_spans == 0
    [event] = _lineage(svc, "GZIP-1")["events"]
    [erp] = [t for t in event["targets"] if t["target"] == "erp"]
    assert [a["outcome"] for a in erp["attempts"]] == ["success"]


def test_partial_success_names_the_rejected_span(svc: Service) -> None:
    _post_event(svc, "adj-partial", "PARTIAL-1")
    good = attempt_span(event_id="adj-partial", sku="PARTIAL-1")
    bad = attempt_span(event_id="adj-partial", sku="PARTIAL-1", start_ns=T0, end_ns=T0 - NS)
    reply = ExportTraceServiceResponse.FromString(
        _export(svc, request(good, bad).SerializeToString())
    )
    assert reply.partial_success.rejected_spans == 1
    assert "span 1 of resource 0" in reply.partial_success.error_message
    [event] = _lineage(svc, "PARTIAL-1")["events"]
    assert sum(len(t["attempts"]) for t in event["targets"]) == 1


def test_undecodable_bytes_are_invalid_argument(svc: Service) -> None:
    err = _refusal(svc, b"\x0a\xff\xff\xff\xff\x0f")
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.details()


@pytest.mark.parametrize(
    ("metadata", "reason"),
    [
        ((("x-other", "1"),), "missing Authorization"),
        ((("authorization", "Bearer wrong"),), "invalid bearer token"),
        ((("authorization", "Basic abc"),), "must be 'Bearer <token>'"),
    ],
)
def test_missing_or_invalid_token_is_unauthenticated(
    svc: Service, metadata: tuple[tuple[str, str], ...], reason: str
) -> None:
    span = attempt_span(event_id="adj-auth", sku="AUTH-1")
    err = _refusal(svc, request(span).SerializeToString(), metadata=metadata)
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED and reason in str(err.details())
    assert not _lineage(svc, "AUTH-1")["orphan_attempts"]


def test_a_token_without_the_traces_scope_is_permission_denied(svc: Service) -> None:
    span = attempt_span(event_id="adj-scope", sku="SCOPE-1")
    err = _refusal(svc, request(span).SerializeToString(), metadata=tuple(READER.items()))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED and "traces" in str(err.details())
    assert not _lineage(svc, "SCOPE-1")["orphan_attempts"]


@pytest.mark.parametrize("compression", [None, grpc.Compression.Gzip])
def test_message_over_the_limit_is_refused_clearly(
    svc: Service, compression: grpc.Compression | None
) -> None:
    big = attempt_span(event_id="adj-big", sku="BIG-1")
    big.name = "x" * (LIMIT + 10)  # gzip makes it small on the wire: the limit is after it
    err = _refusal(svc, request(big).SerializeToString(), compression=compression)
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "larger than max" in str(err.details())
    trailers = dict(err.trailing_metadata() or ())  # type: ignore[attr-defined]
    assert "grpc-status-details-bin" not in trailers  # no RetryInfo: never retried


def test_queue_full_is_resource_exhausted_with_retry_info(svc: Service) -> None:
    spans = [attempt_span(event_id=f"adj-q{i}", sku="QUEUE-1") for i in range(40)]
    body = request(*spans).SerializeToString()
    with grpc.insecure_channel(_target(svc)) as channel:
        call = channel.unary_unary(f"/{SERVICE}/Export")
        with svc.store.paused():  # the writer holds still: 40 rows wait, the limit is 50
            waiting = call.future(body, metadata=tuple(AUTH.items()), timeout=30)
            deadline = time.monotonic() + 10
            while svc.store.queue_rows == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
            err = _refusal(svc, body)
        assert waiting.result(timeout=30) is not None  # acknowledged once committed
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    trailers = dict(err.trailing_metadata() or ())  # type: ignore[attr-defined]
    status = RpcStatus.FromString(trailers["grpc-status-details-bin"])
    info = RetryInfo()
    assert status.code == grpc.StatusCode.RESOURCE_EXHAUSTED.value[0]
    assert status.details[0].Unpack(info) and info.retry_delay.seconds == 1
    assert RetryInfo.FromString(trailers["google.rpc.retryinfo-bin"]) == info
    assert svc.metric(
        "synclens_ingest_requests_rejected_total", endpoint="traces_grpc", code="RESOURCE_EXHAUSTED"
    )


# -- the OpenTelemetry JavaScript SDK (tests/js, installed by `make js-deps`) -------

JS = Path(__file__).resolve().parents[1] / "js"


def _node(*args: str) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the JavaScript exporter test needs `node`")
    if not (JS / "node_modules").is_dir():
        pytest.fail(f"{JS}/node_modules is missing: run `make js-deps` (npm ci in tests/js)")
    done = subprocess.run(
        [node, str(JS / "send_attempts.js"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_javascript_grpc_exporter_shows_as_over_http(svc: Service) -> None:
    for event_id, sku in (
        ("adj-grpc-js", "GRPC-JS"),
        ("adj-http-js", "HTTP-JS"),
        ("adj-grpc-py", "GRPC-PY2"),
    ):
        _post_event(svc, event_id, sku)
    _node("grpc", f"http://{_target(svc)}", "adj-grpc-js", "GRPC-JS", TOKEN)
    _node("http", f"{svc.url}/v1/traces", "adj-http-js", "HTTP-JS", TOKEN)
    over_grpc = _views(svc, "adj-grpc-js", "GRPC-JS")
    assert over_grpc == _views(svc, "adj-http-js", "HTTP-JS")
    lineage, trace = over_grpc
    [erp] = [t for t in lineage["events"][0]["targets"] if t["target"] == "erp"]
    assert erp["latency_s"] == 12.5 and erp["first_pass"] is False
    [linked] = trace["linked_traces"]
    assert linked["roots"][0]["name"] == "publish inventory"
    assert (trace["roots"][0]["scope_name"], trace["roots"][0]["scope_version"]) == (
        "sync.worker",
        "1.4.2",
    )
    # the lineage is also the Python SDK's, but for the SDK that made the spans
    send_attempts(
        GrpcExporter(endpoint=_target(svc), insecure=True, headers=AUTH, timeout=10),
        event_id="adj-grpc-py",
        sku="GRPC-PY2",
    )
    python = _views(svc, "adj-grpc-py", "GRPC-PY2")
    assert _without_sdk(lineage) == _without_sdk(python[0])


def _without_sdk(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_sdk(v) for k, v in node.items() if not k.startswith("telemetry.")}
    if isinstance(node, list):
        return [_without_sdk(v) for v in node]
    return node


# -- TLS -----------------------------------------------------------------------------


def test_tls_receiver_takes_tls_calls_only(tmp_path: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: no certificate to test TLS with")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"),
            *("-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout", str(key)),
            *("-out", str(cert), "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
        ],
        check=True,
        capture_output=True,
    )
    settings = load_settings(
        db=str(tmp_path / "tls.duckdb"),
        ops_db=f"sqlite:///{tmp_path / 'ops.sqlite'}",
        ingest=IngestSettings(decode_workers=0),
    )
    grpc_settings = GrpcSettings(port=free_port(), tls_cert_file=cert, tls_key_file=key)
    with LiveServer(settings.model_copy(update={"grpc": grpc_settings})) as tls:
        target = f"127.0.0.1:{grpc_settings.port}"
        body = request(attempt_span(event_id="adj-tls", sku="TLS-1")).SerializeToString()
        creds = grpc.ssl_channel_credentials(root_certificates=cert.read_bytes())
        with grpc.secure_channel(target, creds) as channel:
            reply = channel.unary_unary(f"/{SERVICE}/Export")(body, timeout=30)
        assert ExportTraceServiceResponse.FromString(reply).partial_success.rejected_spans == 0
        with grpc.insecure_channel(target) as channel, pytest.raises(grpc.RpcError) as plain:
            channel.unary_unary(f"/{SERVICE}/Export")(body, timeout=5)
        assert plain.value.code() == grpc.StatusCode.UNAVAILABLE
        assert tls.get("/api/v1/lineage", params={"sku": "TLS-1"}).json()["orphan_attempts"]
