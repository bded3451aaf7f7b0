"""Spans whose synclens identifiers are too long are rejected one by one.

The decoders (native, protobuf, JSON) keep what a span says; the lengths of
``inventory.event_id``, ``inventory.event_source``, ``inventory.sku``,
``inventory.location`` and ``order.id`` are checked afterwards on the
decoded Arrow table, the same way for every decoder, and such spans join the
request's partial success with their reason.
"""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa
import pyarrow.compute as pc

from collector.cloudevents.events import MAX_ID_CHARS
from collector.decoding import DecodedSpans
from collector.otlp.common import MAX_ERRORS

__all__ = ["IDENTIFIERS", "drop_long_identifiers"]

#: span column -> the attribute it comes from
IDENTIFIERS = {
    "event_id": "inventory.event_id",
    "event_source": "inventory.event_source",
    "sku": "inventory.sku",
    "location": "inventory.location",
    "order_id": "order.id",
}


def drop_long_identifiers(decoded: DecodedSpans) -> DecodedSpans:
    """``decoded`` without the spans that carry an identifier over
    ``MAX_ID_CHARS`` characters, counted as rejected with the reason."""
    table = decoded.table
    if table.num_rows == 0:
        return decoded
    too_long: pa.ChunkedArray | None = None
    reasons: list[str] = []
    for column, attribute in IDENTIFIERS.items():
        over = pc.fill_null(pc.greater(pc.utf8_length(table[column]), MAX_ID_CHARS), False)
        if pc.any(over).as_py():
            reasons.append(f"span attribute {attribute!r} is longer than {MAX_ID_CHARS} characters")
            too_long = over if too_long is None else pc.or_(too_long, over)
    if too_long is None:
        return decoded
    n = int(pc.sum(too_long).as_py())
    batch = decoded.batch
    errors = (*batch.errors, *reasons)[:MAX_ERRORS]
    return replace(
        decoded,
        table=table.filter(pc.invert(too_long)),
        batch=replace(
            batch, accepted=batch.accepted - n, rejected=batch.rejected + n, errors=errors
        ),
    )
