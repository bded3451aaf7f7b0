"""Decode OTLP/HTTP ``ExportTraceServiceRequest`` bodies into span columns.

Both encodings of SPEC 1.1 are handled: binary protobuf and OTLP/JSON (which
is *not* proto3 JSON: ids are hex, enums integers, 64-bit integers decimal
strings).  The caller (the HTTP layer) has already decompressed the body and
enforced its size limit.

A body that is not an ``ExportTraceServiceRequest`` at all raises
:class:`OtlpDecodeError` (HTTP 400).  Spans that cannot be stored are
rejected one by one and counted in the returned :class:`SpanBatch`, which
the HTTP layer reports as ``partial_success`` (HTTP 200).

Conventions of the columns: ids are lowercase hex; an empty or all-zero
``parent_span_id`` is a root (None); an empty status message or scope name
is None; special attributes of the wrong type reject the span, except that
an integer is accepted for a string attribute (a numeric ``order.id``) and
decimal digits / "true" / "false" strings for integer and boolean ones.
The error of a rejected span names its position: "span <i> of resource <r>",
``i`` counting the spans of that resource across its scopes.

The protobuf path is the ingest hot loop: it builds one row tuple per span
and transposes the rows into columns once at the end, so the per-span work
is attribute reads, one dict per span and one ``json`` encode per JSON
column.  Keep it that way; ``bench/otlp_flatten.py`` measures it.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from google.protobuf.message import DecodeError
from google.rpc.status_pb2 import Status
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span
from opentelemetry.proto.trace.v1.trace_pb2 import Status as SpanStatus

from collector.schema import SPAN_COLUMNS, SPAN_SCHEMA, empty_columns

__all__ = [
    "OtlpDecodeError",
    "SpanBatch",
    "decode_json",
    "decode_protobuf",
    "export_response",
    "status_body",
]

MAX_ERRORS = 10
_INT64_MAX = (1 << 63) - 1
_INT64_MIN = -(1 << 63)
_UINT64_MAX = (1 << 64) - 1
_INT32_MAX = (1 << 31) - 1
_INT32_MIN = -(1 << 31)
_MAX_DEPTH = 32  # nesting of array/kvlist attribute values (OTLP/JSON)
_ZERO_TRACE = bytes(16)
_ZERO_SPAN = bytes(8)
_DUMPS = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode

# Span attributes with a column of their own (SPEC 1.1).  The columns are
# contiguous in SPAN_SCHEMA, so a span carries them as one list of "slots"
# (index = column position - position of event_id) that is spliced into the row.
_ATTRIBUTE_COLUMNS = {
    "inventory.event_id": "event_id",
    "inventory.event_source": "event_source",
    "inventory.sku": "sku",
    "inventory.location": "location",
    "order.id": "order_id",
    "sync.target": "target",
    "sync.attempt": "attempt",
    "sync.replay": "replay",
    "sync.dead_lettered": "dead_lettered",
    "sync.duplicate": "duplicate",
    "error.type": "error_type",
    "http.response.status_code": "http_status",
}
_FIRST_SLOT = SPAN_COLUMNS.index("event_id")
_SPECIAL: dict[str, int] = {
    attr: SPAN_COLUMNS.index(col) - _FIRST_SLOT for attr, col in _ATTRIBUTE_COLUMNS.items()
}
assert sorted(_SPECIAL.values()) == list(range(len(_SPECIAL))), "attribute columns not contiguous"
# "s" string, "i" int64, "b" bool, by slot.
_SLOT_KIND = tuple(
    {pa.string(): "s", pa.int64(): "i", pa.bool_(): "b"}[SPAN_SCHEMA.field(_FIRST_SLOT + k).type]
    for k in range(len(_SPECIAL))
)
_STRING_SLOT = tuple(kind == "s" for kind in _SLOT_KIND)
_SLOT_DEFAULTS: list[object] = [False if kind == "b" else None for kind in _SLOT_KIND]
# String columns not written by json.dumps (which escapes surrogates).
_PLAIN_STRING_COLUMNS = tuple(
    k
    for k, field in enumerate(SPAN_SCHEMA)
    if field.type == pa.string()
    and field.name not in ("attributes", "resource", "links", "span_events")
)
_BOOL_STRINGS = {"true": True, "false": False}
# AnyValue kinds read with a plain getattr (no conversion needed).
_PB_SCALARS = frozenset(("string_value", "int_value", "bool_value"))

# OTLP/JSON AnyValue keys (lowerCamelCase and snake_case) -> protobuf oneof name.
_JSON_KINDS = {
    "stringValue": "string_value",
    "string_value": "string_value",
    "intValue": "int_value",
    "int_value": "int_value",
    "boolValue": "bool_value",
    "bool_value": "bool_value",
    "doubleValue": "double_value",
    "double_value": "double_value",
    "arrayValue": "array_value",
    "array_value": "array_value",
    "kvlistValue": "kvlist_value",
    "kvlist_value": "kvlist_value",
    "bytesValue": "bytes_value",
    "bytes_value": "bytes_value",
}
_SPAN_KIND_NAMES = dict(Span.SpanKind.items())
_STATUS_CODE_NAMES = dict(SpanStatus.StatusCode.items())


class OtlpDecodeError(ValueError):
    """The body is not an ExportTraceServiceRequest at all (-> HTTP 400).

    ``str()`` is an English reason.
    """


@dataclass(frozen=True, slots=True)
class SpanBatch:
    """The accepted spans of one request, as SPAN_SCHEMA columns."""

    columns: dict[str, list[object]]
    accepted: int
    rejected: int
    errors: tuple[str, ...]  # reasons of the first MAX_ERRORS rejected spans


class _Reject(Exception):
    """One span cannot be stored; ``str()`` is the reason."""


# --------------------------------------------------------------------------- shared


def _batch(rows: list[tuple[object, ...]], rejected: int, errors: list[str]) -> SpanBatch:
    if rows:
        columns = dict(zip(SPAN_COLUMNS, map(list, zip(*rows, strict=True)), strict=True))
    else:
        columns = empty_columns(SPAN_SCHEMA)
    return SpanBatch(columns, len(rows), rejected, tuple(errors))


def _nonfinite(d: float) -> object:
    """JSON has no NaN/Infinity: spell them as proto3 JSON does."""
    if math.isfinite(d):
        return d
    return "NaN" if math.isnan(d) else ("Infinity" if d > 0 else "-Infinity")


def _decimal(x: object, what: str, lo: int = _INT64_MIN, hi: int = _INT64_MAX) -> int:
    """An OTLP/JSON 64-bit integer: a JSON integer or a string of decimal digits."""
    if type(x) is int:
        n = x
    elif type(x) is str and len(x) <= 20 and x.isascii() and x.removeprefix("-").isdigit():
        n = int(x)
    else:
        raise _Reject(f"{what} must be an integer")
    if not lo <= n <= hi:
        raise _Reject(f"{what} out of range")
    return n


def _typed(slot: int, which: str | None, pv: object, key: str) -> object:
    """The column value of special attribute ``key``, or _Reject if mistyped."""
    kind = _SLOT_KIND[slot]
    if kind == "s":
        if which == "string_value":
            return pv
        if which == "int_value":  # e.g. a numeric order id
            return str(pv)
        raise _Reject(f"attribute {key} must be a string")
    if kind == "i":
        n: object = None
        if which == "int_value":
            n = pv
        elif which == "string_value" and type(pv) is str and pv.isascii() and pv.isdigit():
            n = int(pv) if len(pv) <= 18 else None
        if type(n) is not int:
            raise _Reject(f"attribute {key} must be an integer")
        if key == "sync.attempt" and n < 1:
            raise _Reject(f"attribute {key} must be an integer >= 1")
        return n
    if which == "bool_value":
        return pv
    if which == "string_value" and type(pv) is str:
        b = _BOOL_STRINGS.get(pv.lower())
        if b is not None:
            return b
    raise _Reject(f"attribute {key} must be a boolean")


# --------------------------------------------------------------------------- protobuf


def _pb_any(v: Any, which: str | None) -> object:
    """Plain JSON value of an AnyValue whose kind is not a plain scalar."""
    if which == "double_value":
        return _nonfinite(v.double_value)
    if which == "array_value":
        return [
            getattr(x, w) if w in _PB_SCALARS else _pb_any(x, w)
            for x in v.array_value.values
            for w in (x.WhichOneof("value"),)
        ]
    if which == "kvlist_value":
        return _pb_attrs(v.kvlist_value.values)
    if which == "bytes_value":
        return base64.b64encode(v.bytes_value).decode("ascii")
    if which is None:
        return None
    return getattr(v, which) if which in _PB_SCALARS else None  # string_value_strindex


def _pb_attrs(kvs: Iterable[Any]) -> dict[str, object]:
    out: dict[str, object] = {}
    for kv in kvs:
        v = kv.value
        which = v.WhichOneof("value")
        out[kv.key] = getattr(v, which) if which in _PB_SCALARS else _pb_any(v, which)
    return out


def _pb_events_links(span: Any) -> tuple[str | None, str | None]:
    events = links = None
    if span.events:
        events = _DUMPS(
            [
                {"name": e.name, "time_ns": e.time_unix_nano, "attributes": _pb_attrs(e.attributes)}
                for e in span.events
            ]
        )
    if span.links:
        links = _DUMPS(
            [
                {
                    "trace_id": lk.trace_id.hex(),
                    "span_id": lk.span_id.hex(),
                    "attributes": _pb_attrs(lk.attributes),
                }
                for lk in span.links
            ]
        )
    return events, links


def decode_protobuf(body: bytes, *, received_ns: int) -> SpanBatch:
    """Decode a binary protobuf ExportTraceServiceRequest into span columns."""
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
    special_get = _SPECIAL.get
    string_slot = _STRING_SLOT
    zero_trace, zero_span, int64_max = _ZERO_TRACE, _ZERO_SPAN, _INT64_MAX
    dumps = _DUMPS

    for r, rs in enumerate(request.resource_spans):
        res_attrs = _pb_attrs(rs.resource.attributes)
        service = res_attrs.get("service.name")
        if type(service) is not str:
            service = None
        resource = dumps(res_attrs)
        i = -1
        for ss in rs.scope_spans:
            scope = ss.scope.name or None
            for span in ss.spans:
                i += 1
                try:
                    tid = span.trace_id
                    if len(tid) != 16 or tid == zero_trace:
                        raise _Reject("trace_id must be 16 bytes, not all zero")
                    sid = span.span_id
                    if len(sid) != 8 or sid == zero_span:
                        raise _Reject("span_id must be 8 bytes, not all zero")
                    pid = span.parent_span_id
                    if not pid or pid == zero_span:
                        parent = None
                    elif len(pid) == 8:
                        parent = pid.hex()
                    else:
                        raise _Reject("parent_span_id must be 8 bytes or empty")
                    start = span.start_time_unix_nano
                    end = span.end_time_unix_nano
                    if start == 0:
                        raise _Reject("start_time_unix_nano is 0")
                    if end < start:
                        raise _Reject("end_time before start_time")
                    if end > int64_max:
                        raise _Reject("end_time_unix_nano out of range")

                    attrs: dict[str, object] = {}
                    sv = _SLOT_DEFAULTS[:]
                    for kv in span.attributes:
                        key = kv.key
                        v = kv.value
                        which = v.WhichOneof("value")
                        if which == "string_value":
                            attrs[key] = pv = v.string_value
                            slot = special_get(key)
                            if slot is not None:
                                sv[slot] = pv if string_slot[slot] else _typed(slot, which, pv, key)
                            continue
                        if which == "int_value":
                            attrs[key] = pv = v.int_value
                        elif which == "bool_value":
                            attrs[key] = pv = v.bool_value
                        else:
                            attrs[key] = pv = _pb_any(v, which)
                        slot = special_get(key)
                        if slot is not None:
                            sv[slot] = _typed(slot, which, pv, key)

                    if span.events or span.links:
                        events, links = _pb_events_links(span)
                    else:
                        events = links = None
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
                            *sv,
                            dumps(attrs),
                            resource,
                            links,
                            events,
                            received_ns,
                        )
                    )
                except _Reject as exc:
                    rejected += 1
                    if len(errors) < MAX_ERRORS:
                        errors.append(f"span {i} of resource {r}: {exc}")
    return _batch(rows, rejected, errors)


# --------------------------------------------------------------------------- OTLP/JSON


def _json_any(v: object, depth: int) -> tuple[str | None, object]:
    """(protobuf oneof name, plain JSON value) of an OTLP/JSON AnyValue."""
    if v is None:
        return None, None
    if type(v) is not dict:
        raise _Reject("value must be an object")
    which = x = None
    for k, val in v.items():
        which = _JSON_KINDS.get(k)
        if which is not None:
            x = val
            break
    if which is None:
        return None, None
    if which == "string_value":
        if type(x) is not str:
            raise _Reject("stringValue must be a string")
        return which, x
    if which == "int_value":
        return which, _decimal(x, "intValue")
    if which == "bool_value":
        if type(x) is not bool:
            raise _Reject("boolValue must be true or false")
        return which, x
    if which == "double_value":
        try:
            d = float(x) if type(x) in (int, float, str) else None  # type: ignore[arg-type]
        except (ValueError, OverflowError):
            d = None
        if d is None:
            raise _Reject("doubleValue must be a number")
        return which, _nonfinite(d)
    if depth >= _MAX_DEPTH:
        raise _Reject("value nested too deeply")
    if which == "bytes_value":
        if type(x) is not str:
            raise _Reject("bytesValue must be a base64 string")
        s = x.replace("-", "+").replace("_", "/")
        try:
            raw = base64.b64decode(s + "=" * (-len(s) % 4), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _Reject("bytesValue must be a base64 string") from exc
        return which, base64.b64encode(raw).decode("ascii")
    values = x.get("values") if type(x) is dict else x
    if values is None:
        values = []
    elif type(values) is not list:
        raise _Reject(
            f"{'arrayValue' if which == 'array_value' else 'kvlistValue'} must hold a list"
        )
    if which == "array_value":
        return which, [_json_any(e, depth + 1)[1] for e in values]
    return which, _json_attrs(values, depth + 1)


def _json_attrs(kvs: object, depth: int = 0) -> dict[str, object]:
    if kvs is None:
        return {}
    if type(kvs) is not list:
        raise _Reject("attributes must be a list")
    out: dict[str, object] = {}
    for kv in kvs:
        if type(kv) is not dict or type(key := kv.get("key", "")) is not str:
            raise _Reject("attribute must be an object with a string key")
        try:
            out[key] = _json_any(kv.get("value"), depth)[1]
        except _Reject as exc:
            raise _Reject(f"attribute {key}: {exc}") from None
    return out


def _json_id(x: object, what: str, size: int) -> bytes:
    if type(x) is str:
        try:
            b = bytes.fromhex(x)
        except ValueError:
            b = b""
        if len(b) == size and len(x) == 2 * size:
            return b
    raise _Reject(f"{what} must be {2 * size} hex digits")


def _json_enum(x: object, names: dict[str, int], what: str) -> int:
    if x is None:
        return 0
    if type(x) is int and _INT32_MIN <= x <= _INT32_MAX:
        return x
    if type(x) is str and x in names:
        return names[x]
    raise _Reject(f"{what} must be an enum number or name")


def _json_span(span: object, scope: tuple[object, ...], received_ns: int) -> tuple[object, ...]:
    """The SPAN_SCHEMA row of one OTLP/JSON span.

    ``scope`` is (service_name, scope_name, resource) of the enclosing scope.
    """
    if type(span) is not dict:
        raise _Reject("span must be an object")
    g = span.get
    tid = _json_id(g("traceId", g("trace_id")), "traceId", 16)
    if tid == _ZERO_TRACE:
        raise _Reject("traceId is all zero")
    sid = _json_id(g("spanId", g("span_id")), "spanId", 8)
    if sid == _ZERO_SPAN:
        raise _Reject("spanId is all zero")
    pid = g("parentSpanId", g("parent_span_id"))
    parent = None
    if pid:
        pid = _json_id(pid, "parentSpanId", 8)
        parent = None if pid == _ZERO_SPAN else pid.hex()
    start = g("startTimeUnixNano", g("start_time_unix_nano"))
    start = 0 if start is None else _decimal(start, "startTimeUnixNano", 0)
    end = g("endTimeUnixNano", g("end_time_unix_nano"))
    end = 0 if end is None else _decimal(end, "endTimeUnixNano", 0)
    if start == 0:
        raise _Reject("startTimeUnixNano is 0")
    if end < start:
        raise _Reject("end_time before start_time")
    name = g("name")
    if name is None:
        name = ""
    elif type(name) is not str:
        raise _Reject("name must be a string")
    kind = _json_enum(g("kind"), _SPAN_KIND_NAMES, "kind")

    status = g("status")
    code, message = 0, None
    if status is not None:
        if type(status) is not dict:
            raise _Reject("status must be an object")
        code = _json_enum(status.get("code"), _STATUS_CODE_NAMES, "status.code")
        message = status.get("message") or None
        if message is not None and type(message) is not str:
            raise _Reject("status.message must be a string")

    attrs: dict[str, object] = {}
    sv = _SLOT_DEFAULTS[:]
    kvs = g("attributes")
    if kvs is not None:
        if type(kvs) is not list:
            raise _Reject("attributes must be a list")
        for kv in kvs:
            if type(kv) is not dict or type(key := kv.get("key", "")) is not str:
                raise _Reject("attribute must be an object with a string key")
            v = kv.get("value")
            pv = v.get("stringValue") if type(v) is dict and len(v) == 1 else None
            which: str | None
            if type(pv) is str:  # the common case, without a call
                which = "string_value"
            else:
                try:
                    which, pv = _json_any(v, 0)
                except _Reject as exc:
                    raise _Reject(f"attribute {key}: {exc}") from None
            attrs[key] = pv
            slot = _SPECIAL.get(key)
            if slot is not None:
                sv[slot] = (
                    pv
                    if which == "string_value" and _STRING_SLOT[slot]
                    else _typed(slot, which, pv, key)
                )

    events = links = None
    evs = g("events")
    if evs:
        if type(evs) is not list:
            raise _Reject("events must be a list")
        out = []
        for e in evs:
            if type(e) is not dict:
                raise _Reject("event must be an object")
            t = e.get("timeUnixNano", e.get("time_unix_nano"))
            ename = e.get("name")
            if ename is None:
                ename = ""
            elif type(ename) is not str:
                raise _Reject("event name must be a string")
            out.append(
                {
                    "name": ename,
                    "time_ns": 0
                    if t is None
                    else _decimal(t, "event timeUnixNano", 0, _UINT64_MAX),
                    "attributes": _json_attrs(e.get("attributes")),
                }
            )
        events = _DUMPS(out)
    lks = g("links")
    if lks:
        if type(lks) is not list:
            raise _Reject("links must be a list")
        out = []
        for lk in lks:
            if type(lk) is not dict:
                raise _Reject("link must be an object")
            ltid = lk.get("traceId", lk.get("trace_id"))
            lsid = lk.get("spanId", lk.get("span_id"))
            ltid = "" if ltid is None else ltid  # absent = empty, as in protobuf
            lsid = "" if lsid is None else lsid
            if type(ltid) is not str or type(lsid) is not str:
                raise _Reject("link traceId/spanId must be hex strings")
            try:
                ltid, lsid = bytes.fromhex(ltid).hex(), bytes.fromhex(lsid).hex()
            except ValueError as exc:
                raise _Reject("link traceId/spanId must be hex strings") from exc
            out.append(
                {"trace_id": ltid, "span_id": lsid, "attributes": _json_attrs(lk.get("attributes"))}
            )
        links = _DUMPS(out)
    service, scope_name, resource = scope
    return (
        tid.hex(),
        sid.hex(),
        parent,
        name,
        kind,
        start,
        end,
        code,
        message,
        service,
        scope_name,
        *sv,
        _DUMPS(attrs),
        resource,
        links,
        events,
        received_ns,
    )


def _json_list(d: dict[str, Any], camel: str, snake: str, where: str) -> list[Any]:
    x = d.get(camel, d.get(snake))
    if x is None:
        return []
    if type(x) is not list:
        raise OtlpDecodeError(f"{where}{camel} must be a list, not {type(x).__name__}")
    return x


def _json_object(x: object, where: str) -> dict[str, Any]:
    if type(x) is not dict:
        raise OtlpDecodeError(f"{where} must be an object, not {type(x).__name__}")
    return x


def _has_lone_surrogate(row: tuple[object, ...]) -> bool:
    """Whether a string column of ``row`` holds an unpaired surrogate (Arrow rejects it)."""
    for k in _PLAIN_STRING_COLUMNS:
        x = row[k]
        if type(x) is str:
            try:
                x.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


def decode_json(body: bytes, *, received_ns: int) -> SpanBatch:
    """Decode an OTLP/JSON ExportTraceServiceRequest into span columns."""
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError
        raise OtlpDecodeError(f"cannot decode body as OTLP/JSON: {exc}") from exc
    doc = _json_object(doc, "the JSON body")

    # json.loads turns a "\\udXXX" escape without its pair into a lone surrogate,
    # which Arrow cannot store: look for one only where such an escape can be.
    check_surrogates = b"\\ud" in body or b"\\uD" in body or json.detect_encoding(body) != "utf-8"
    rows: list[tuple[object, ...]] = []
    errors: list[str] = []
    rejected = 0
    for r, rs in enumerate(_json_list(doc, "resourceSpans", "resource_spans", "")):
        where = f"resourceSpans[{r}]"
        rs = _json_object(rs, where)
        res_error = None
        service = resource = None
        try:
            res = rs.get("resource")
            res_attrs = (
                _json_attrs(_json_object(res, f"{where}.resource").get("attributes"))
                if res is not None
                else {}
            )
            service = res_attrs.get("service.name")
            if type(service) is not str:
                service = None
            resource = _DUMPS(res_attrs)
        except (_Reject, OtlpDecodeError) as exc:
            res_error = f"resource: {exc}"
        i = -1
        for s, ss in enumerate(_json_list(rs, "scopeSpans", "scope_spans", f"{where}.")):
            swhere = f"{where}.scopeSpans[{s}]"
            ss = _json_object(ss, swhere)
            spans = _json_list(ss, "spans", "spans", f"{swhere}.")
            scope_error = res_error
            scope = ss.get("scope")
            if scope is not None:
                scope = _json_object(scope, f"{swhere}.scope").get("name") or None
                if scope is not None and type(scope) is not str:
                    scope_error = scope_error or "scope.name must be a string"
            context = (service, scope, resource)
            for span in spans:
                i += 1
                try:
                    if scope_error is not None:
                        raise _Reject(scope_error)
                    row = _json_span(span, context, received_ns)
                    if check_surrogates and _has_lone_surrogate(row):
                        raise _Reject("string with an unpaired UTF-16 surrogate")
                    rows.append(row)
                except _Reject as exc:
                    rejected += 1
                    if len(errors) < MAX_ERRORS:
                        errors.append(f"span {i} of resource {r}: {exc}")
    return _batch(rows, rejected, errors)


# --------------------------------------------------------------------------- responses


def export_response(batch: SpanBatch, *, as_json: bool) -> bytes:
    """The ExportTraceServiceResponse for ``batch`` (OTLP/JSON when ``as_json``)."""
    message = "; ".join(batch.errors)
    if as_json:
        if batch.rejected <= 0:
            return b"{}"
        partial = {"rejectedSpans": str(batch.rejected), "errorMessage": message}
        return _DUMPS({"partialSuccess": partial}).encode()
    response = ExportTraceServiceResponse()
    if batch.rejected > 0:
        response.partial_success.rejected_spans = batch.rejected
        response.partial_success.error_message = message
    body: bytes = response.SerializeToString()
    return body


def status_body(code: int, message: str, *, as_json: bool) -> bytes:
    """A ``google.rpc.Status`` body (``code`` is a google.rpc.Code number)."""
    if as_json:
        return _DUMPS({"code": code, "message": message}).encode()
    body: bytes = Status(code=code, message=message).SerializeToString()
    return body
