"""Decode OTLP/HTTP ``ExportTraceServiceRequest`` bodies into span columns.

Both encodings of SPEC 1.1 are handled: binary protobuf and OTLP/JSON (which
is *not* proto3 JSON: ids are hex, enums integers, 64-bit integers decimal
strings).  The caller (the HTTP layer) has already decompressed the body and
enforced its size limit.

A body that is not an ``ExportTraceServiceRequest`` at all raises
:class:`OtlpDecodeError` (HTTP 400); one whose spans would copy more than
``MAX_REPEATED_BYTES`` characters of resource and scope text into their rows
raises its subclass :class:`OtlpTooLarge` (HTTP 413).  Spans that cannot be
stored are rejected one by one and counted in the returned :class:`SpanBatch`,
which the HTTP layer reports as ``partial_success`` (HTTP 200).

Conventions of the columns: ids are lowercase hex; an empty or all-zero
``parent_span_id`` is a root (None); an empty status message or scope name
is None; special attributes of the wrong type reject the span, except that
an integer is accepted for a string attribute (a numeric ``order.id``) and
decimal digits / "true" / "false" strings for integer and boolean ones.
The error of a rejected span names its position: "span <i> of resource <r>",
``i`` counting the spans of that resource across its scopes.

Ingest decodes protobuf bodies with the C extension first
(:mod:`collector.otlp.native`: the wire format straight into Arrow buffers,
about ten times faster); it declines anything outside the usual shapes, and
:func:`decode_protobuf` here, the reference behaviour, decodes those.  Both
give the same table (``tests/collector/otlp`` checks it byte for byte);
``bench/otlp_flatten.py`` measures both.
"""

from __future__ import annotations

from collector.otlp.common import OtlpDecodeError, OtlpTooLarge, SpanBatch
from collector.otlp.jsonform import decode_json
from collector.otlp.protobuf import decode_protobuf
from collector.otlp.responses import export_response, status_body

__all__ = [
    "OtlpDecodeError",
    "OtlpTooLarge",
    "SpanBatch",
    "decode_json",
    "decode_protobuf",
    "export_response",
    "status_body",
]
