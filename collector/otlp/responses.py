"""ExportTraceServiceResponse and google.rpc.Status bodies."""

from __future__ import annotations

from google.rpc.status_pb2 import Status
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from collector.otlp.common import DUMPS, SpanBatch

__all__ = ["export_response", "status_body"]


def export_response(batch: SpanBatch, *, as_json: bool) -> bytes:
    """The ExportTraceServiceResponse for ``batch`` (OTLP/JSON when ``as_json``)."""
    message = "; ".join(batch.errors)
    if as_json:
        if batch.rejected <= 0:
            return b"{}"
        partial = {"rejectedSpans": str(batch.rejected), "errorMessage": message}
        return DUMPS({"partialSuccess": partial}).encode()
    response = ExportTraceServiceResponse()
    if batch.rejected > 0:
        response.partial_success.rejected_spans = batch.rejected
        response.partial_success.error_message = message
    body: bytes = response.SerializeToString()
    return body


def status_body(code: int, message: str, *, as_json: bool) -> bytes:
    """A ``google.rpc.Status`` body (``code`` is a google.rpc.Code number)."""
    if as_json:
        return DUMPS({"code": code, "message": message}).encode()
    body: bytes = Status(code=code, message=message).SerializeToString()
    return body
