"""``POST /v1/traces``: OTLP/HTTP trace export (SPEC 1.1)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response

from collector.api.body import BodyError, media_type, read_body
from collector.api.deps import CollectorDep
from collector.api.models import ExportTraceResponse, RpcStatus
from collector.api.responses import Model
from collector.identity import Need, Principal, refusal, requires
from collector.otlp import export_response, status_body
from collector.span_export import ExportRefused, Refusal, export_spans

__all__ = ["router"]

router = APIRouter(tags=["ingest"])

_PROTOBUF = "application/x-protobuf"
_JSON = "application/json"


def _otlp(model: type[Model], description: str) -> dict[str, Any]:
    """A response of either encoding: the JSON schema of ``model``, or its protobuf."""
    return {
        "model": model,
        "description": description,
        "content": {_PROTOBUF: {"schema": {"type": "string", "format": "binary"}}},
    }


# google.rpc.Code numbers
_INVALID_ARGUMENT, _PERMISSION_DENIED, _UNAUTHENTICATED = 3, 7, 16
_RESOURCE_EXHAUSTED, _UNAVAILABLE = 8, 14

_REFUSED: dict[Refusal, tuple[int, int]] = {  # HTTP status, google.rpc.Code
    "invalid": (400, _INVALID_ARGUMENT),
    "too_large": (413, _INVALID_ARGUMENT),
    "queue_full": (429, _RESOURCE_EXHAUSTED),
    "unavailable": (503, _UNAVAILABLE),
}


@router.post(
    "/v1/traces",
    summary="OTLP/HTTP trace export (protobuf or JSON)",
    response_class=Response,
    responses={
        200: _otlp(
            ExportTraceResponse, "ExportTraceServiceResponse; partial_success for rejected spans"
        ),
        400: _otlp(RpcStatus, "undecodable body (google.rpc.Status)"),
        401: _otlp(RpcStatus, "missing or invalid bearer token"),
        403: _otlp(RpcStatus, "the token lacks the traces scope"),
        413: _otlp(
            RpcStatus,
            "body over the limit, before or after gzip, or spans repeating more than 256 MiB"
            " of resource and scope text",
        ),
        415: _otlp(RpcStatus, "content type other than application/x-protobuf or application/json"),
        429: _otlp(RpcStatus, "ingest queue full; retry after Retry-After seconds"),
        503: _otlp(RpcStatus, "decoder or store unavailable; retry after Retry-After seconds"),
    },
)
async def export_traces(
    request: Request,
    state: CollectorDep,
    caller: Annotated[Principal, requires(Need.TRACES, renders=True)],
) -> Response:
    ctype = media_type(request)
    as_json = ctype == _JSON

    def fail(
        status: int, code: int, message: str, headers: dict[str, str] | None = None
    ) -> Response:
        state.metrics.requests_rejected.labels(endpoint="traces", code=str(status)).inc()
        return Response(
            status_body(code, message, as_json=as_json),
            status_code=status,
            media_type=_JSON if as_json else _PROTOBUF,
            headers=headers,
        )

    if ctype not in (_PROTOBUF, _JSON):
        as_json = True
        return fail(
            415,
            _INVALID_ARGUMENT,
            f"unsupported Content-Type {ctype or '(none)'!r}; use {_PROTOBUF} or {_JSON}",
        )
    refused = refusal(caller, Need.TRACES)
    if refused is not None:
        code = _UNAUTHENTICATED if refused.status == 401 else _PERMISSION_DENIED
        return fail(refused.status, code, refused.message, refused.headers)
    try:
        body = await read_body(request, state.max_body_bytes)
    except BodyError as exc:
        return fail(exc.status, _INVALID_ARGUMENT, str(exc))
    try:
        batch = await export_spans(state, body, as_json=as_json)
    except ExportRefused as exc:
        status, code = _REFUSED[exc.reason]
        retry = {"Retry-After": str(state.retry_after_s)} if exc.retryable else None
        return fail(status, code, str(exc), retry)
    return Response(
        export_response(batch, as_json=as_json), media_type=_JSON if as_json else _PROTOBUF
    )
