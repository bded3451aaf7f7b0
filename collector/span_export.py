"""One OTLP trace export, whatever carried it: decode, store, count (SPEC 1.1).

OTLP/HTTP (:mod:`collector.api.traces`) and OTLP/gRPC
(:mod:`collector.api.grpc_traces`) hand the raw ``ExportTraceServiceRequest``
bytes to :func:`export_spans` and only translate its outcome into their own
answers: the same decoder (the native one for protobuf), the same per-span
validation and partial success, the same store and the same durable
acknowledgement (it returns only once the spans are committed).
"""

from __future__ import annotations

from typing import Literal

import duckdb

from collector.api.commit import commit
from collector.api.deps import CollectorState
from collector.decoding import DecoderUnavailable
from collector.otlp import OtlpDecodeError, OtlpTooLarge, SpanBatch
from collector.span_limits import drop_long_identifiers
from collector.store import QueueFull, StoreClosed

__all__ = ["ExportRefused", "Refusal", "export_spans"]

Refusal = Literal["invalid", "too_large", "queue_full", "unavailable"]
"""Why a whole request is refused: ``invalid`` (undecodable, never retry),
``too_large`` (decodable but over a limit once decoded, never retry),
``queue_full`` and ``unavailable`` (retry after ``retry_after_s``)."""


class ExportRefused(Exception):
    """The request is refused whole; ``reason`` says which way, str() why."""

    def __init__(self, reason: Refusal, message: str) -> None:
        super().__init__(message)
        self.reason: Refusal = reason

    @property
    def retryable(self) -> bool:
        return self.reason in ("queue_full", "unavailable")


async def export_spans(state: CollectorState, body: bytes, *, as_json: bool) -> SpanBatch:
    """Decode ``body``, store its valid spans and wait for the commit.

    Returns the batch's counts and reasons (its ``rejected`` spans make the
    partial success); raises :class:`ExportRefused` when nothing is stored.
    """
    try:
        decoded = await state.decoder.spans(body, as_json=as_json, received_ns=state.clock())
    except OtlpTooLarge as exc:  # decodable, but too large once decoded
        raise ExportRefused("too_large", str(exc)) from exc
    except OtlpDecodeError as exc:
        raise ExportRefused("invalid", str(exc)) from exc
    except DecoderUnavailable as exc:  # a decode process died: it is being replaced
        raise ExportRefused("unavailable", str(exc)) from exc
    decoded = drop_long_identifiers(decoded)
    try:
        result = await commit(state, "spans", decoded.table)
    except QueueFull as exc:
        state.metrics.dropped.inc(decoded.batch.accepted)
        raise ExportRefused("queue_full", f"{exc}; retry later") from exc
    except (StoreClosed, duckdb.Error) as exc:
        raise ExportRefused("unavailable", f"store unavailable: {exc}") from exc
    if decoded.native_declined:
        state.metrics.native_declined.inc()
    state.metrics.spans_received.inc(decoded.batch.accepted)
    state.metrics.spans_duplicate.inc(result.duplicates)
    state.metrics.spans_rejected.inc(decoded.batch.rejected)
    return decoded.batch
