"""The OTLP/JSON decoder: hex ids, integer enums, 64-bit integers as strings."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from opentelemetry.proto.trace.v1.trace_pb2 import Span
from opentelemetry.proto.trace.v1.trace_pb2 import Status as SpanStatus

from collector.otlp.common import (
    DUMPS,
    INT32_MAX,
    INT32_MIN,
    MAX_DEPTH,
    MAX_ERRORS,
    MAX_REPEATED_BYTES,
    PLAIN_STRING_COLUMNS,
    SLOT_DEFAULTS,
    SPECIAL,
    STRING_SLOT,
    UINT64_MAX,
    ZERO_SPAN,
    ZERO_TRACE,
    OtlpDecodeError,
    SpanBatch,
    SpanRejected,
    decimal_int,
    nonfinite,
    put_special,
    resource_limits_error,
    scope_limits_error,
    span_batch,
    too_much_repeated,
)

__all__ = ["decode_json"]

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


def _json_any(v: object, depth: int) -> tuple[str | None, object]:
    """(protobuf oneof name, plain JSON value) of an OTLP/JSON AnyValue."""
    if v is None:
        return None, None
    if type(v) is not dict:
        raise SpanRejected("value must be an object")
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
            raise SpanRejected("stringValue must be a string")
        return which, x
    if which == "int_value":
        return which, decimal_int(x, "intValue")
    if which == "bool_value":
        if type(x) is not bool:
            raise SpanRejected("boolValue must be true or false")
        return which, x
    if which == "double_value":
        try:
            d = float(x) if type(x) in (int, float, str) else None  # type: ignore[arg-type]
        except (ValueError, OverflowError):
            d = None
        if d is None:
            raise SpanRejected("doubleValue must be a number")
        return which, nonfinite(d)
    if depth >= MAX_DEPTH:
        raise SpanRejected("value nested too deeply")
    if which == "bytes_value":
        if type(x) is not str:
            raise SpanRejected("bytesValue must be a base64 string")
        s = x.replace("-", "+").replace("_", "/")
        try:
            raw = base64.b64decode(s + "=" * (-len(s) % 4), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise SpanRejected("bytesValue must be a base64 string") from exc
        return which, base64.b64encode(raw).decode("ascii")
    values = x.get("values") if type(x) is dict else x
    if values is None:
        values = []
    elif type(values) is not list:
        raise SpanRejected(
            f"{'arrayValue' if which == 'array_value' else 'kvlistValue'} must hold a list"
        )
    if which == "array_value":
        return which, [_json_any(e, depth + 1)[1] for e in values]
    return which, _json_attrs(values, depth + 1)


def _json_attrs(kvs: object, depth: int = 0) -> dict[str, object]:
    if kvs is None:
        return {}
    if type(kvs) is not list:
        raise SpanRejected("attributes must be a list")
    out: dict[str, object] = {}
    for kv in kvs:
        if type(kv) is not dict or type(key := kv.get("key", "")) is not str:
            raise SpanRejected("attribute must be an object with a string key")
        try:
            out[key] = _json_any(kv.get("value"), depth)[1]
        except SpanRejected as exc:
            raise SpanRejected(f"attribute {key}: {exc}") from None
    return out


def _json_id(x: object, what: str, size: int) -> bytes:
    if type(x) is str:
        try:
            b = bytes.fromhex(x)
        except ValueError:
            b = b""
        if len(b) == size and len(x) == 2 * size:
            return b
    raise SpanRejected(f"{what} must be {2 * size} hex digits")


def _json_enum(x: object, names: dict[str, int], what: str) -> int:
    if x is None:
        return 0
    if type(x) is int and INT32_MIN <= x <= INT32_MAX:
        return x
    if type(x) is str and x in names:
        return names[x]
    raise SpanRejected(f"{what} must be an enum number or name")


def _json_span(span: object, scope: tuple[object, ...], received_ns: int) -> tuple[object, ...]:
    """The SPAN_SCHEMA row of one OTLP/JSON span.

    ``scope`` is (service_name, scope_name, scope_version, scope_attributes,
    resource) of the enclosing scope.
    """
    if type(span) is not dict:
        raise SpanRejected("span must be an object")
    g = span.get
    tid = _json_id(g("traceId", g("trace_id")), "traceId", 16)
    if tid == ZERO_TRACE:
        raise SpanRejected("traceId is all zero")
    sid = _json_id(g("spanId", g("span_id")), "spanId", 8)
    if sid == ZERO_SPAN:
        raise SpanRejected("spanId is all zero")
    pid = g("parentSpanId", g("parent_span_id"))
    parent = None
    if pid:
        pid = _json_id(pid, "parentSpanId", 8)
        parent = None if pid == ZERO_SPAN else pid.hex()
    start = g("startTimeUnixNano", g("start_time_unix_nano"))
    start = 0 if start is None else decimal_int(start, "startTimeUnixNano", 0)
    end = g("endTimeUnixNano", g("end_time_unix_nano"))
    end = 0 if end is None else decimal_int(end, "endTimeUnixNano", 0)
    if start == 0:
        raise SpanRejected("startTimeUnixNano is 0")
    if end < start:
        raise SpanRejected("end_time before start_time")
    name = g("name")
    if name is None:
        name = ""
    elif type(name) is not str:
        raise SpanRejected("name must be a string")
    kind = _json_enum(g("kind"), _SPAN_KIND_NAMES, "kind")

    status = g("status")
    code, message = 0, None
    if status is not None:
        if type(status) is not dict:
            raise SpanRejected("status must be an object")
        code = _json_enum(status.get("code"), _STATUS_CODE_NAMES, "status.code")
        message = status.get("message") or None
        if message is not None and type(message) is not str:
            raise SpanRejected("status.message must be a string")

    attrs: dict[str, object] = {}
    sv = SLOT_DEFAULTS[:]
    kvs = g("attributes")
    if kvs is not None:
        if type(kvs) is not list:
            raise SpanRejected("attributes must be a list")
        for kv in kvs:
            if type(kv) is not dict or type(key := kv.get("key", "")) is not str:
                raise SpanRejected("attribute must be an object with a string key")
            v = kv.get("value")
            pv = v.get("stringValue") if type(v) is dict and len(v) == 1 else None
            which: str | None
            if type(pv) is str:  # the common case, without a call
                which = "string_value"
            else:
                try:
                    which, pv = _json_any(v, 0)
                except SpanRejected as exc:
                    raise SpanRejected(f"attribute {key}: {exc}") from None
            slot = SPECIAL.get(key)
            if slot is None:
                attrs[key] = pv
            elif which == "string_value" and STRING_SLOT[slot]:
                sv[slot] = pv  # the common case of put_special, inline
                attrs.pop(key, None)
            else:
                put_special(attrs, sv, slot, which, pv, key)

    events = links = None
    evs = g("events")
    if evs:
        if type(evs) is not list:
            raise SpanRejected("events must be a list")
        out = []
        for e in evs:
            if type(e) is not dict:
                raise SpanRejected("event must be an object")
            t = e.get("timeUnixNano", e.get("time_unix_nano"))
            ename = e.get("name")
            if ename is None:
                ename = ""
            elif type(ename) is not str:
                raise SpanRejected("event name must be a string")
            out.append(
                {
                    "name": ename,
                    "time_ns": 0
                    if t is None
                    else decimal_int(t, "event timeUnixNano", 0, UINT64_MAX),
                    "attributes": _json_attrs(e.get("attributes")),
                }
            )
        events = DUMPS(out)
    lks = g("links")
    if lks:
        if type(lks) is not list:
            raise SpanRejected("links must be a list")
        out = []
        for lk in lks:
            if type(lk) is not dict:
                raise SpanRejected("link must be an object")
            ltid = lk.get("traceId", lk.get("trace_id"))
            lsid = lk.get("spanId", lk.get("span_id"))
            ltid = "" if ltid is None else ltid  # absent = empty, as in protobuf
            lsid = "" if lsid is None else lsid
            if type(ltid) is not str or type(lsid) is not str:
                raise SpanRejected("link traceId/spanId must be hex strings")
            try:
                ltid, lsid = bytes.fromhex(ltid).hex(), bytes.fromhex(lsid).hex()
            except ValueError as exc:
                raise SpanRejected("link traceId/spanId must be hex strings") from exc
            out.append(
                {"trace_id": ltid, "span_id": lsid, "attributes": _json_attrs(lk.get("attributes"))}
            )
        links = DUMPS(out)
    service, scope_name, scope_version, scope_attrs, resource = scope
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
        scope_version,
        scope_attrs,
        *sv,
        DUMPS(attrs),
        resource,
        links,
        events,
        received_ns,
    )


def _json_scope(
    ss: dict[str, Any], where: str
) -> tuple[str | None, str | None, str | None, str | None]:
    """The scope of a scopeSpans: (name, version, attributes JSON, why its
    spans are rejected or None)."""
    scope = ss.get("scope")
    if scope is None:
        return None, None, None, None
    scope = _json_object(scope, f"{where}.scope")
    name = scope.get("name") or None
    version = scope.get("version") or None
    if name is not None and type(name) is not str:
        return None, None, None, "scope.name must be a string"
    if version is not None and type(version) is not str:
        return None, None, None, "scope.version must be a string"
    try:
        attrs = _json_attrs(scope.get("attributes"))
    except (SpanRejected, OtlpDecodeError) as exc:
        return None, None, None, f"scope: {exc}"
    attributes = DUMPS(attrs) if attrs else None
    return name, version, attributes, scope_limits_error(name, version, attributes)


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
    for k in PLAIN_STRING_COLUMNS:
        x = row[k]
        if type(x) is str:
            try:
                x.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


def decode_json(
    body: bytes, *, received_ns: int, max_repeated: int = MAX_REPEATED_BYTES
) -> SpanBatch:
    """Decode an OTLP/JSON ExportTraceServiceRequest into span columns.

    Raises OtlpTooLarge (an OtlpDecodeError) as soon as the accepted spans
    repeat more than ``max_repeated`` characters of resource JSON, service.name
    and scope name.
    """
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
    repeated = 0  # characters copied into the rows so far from resources and scopes
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
            resource = DUMPS(res_attrs)
        except (SpanRejected, OtlpDecodeError) as exc:
            res_error = f"resource: {exc}"
        else:
            res_error = resource_limits_error(resource)
        i = -1
        for s, ss in enumerate(_json_list(rs, "scopeSpans", "scope_spans", f"{where}.")):
            swhere = f"{where}.scopeSpans[{s}]"
            ss = _json_object(ss, swhere)
            spans = _json_list(ss, "spans", "spans", f"{swhere}.")
            scope, version, scope_attrs, scope_error = _json_scope(ss, swhere)
            scope_error = res_error or scope_error
            context = (service, scope, version, scope_attrs, resource)
            repeats = 0  # what each row of this scope copies (its spans rejected: none)
            if scope_error is None:
                repeats = len(resource or "") + len(scope or "") + len(version or "")
                repeats += len(scope_attrs or "")
                repeats += len(service) if isinstance(service, str) else 0
            for span in spans:
                i += 1
                try:
                    if scope_error is not None:
                        raise SpanRejected(scope_error)
                    row = _json_span(span, context, received_ns)
                    if check_surrogates and _has_lone_surrogate(row):
                        raise SpanRejected("string with an unpaired UTF-16 surrogate")
                    repeated += repeats
                    if repeated > max_repeated:
                        raise too_much_repeated(max_repeated)
                    rows.append(row)
                except SpanRejected as exc:
                    rejected += 1
                    if len(errors) < MAX_ERRORS:
                        errors.append(f"span {i} of resource {r}: {exc}")
    return span_batch(rows, rejected, errors)
