"""``POST /v1/events``: CloudEvents 1.0 in structured, batch or binary mode (SPEC 1.2)."""

from __future__ import annotations

from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from collector.api.body import BodyError, media_type, read_body
from collector.api.commit import commit
from collector.api.deps import CollectorDep
from collector.api.models import EventsAccepted, EventsRefused
from collector.api.responses import refusals
from collector.cloudevents import (
    EventDecodeError,
)
from collector.decoding import DecoderUnavailable, EventMode
from collector.identity import Need, Principal, refusal, requires
from collector.store import QueueFull, StoreClosed
from collector.telemetry import count_stored_events

__all__ = ["router"]

router = APIRouter(tags=["ingest"])

_STRUCTURED = "application/cloudevents+json"
_BATCH = "application/cloudevents-batch+json"


def _mode(ctype: str, headers: dict[str, str], body_start: bytes) -> EventMode | None:
    if "ce-specversion" in headers:
        return "binary"
    if ctype == _BATCH:
        return "batch"
    if ctype == _STRUCTURED:
        return "structured"
    if ctype == "application/json":  # lenient: a plain JSON event or array of events
        return "batch" if body_start.lstrip()[:1] == b"[" else "structured"
    return None


@router.post(
    "/v1/events",
    summary="CloudEvents 1.0: structured, batch or binary mode",
    response_model=EventsAccepted,
    responses={
        400: {
            "model": EventsRefused,
            "description": "not JSON / not CloudEvents at all, or the single event is invalid",
        },
        **refusals(401, 403, 413, 415, 429, 503, ingest=True),
    },
)
async def post_events(
    request: Request,
    state: CollectorDep,
    caller: Annotated[Principal, requires(Need.EVENTS, renders=True)],
) -> JSONResponse:
    ctype = media_type(request)
    headers = {k.lower(): v for k, v in request.headers.items()}

    def fail(
        status: int, message: str, extra: dict[str, str] | None = None, **body: Any
    ) -> JSONResponse:
        state.metrics.requests_rejected.labels(endpoint="events", code=str(status)).inc()
        return JSONResponse({"error": message, **body}, status_code=status, headers=extra)

    refused = refusal(caller, Need.EVENTS)
    if refused is not None:
        return fail(refused.status, refused.message, refused.headers)
    allowed = caller.systems(Need.EVENTS)
    if "ce-specversion" not in headers and ctype not in (_STRUCTURED, _BATCH, "application/json"):
        return fail(
            415,
            f"unsupported Content-Type {ctype or '(none)'!r}; use {_STRUCTURED}, "
            f"{_BATCH}, or binary mode with ce-* headers",
        )
    try:
        body = await read_body(request, state.max_body_bytes)
    except BodyError as exc:
        return fail(exc.status, str(exc))
    mode: EventMode = _mode(ctype, headers, body[:64]) or "structured"
    retry = {"Retry-After": str(state.retry_after_s)}
    try:
        decoded = await state.decoder.events(
            mode, headers, body, received_ns=state.clock(), allowed=allowed
        )
    except EventDecodeError as exc:
        return fail(400, str(exc))
    except DecoderUnavailable as exc:
        return fail(503, str(exc), retry)
    batch, table = decoded.batch, decoded.table
    for rejection in batch.rejected:
        state.metrics.events_rejected.labels(reason=rejection.code).inc()
    rejected = [{"index": r.index, "id": r.id, "reason": r.reason} for r in batch.rejected]
    if mode != "batch" and table.num_rows == 0:
        reason = batch.rejected[0].reason if batch.rejected else "no event in body"
        return fail(400, reason, accepted=0, duplicates=0, rejected=rejected)
    try:
        result = await commit(state, "events", table)
    except QueueFull as exc:
        state.metrics.dropped.inc(table.num_rows)
        return fail(429, f"{exc}; retry later", retry)
    except (StoreClosed, duckdb.Error) as exc:
        return fail(503, f"store unavailable: {exc}", retry)
    count_stored_events(state.metrics, table, result, state.labels)
    return JSONResponse(
        {"accepted": result.stored, "duplicates": result.duplicates, "rejected": rejected}
    )
