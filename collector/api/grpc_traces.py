"""OTLP/gRPC: ``opentelemetry.proto.collector.trace.v1.TraceService/Export``.

A generic handler whose request deserializer is the identity, so the raw
request bytes go to :func:`collector.span_export.export_spans`, exactly as
an OTLP/HTTP protobuf body does (one parse, by the native decoder), and the
``ExportTraceServiceResponse`` bytes come back the same way.  gRPC itself
inflates gzip (``grpc-encoding: gzip``) and enforces the message limit,
after decompression too.

Status codes as the OTLP specification says: ``INVALID_ARGUMENT`` for data
that cannot be decoded or is over a limit once decoded (never retried);
``RESOURCE_EXHAUSTED`` (ingest queue full) and ``UNAVAILABLE`` (store
shutting down or failing) with a ``google.rpc.RetryInfo`` in the status
details, so clients retry after ``ingest.retry_after_s``;
``UNAUTHENTICATED`` for a missing or unknown bearer token in the
``authorization`` metadata.  A message over ``ingest.max_body_bytes`` is
refused by gRPC before it reaches the handler: ``RESOURCE_EXHAUSTED``
without ``RetryInfo`` (not retryable for OTLP clients), details
``Received message larger than max (N vs. M)``.
"""

from __future__ import annotations

import logging
from typing import NoReturn

import grpc
from google.protobuf.any_pb2 import Any as AnyProto
from google.protobuf.duration_pb2 import Duration
from google.rpc.error_details_pb2 import RetryInfo
from google.rpc.status_pb2 import Status

from collector.api.deps import CollectorState
from collector.identity import Need, refusal
from collector.otlp import export_response
from collector.span_export import ExportRefused, Refusal, export_spans

__all__ = ["SERVICE", "GrpcReceiver", "TlsFiles"]

log = logging.getLogger(__name__)

SERVICE = "opentelemetry.proto.collector.trace.v1.TraceService"
TlsFiles = tuple[bytes, bytes]  # PEM certificate chain, PEM private key

_REFUSED: dict[Refusal, grpc.StatusCode] = {
    "invalid": grpc.StatusCode.INVALID_ARGUMENT,
    "too_large": grpc.StatusCode.INVALID_ARGUMENT,
    "queue_full": grpc.StatusCode.RESOURCE_EXHAUSTED,
    "unavailable": grpc.StatusCode.UNAVAILABLE,
}


class GrpcReceiver:
    """The OTLP/gRPC server over one :class:`CollectorState`; the app's
    lifespan starts it after the store and stops it before closing it."""

    def __init__(
        self,
        state: CollectorState,
        *,
        host: str,
        port: int,
        tls: TlsFiles | None = None,
        grace_s: float = 30.0,
    ) -> None:
        self._state = state
        self._address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        self._tls = tls
        self._grace_s = grace_s
        self._server: grpc.aio.Server | None = None
        self.port = port

    async def start(self) -> int:
        """Bind and serve; returns the port (the one chosen, for port 0).
        Raises :class:`OSError` when the address cannot be bound."""
        limit = self._state.max_body_bytes
        server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", limit),
                ("grpc.max_send_message_length", limit),
                ("grpc.so_reuseport", 0),  # a second server on the same port must fail
            ],
        )
        # no (de)serializers: bytes in, bytes out
        handler: grpc.RpcMethodHandler[bytes, bytes] = grpc.unary_unary_rpc_method_handler(
            self._export
        )
        server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(SERVICE, {"Export": handler}),)
        )
        try:
            if self._tls is None:
                bound = server.add_insecure_port(self._address)
            else:
                creds = grpc.ssl_server_credentials([(self._tls[1], self._tls[0])])
                bound = server.add_secure_port(self._address, creds)
        except RuntimeError as exc:  # grpc raises RuntimeError when it cannot bind
            raise OSError(f"cannot listen for OTLP/gRPC on {self._address}: {exc}") from exc
        if bound == 0:
            raise OSError(f"cannot listen for OTLP/gRPC on {self._address}")
        await server.start()
        self._server = server
        self.port = bound
        return bound

    async def stop(self) -> None:
        """Refuse new calls, answer those under way (within the grace time)."""
        if self._server is not None:
            await self._server.stop(self._grace_s)
            self._server = None

    async def _export(
        self, request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]
    ) -> bytes:
        state = self._state
        metadata = context.invocation_metadata() or ()
        authorization = next((str(v) for k, v in metadata if k == "authorization"), None)
        refused = refusal(state.resolver.bearer(authorization), Need.TRACES)
        if refused is not None:
            code = (
                grpc.StatusCode.UNAUTHENTICATED
                if refused.status == 401
                else grpc.StatusCode.PERMISSION_DENIED
            )
            await _abort(state, context, code, refused.message)
        try:
            batch = await export_spans(state, request, as_json=False)
        except ExportRefused as exc:
            retry_s = state.retry_after_s if exc.retryable else None
            await _abort(state, context, _REFUSED[exc.reason], str(exc), retry_s)
        return export_response(batch, as_json=False)


async def _abort(
    state: CollectorState,
    context: grpc.aio.ServicerContext[bytes, bytes],
    code: grpc.StatusCode,
    message: str,
    retry_after_s: int | None = None,
) -> NoReturn:
    """End the call with ``code``; with ``retry_after_s``, a RetryInfo in the
    status details (``grpc-status-details-bin``, as the OTLP specification
    says) and under ``google.rpc.retryinfo-bin`` (where the Python exporter
    looks for it)."""
    state.metrics.requests_rejected.labels(endpoint="traces_grpc", code=code.name).inc()
    trailers: tuple[tuple[str, bytes], ...] = ()
    if retry_after_s is not None:
        info = RetryInfo(retry_delay=Duration(seconds=retry_after_s))
        detail = AnyProto()
        detail.Pack(info)
        status = Status(code=code.value[0], message=message, details=[detail])
        trailers = (
            ("grpc-status-details-bin", status.SerializeToString()),
            ("google.rpc.retryinfo-bin", info.SerializeToString()),
        )
    await context.abort(code, message, trailers)
    raise AssertionError("unreachable: abort() raises")  # pragma: no cover
