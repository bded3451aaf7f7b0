"""CloudEvents 1.0 business events -> ``EVENT_SCHEMA`` columns (SPEC 1.2).

The HTTP layer picks the mode from the Content-Type, handles gzip, size
limits and tokens, and hands over decompressed bytes.  Here each event is
validated in one tight loop (no per-event model objects) and turned into a
row; an invalid event becomes a :class:`Rejection` and never blocks the
others.  Batches of valid events take a fast path (orjson, a column at a
time) that gives exactly what the per-event path would.  Only a body that is
not JSON / not CloudEvents at all raises :class:`EventDecodeError` (HTTP 400).

Choices where SPEC 1.2 is silent:

* bodies must be UTF-8 (RFC 8259; a leading BOM is ignored); ``NaN`` and
  ``Infinity`` are not JSON;
* optional ``data`` fields that are JSON ``null`` or ``""`` are stored as null;
  ``order_id``, ``lot`` and ``serial`` accept JSON integers (stored as text);
* a structured body with none of specversion/id/source/type, or a binary
  request with none of their ``ce-*`` headers, is "not CloudEvents at all";
* binary-mode header values are percent-decoded (CloudEvents HTTP binding
  3.1.3.2); the ``Content-Type`` header is the ``datacontenttype`` and is
  kept in ``extensions`` as in structured mode.
"""

from __future__ import annotations

from collector.cloudevents.events import (
    EVENT_TYPES,
    STOCK_STATUSES,
    EventBatch,
    EventDecodeError,
    Rejection,
    body_text,
    decode_batch_text,
    decode_binary,
    decode_structured,
)
from collector.cloudevents.fast import FAST_MIN_CHARS, fast_batch, first_rejected

__all__ = [
    "EVENT_TYPES",
    "STOCK_STATUSES",
    "EventBatch",
    "EventDecodeError",
    "Rejection",
    "decode_batch",
    "decode_binary",
    "decode_structured",
]


def decode_batch(
    body: bytes, *, received_ns: int, allowed_systems: frozenset[str] | None = None
) -> EventBatch:
    """A JSON array of events (``application/cloudevents-batch+json``)."""
    text = body_text(body)
    if len(text) >= FAST_MIN_CHARS and not first_rejected(text, allowed_systems):
        batch = fast_batch(text, received_ns, allowed_systems)
        if batch is not None:
            return batch
    return decode_batch_text(text, received_ns, allowed_systems)
