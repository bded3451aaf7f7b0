"""The protobuf decoder: the ingest hot loop (``bench/otlp_flatten.py``)."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from collector.otlp.common import (
    DUMPS,
    INT64_MAX,
    MAX_ERRORS,
    MAX_REPEATED_BYTES,
    PB_SCALARS,
    SLOT_DEFAULTS,
    SPECIAL,
    STRING_SLOT,
    ZERO_SPAN,
    ZERO_TRACE,
    OtlpDecodeError,
    SpanBatch,
    SpanRejected,
    nonfinite,
    put_special,
    resource_limits_error,
    scope_limits_error,
    span_batch,
    too_much_repeated,
)

__all__ = [
    "decode_protobuf",
    "pb_attrs",
]


def _pb_any(v: Any, which: str | None) -> object:
    """Plain JSON value of an AnyValue whose kind is not a plain scalar."""
    if which == "double_value":
        return nonfinite(v.double_value)
    if which == "array_value":
        return [
            getattr(x, w) if w in PB_SCALARS else _pb_any(x, w)
            for x in v.array_value.values
            for w in (x.WhichOneof("value"),)
        ]
    if which == "kvlist_value":
        return pb_attrs(v.kvlist_value.values)
    if which == "bytes_value":
        return base64.b64encode(v.bytes_value).decode("ascii")
    if which is None:
        return None
    return getattr(v, which) if which in PB_SCALARS else None  # string_value_strindex


def pb_attrs(kvs: Iterable[Any]) -> dict[str, object]:
    out: dict[str, object] = {}
    for kv in kvs:
        v = kv.value
        which = v.WhichOneof("value")
        out[kv.key] = getattr(v, which) if which in PB_SCALARS else _pb_any(v, which)
    return out


def _pb_events_links(span: Any) -> tuple[str | None, str | None]:
    events = links = None
    if span.events:
        events = DUMPS(
            [
                {"name": e.name, "time_ns": e.time_unix_nano, "attributes": pb_attrs(e.attributes)}
                for e in span.events
            ]
        )
    if span.links:
        links = DUMPS(
            [
                {
                    "trace_id": lk.trace_id.hex(),
                    "span_id": lk.span_id.hex(),
                    "attributes": pb_attrs(lk.attributes),
                }
                for lk in span.links
            ]
        )
    return events, links


def decode_protobuf(
    body: bytes, *, received_ns: int, max_repeated: int = MAX_REPEATED_BYTES
) -> SpanBatch:
    """Decode a binary protobuf ExportTraceServiceRequest into span columns.

    Raises OtlpTooLarge (an OtlpDecodeError) as soon as the accepted spans
    repeat more than ``max_repeated`` characters of resource JSON, service.name
    and scope name.
    """
    try:
        request = ExportTraceServiceRequest.FromString(body)
    except DecodeError as exc:
        raise OtlpDecodeError(
            f"cannot decode body as an OTLP ExportTraceServiceRequest (protobuf): {exc}"
        ) from exc

    rows: list[tuple[object, ...]] = []
    add_row = rows.append
    errors: list[str] = []
    rejected = 0
    special_get = SPECIAL.get
    special = put_special
    string_slot = STRING_SLOT
    zero_trace, zero_span, int64_max = ZERO_TRACE, ZERO_SPAN, INT64_MAX
    dumps = DUMPS
    repeated = 0  # characters copied into the rows so far from resources and scopes

    for r, rs in enumerate(request.resource_spans):
        res_attrs = pb_attrs(rs.resource.attributes)
        service = res_attrs.get("service.name")
        if type(service) is not str:
            service = None
        resource = dumps(res_attrs)
        res_error = resource_limits_error(resource)
        res_repeats = len(resource) + len(service or "")
        i = -1
        for ss in rs.scope_spans:
            scope = ss.scope.name or None
            version = ss.scope.version or None
            scope_attrs = dumps(pb_attrs(ss.scope.attributes)) if ss.scope.attributes else None
            scope_error = res_error or scope_limits_error(scope, version, scope_attrs)
            # what each row of this scope copies
            repeats = res_repeats + len(scope or "") + len(version or "") + len(scope_attrs or "")
            for span in ss.spans:
                i += 1
                try:
                    if scope_error is not None:
                        raise SpanRejected(scope_error)
                    tid = span.trace_id
                    if len(tid) != 16 or tid == zero_trace:
                        raise SpanRejected("trace_id must be 16 bytes, not all zero")
                    sid = span.span_id
                    if len(sid) != 8 or sid == zero_span:
                        raise SpanRejected("span_id must be 8 bytes, not all zero")
                    pid = span.parent_span_id
                    if not pid or pid == zero_span:
                        parent = None
                    elif len(pid) == 8:
                        parent = pid.hex()
                    else:
                        raise SpanRejected("parent_span_id must be 8 bytes or empty")
                    start = span.start_time_unix_nano
                    end = span.end_time_unix_nano
                    if start == 0:
                        raise SpanRejected("start_time_unix_nano is 0")
                    if end < start:
                        raise SpanRejected("end_time before start_time")
                    if end > int64_max:
                        raise SpanRejected("end_time_unix_nano out of range")

                    attrs: dict[str, object] = {}
                    sv = SLOT_DEFAULTS[:]
                    for kv in span.attributes:
                        key = kv.key
                        v = kv.value
                        which = v.WhichOneof("value")
                        if which == "string_value":
                            pv = v.string_value
                        elif which == "int_value":
                            pv = v.int_value
                        elif which == "bool_value":
                            pv = v.bool_value
                        else:
                            pv = _pb_any(v, which)
                        slot = special_get(key)
                        if slot is None:
                            attrs[key] = pv
                        elif which == "string_value" and string_slot[slot]:
                            sv[slot] = pv  # the common case of put_special, inline
                            attrs.pop(key, None)
                        else:
                            special(attrs, sv, slot, which, pv, key)

                    if span.events or span.links:
                        events, links = _pb_events_links(span)
                    else:
                        events = links = None
                    repeated += repeats
                    if repeated > max_repeated:
                        raise too_much_repeated(max_repeated)
                    status = span.status
                    add_row(
                        (
                            tid.hex(),
                            sid.hex(),
                            parent,
                            span.name,
                            span.kind,
                            start,
                            end,
                            status.code,
                            status.message or None,
                            service,
                            scope,
                            version,
                            scope_attrs,
                            *sv,
                            dumps(attrs),
                            resource,
                            links,
                            events,
                            received_ns,
                        )
                    )
                except SpanRejected as exc:
                    rejected += 1
                    if len(errors) < MAX_ERRORS:
                        errors.append(f"span {i} of resource {r}: {exc}")
    return span_batch(rows, rejected, errors)
