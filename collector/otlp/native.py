"""The native fast path of the protobuf decoder (``_native.c``) and its fallback.

:func:`decode_protobuf_table` gives the spans of a protobuf
``ExportTraceServiceRequest`` as a ``pa.Table`` of SPAN_SCHEMA, or None when
the C extension cannot give exactly what ``decode_protobuf`` +
``pa.Table.from_pydict`` give: the extension is not built (no compiler), the
installed opentelemetry-proto, SPAN_SCHEMA, the length limits or the row
format of ``common`` differ from what it was written for, or the body is
outside the common case it handles (malformed, a span to reject, merged or
duplicate fields, spans repeating more than ``max_repeated`` characters of
resource and scope...).
The caller then decodes the body with :func:`collector.otlp.decode_protobuf`
(which raises OtlpTooLarge for the last).
"""

from __future__ import annotations

import functools
import importlib
from types import ModuleType
from typing import Any

import pyarrow as pa
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from collector.otlp.common import (
    INT64_MAX,
    INT64_MIN,
    MAX_REPEATED_BYTES,
    MAX_RESOURCE_JSON,
    MAX_SCOPE_NAME,
    ROW_FORMAT,
    SPECIAL,
    SpanBatch,
)
from collector.schema import SPAN_SCHEMA

__all__ = ["decode_protobuf_table", "native_decoder", "wire_layout"]

_Field = tuple[str, int, str, int, bool, str]


def wire_layout() -> frozenset[_Field]:
    """Every field of the installed ExportTraceServiceRequest and the messages in it:
    (message, number, name, type, repeated, oneof)."""
    fields: set[_Field] = set()
    todo, seen = [ExportTraceServiceRequest.DESCRIPTOR], set()
    while todo:
        message = todo.pop()
        if message.full_name in seen:
            continue
        seen.add(message.full_name)
        for f in message.fields:
            repeated = f.is_repeated if hasattr(f, "is_repeated") else f.label == f.LABEL_REPEATED
            oneof = f.containing_oneof.name if f.containing_oneof else ""
            fields.add((message.full_name, f.number, f.name, f.type, bool(repeated), oneof))
            if f.message_type is not None:
                todo.append(f.message_type)
    return frozenset(fields)


@functools.cache
def native_decoder() -> ModuleType | None:
    """The C extension, if it is built and fits the installed protos and SPAN_SCHEMA."""
    try:
        module = importlib.import_module("collector.otlp._native")
    except ImportError:
        return None
    columns = tuple((field.name, str(field.type)) for field in SPAN_SCHEMA)
    special = tuple(sorted(SPECIAL, key=SPECIAL.__getitem__))
    limits = tuple(
        getattr(module, name, None)
        for name in ("MAX_RESOURCE_JSON", "MAX_SCOPE_NAME", "MAX_REPEATED_BYTES", "ROW_FORMAT")
    )
    fits = (module.COLUMNS, module.SPECIAL, frozenset(module.WIRE), limits) == (
        columns,
        special,
        wire_layout(),
        (MAX_RESOURCE_JSON, MAX_SCOPE_NAME, MAX_REPEATED_BYTES, ROW_FORMAT),
    )
    return module if fits else None


def decode_protobuf_table(
    body: bytes, received_ns: int, *, max_repeated: int = MAX_REPEATED_BYTES
) -> tuple[pa.Table, SpanBatch] | None:
    """The spans of ``body`` and their counts (columns left empty), or None:
    then decode the body with ``decode_protobuf`` (the same ``max_repeated``)."""
    native = native_decoder()
    if native is None or not INT64_MIN <= received_ns <= INT64_MAX or max_repeated < 0:
        return None
    decoded: tuple[int, list[tuple[Any, ...]]] | None = native.decode(
        bytes(body), received_ns, max_repeated
    )
    if decoded is None:
        return None
    rows, columns = decoded
    arrays = []
    for field, (validity, offsets, data, nulls) in zip(SPAN_SCHEMA, columns, strict=True):
        buffers = [None if validity is None else pa.py_buffer(validity)]
        if offsets is not None:
            buffers.append(pa.py_buffer(offsets))
        buffers.append(pa.py_buffer(data))
        arrays.append(pa.Array.from_buffers(field.type, rows, buffers, null_count=nulls))
    table = pa.Table.from_arrays(arrays, schema=SPAN_SCHEMA)
    return table, SpanBatch({}, rows, 0, ())
