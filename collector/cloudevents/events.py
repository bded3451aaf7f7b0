"""CloudEvents, one event at a time: the reference path of every mode.

Each event is validated in one tight loop (no per-event model objects) and
turned into a row; an invalid event becomes a :class:`Rejection` and never
blocks the others.  Batches of valid events usually take the faster path of
:mod:`collector.cloudevents.fast`, which must give what this one gives.
"""

from __future__ import annotations

import json
import json.encoder
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from collector.schema import EVENT_COLUMNS, EVENT_SCHEMA, empty_columns
from collector.timefmt import parse_rfc3339_ns

__all__ = [
    "EVENT_TYPES",
    "STOCK_STATUSES",
    "EventBatch",
    "EventDecodeError",
    "Rejection",
    "decode_batch_text",
    "decode_binary",
    "decode_structured",
]

EVENT_TYPES: frozenset[str] = frozenset(
    {
        "inventory.received",
        "inventory.moved",
        "inventory.adjusted",
        "inventory.reserved",
        "inventory.released",
        "shipment.confirmed",
        "return.received",
        "asn.received",
    }
)
STOCK_STATUSES: frozenset[str] = frozenset(
    {"on_hand", "allocated", "available", "damaged", "quarantined", "in_transit", "consigned"}
)


class EventDecodeError(ValueError):
    """Body is not JSON / not CloudEvents at all (-> HTTP 400). str() is an English reason."""


@dataclass(frozen=True, slots=True)
class Rejection:
    """One event that was not accepted: its position in the request, its id when readable."""

    index: int
    id: str | None
    reason: str

    @property
    def code(self) -> str:
        """A low-cardinality reason code, the ``reason`` label of
        ``synclens_events_rejected_total`` (never an id or a value)."""
        reason = self.reason
        for needle, code in _REASON_CODES:
            if needle in reason:
                return code
        return "invalid_event"


@dataclass(frozen=True, slots=True)
class EventBatch:
    """``EVENT_SCHEMA`` columns of the valid events (request order) and the rejections."""

    columns: dict[str, list[object]]
    rejected: tuple[Rejection, ...]


# (substring of a reason, code), first match wins; the reasons are written below.
_REASON_CODES: tuple[tuple[str, str], ...] = (
    ("token is not allowed", "unauthorized_source"),
    ("specversion", "bad_specversion"),
    ("traceparent", "bad_traceparent"),
    ("'time'", "bad_time"),
    ("ce-time", "bad_time"),
    ("missing required", "missing_attribute"),
    ("'type'", "bad_type"),
    ("unknown type", "bad_type"),
    ("'source'", "bad_source"),
    ("data", "bad_data"),
    ("to_location", "bad_data"),
)


class _Rejected(Exception):
    """Internal: the event at hand is invalid; str() is the reason."""


_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_CONTEXT = ("specversion", "id", "source", "type")
# Top-level attributes that have their own columns; everything else -> extensions.
_NOT_EXTENSIONS = frozenset({"specversion", "id", "source", "type", "time", "data", "traceparent"})
_ROW_COLUMNS = tuple(name for name in EVENT_COLUMNS if name != "received_ns")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")

_TRACEPARENT = re.compile(
    r"([0-9a-fA-F]{2})-([0-9a-fA-F]{32})-([0-9a-fA-F]{16})-([0-9a-fA-F]{2})(-.*)?", re.DOTALL
)
_HEX = re.compile(r"[0-9a-fA-F]*")


def _make_dumps() -> Callable[[object], str]:
    """Compact JSON text; ValueError for inf/NaN floats.

    ``JSONEncoder.encode`` builds its C encoder anew on every call, which is
    half the cost for an event's small ``data``; build it once (CPython's
    ``json.encoder.c_make_encoder``, as ``iterencode`` does), else fall back.
    """
    encoder = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return encoder.encode
    encode = make(
        None, encoder.default, json.encoder.encode_basestring, None, ":", ",", False, False, False
    )

    def dumps(value: object) -> str:
        return "".join(encode(value, 0))

    return dumps


_dumps = _make_dumps()
_USUAL_EXTENSIONS = {"datacontenttype": "application/json"}
_USUAL_EXTENSIONS_JSON = _dumps(_USUAL_EXTENSIONS)


# ----------------------------------------------------------------------------- modes


def decode_structured(
    body: bytes, *, received_ns: int, allowed_systems: frozenset[str] | None = None
) -> EventBatch:
    """One event as a JSON object (``application/cloudevents+json`` or ``application/json``)."""
    text = _text(body)
    doc = _load(text)
    if type(doc) is not dict:
        hint = " (send arrays as application/cloudevents-batch+json)" if type(doc) is list else ""
        raise EventDecodeError(
            f"a structured-mode body must be one JSON object (a CloudEvent), got {_kind(doc)}{hint}"
        )
    if not any(name in doc for name in _CONTEXT):
        raise EventDecodeError(
            "the JSON object is not a CloudEvent: it has none of specversion, id, source, type"
        )
    return _decode_events([doc], received_ns, allowed_systems, _needs_text_check(text))


def decode_batch_text(
    text: str, received_ns: int, allowed_systems: frozenset[str] | None
) -> EventBatch:
    """A batch event by event: every batch that the fast path below does not take."""
    doc = _load(text)
    if type(doc) is not list:
        raise EventDecodeError(f"a batch body must be a JSON array of events, got {_kind(doc)}")
    return _decode_events(doc, received_ns, allowed_systems, _needs_text_check(text))


def decode_binary(
    headers: Mapping[str, str],
    body: bytes,
    *,
    received_ns: int,
    allowed_systems: frozenset[str] | None = None,
) -> EventBatch:
    """One event as ``ce-*`` headers (names case-insensitive) with its ``data`` as the JSON body."""
    lowered = {name.lower(): value for name, value in headers.items()}
    if not any(f"ce-{name}" in lowered for name in _CONTEXT):
        raise EventDecodeError(
            "not a binary-mode CloudEvent: none of the headers "
            "ce-specversion, ce-id, ce-source, ce-type is present"
        )
    text = _text(body)
    has_data = not text.isspace() and text != ""
    data = _load(text) if has_data else None
    event: dict[str, object] = {}
    try:
        for name, value in lowered.items():
            if name.startswith("ce-") and len(name) > 3:
                event[name[3:]] = _percent_decode(name, value)
        for name in ("specversion", "id", "source", "type", "time"):
            if name not in event:
                raise _Rejected(f"missing required header 'ce-{name}'")
        if "traceparent" not in event and "traceparent" in lowered:
            event["traceparent"] = lowered["traceparent"]
        if "content-type" in lowered:
            event["datacontenttype"] = lowered["content-type"]
        if has_data:
            event["data"] = data
        check = _needs_text_check(text) or any(not value.isascii() for value in lowered.values())
        row = _row(event, allowed_systems, check)
    except _Rejected as exc:
        return EventBatch(empty_columns(EVENT_SCHEMA), (_rejection(0, event, exc),))
    return EventBatch(_columns([row], received_ns), ())


# ----------------------------------------------------------------------------- core


def _decode_events(
    events: list[object],
    received_ns: int,
    allowed_systems: frozenset[str] | None,
    check_text: bool,
) -> EventBatch:
    rows: list[tuple[object, ...]] = []
    rejected: list[Rejection] = []
    for index, event in enumerate(events):
        if type(event) is not dict:
            reason = f"event is not a JSON object, got {_kind(event)}"
            rejected.append(Rejection(index, None, reason))
            continue
        try:
            rows.append(_row(event, allowed_systems, check_text))
        except _Rejected as exc:
            rejected.append(_rejection(index, event, exc))
    return EventBatch(_columns(rows, received_ns), tuple(rejected))


def _row(
    event: dict[str, object], allowed_systems: frozenset[str] | None, check_text: bool
) -> tuple[object, ...]:
    """Validate one event; the row in ``_ROW_COLUMNS`` order, or raise ``_Rejected``."""
    get = event.get
    specversion = get("specversion")
    if specversion != "1.0":
        if "specversion" not in event:
            raise _Rejected("missing required attribute 'specversion'")
        raise _Rejected(f"unsupported specversion {_show(specversion)} (need 1.0)")
    event_id = _required(event, "id", "attribute")
    source = _required(event, "source", "attribute")
    system, _, instance = source.partition("/")
    if not system:
        raise _Rejected(
            f"source {_show(source)} has an empty system (first path segment); "
            "expected <system>/<instance>"
        )
    if not instance:
        raise _Rejected(
            f"attribute 'source' {_show(source)} names no instance; expected "
            "<system>/<instance>, e.g. 'wms/dc-east' (SPEC 1.2)"
        )
    if allowed_systems is not None and system not in allowed_systems:
        raise _Rejected(f"token is not allowed to send for source system {_show(system)}")
    event_type = _required(event, "type", "attribute")
    if event_type not in EVENT_TYPES:
        raise _Rejected(
            f"unknown type {_show(event_type)} (expected one of {', '.join(sorted(EVENT_TYPES))})"
        )
    time_text = _required(event, "time", "attribute")
    try:
        time_ns = parse_rfc3339_ns(time_text)
    except ValueError as exc:
        raise _Rejected(f"attribute 'time' is not an RFC 3339 timestamp: {exc}") from None
    content_type = get("datacontenttype")
    if content_type is not None:
        _check_content_type(content_type)
    if "data_base64" in event:
        raise _Rejected(
            "data_base64 is not supported: send data as a JSON object with sku, location, quantity"
        )
    data = get("data")
    if type(data) is not dict:
        if "data" not in event:
            raise _Rejected("missing data (a JSON object with sku, location, quantity)")
        raise _Rejected(f"data must be a JSON object, got {_kind(data)}")
    dget = data.get
    sku = _required(data, "sku", "data field")
    location = _required(data, "location", "data field")
    quantity = _quantity(dget("quantity"), "quantity" in data)
    stock_status = dget("stock_status")
    if stock_status is None:
        stock_status = "on_hand"
    elif type(stock_status) is not str or stock_status not in STOCK_STATUSES:
        raise _Rejected(
            f"data field 'stock_status' must be one of {', '.join(sorted(STOCK_STATUSES))}, "
            f"got {_show(stock_status)}"
        )
    uom = dget("uom")
    if uom is None:
        uom = "EA"
    elif type(uom) is not str or not uom:
        raise _Rejected(f"data field 'uom' must be a non-empty string, got {_show(uom)}")
    to_location = _optional(dget("to_location"), "to_location", False)
    if to_location is None and event_type == "inventory.moved":
        raise _Rejected("inventory.moved needs data field 'to_location' (a non-empty string)")
    sequence = _sequence(dget("sequence"))
    traceparent = get("traceparent")
    trace_id, parent_span_id = (None, None) if traceparent is None else _traceparent(traceparent)
    extensions = {key: value for key, value in event.items() if key not in _NOT_EXTENSIONS}
    try:
        data_json = _dumps(data)
        if not extensions:
            extensions_json = None
        elif extensions == _USUAL_EXTENSIONS:
            extensions_json = _USUAL_EXTENSIONS_JSON
        else:
            extensions_json = _dumps(extensions)
    except (ValueError, RecursionError):
        raise _Rejected(
            "the event holds a number beyond the float range or nests too deeply"
        ) from None
    row = (
        source,
        event_id,
        system,
        instance,
        event_type,
        time_ns,
        sku,
        location,
        to_location,
        quantity,
        stock_status,
        uom,
        _optional(dget("order_id"), "order_id", True),
        _optional(dget("channel"), "channel", False),
        sequence,
        _optional(dget("lot"), "lot", True),
        _optional(dget("serial"), "serial", True),
        _optional(dget("reason"), "reason", False),
        trace_id,
        parent_span_id,
        data_json,
        extensions_json,
    )
    if check_text:
        _check_text(row)
    return row


def _required(mapping: dict[str, object], name: str, what: str) -> str:
    value = mapping.get(name)
    if type(value) is str and value:
        return value
    if name not in mapping:
        raise _Rejected(f"missing required {what} '{name}'")
    raise _Rejected(f"{what} '{name}' must be a non-empty string, got {_show(value)}")


def _optional(value: object, name: str, integers: bool) -> str | None:
    if value is None or value == "":
        return None
    if type(value) is str:
        return value
    if integers and type(value) is int:
        return str(value)
    kinds = "a string or an integer" if integers else "a string"
    raise _Rejected(f"data field '{name}' must be {kinds}, got {_show(value)}")


def _quantity(value: object, present: bool) -> float:
    if type(value) is float:
        if math.isfinite(value):
            return value
    elif type(value) is int:
        try:
            return float(value)
        except OverflowError:
            pass
    elif not present:
        raise _Rejected("missing required data field 'quantity'")
    else:
        raise _Rejected(f"data field 'quantity' must be a number, got {_show(value)}")
    raise _Rejected("data field 'quantity' is beyond the float range")


def _sequence(value: object) -> int | None:
    if value is None:
        return None
    if type(value) is float and value.is_integer():
        value = int(value)
    if type(value) is int and 0 <= value <= _INT64_MAX:
        return value
    raise _Rejected(
        f"data field 'sequence' must be an integer from 0 to 2**63-1, got {_show(value)}"
    )


def _traceparent(value: object) -> tuple[str, str]:
    """(trace_id, parent_span_id), lowercase, from a W3C traceparent."""
    if type(value) is not str:
        raise _Rejected(f"traceparent must be a string, got {_show(value)}")
    match = _TRACEPARENT.fullmatch(value)
    if match is not None:
        version, trace_id, span_id, _flags, rest = match.groups()
        if version in ("ff", "FF"):
            raise _Rejected("traceparent version ff is invalid")
        if version == "00" and rest is not None:
            raise _Rejected("traceparent version 00 must have exactly 4 parts")
        if trace_id == "0" * 32:
            raise _Rejected("traceparent trace-id is all zeros")
        if span_id == "0" * 16:
            raise _Rejected("traceparent parent-id is all zeros")
        return trace_id.lower(), span_id.lower()
    parts = value.split("-")
    if len(parts) < 4:
        raise _Rejected(
            f"traceparent {_show(value)} must be version-traceid-parentid-flags "
            f"(4 parts separated by '-', got {len(parts)})"
        )
    for part, label, width in zip(
        parts, ("version", "trace-id", "parent-id", "flags"), (2, 32, 16, 2), strict=False
    ):
        if len(part) != width or _HEX.fullmatch(part) is None:
            raise _Rejected(f"traceparent {label} {_show(part)} must be {width} hex digits")
    raise _Rejected(f"traceparent {_show(value)} is malformed after the flags")


def _check_content_type(value: object) -> None:
    if value == "application/json":
        return
    if type(value) is str:
        media = value.partition(";")[0].strip().lower()
        if media == "application/json" or media.endswith("+json"):
            return
    raise _Rejected(
        f"datacontenttype {_show(value)} is not JSON (need application/json or a +json type)"
    )


def _check_text(row: tuple[object, ...]) -> None:
    """Reject text Arrow cannot store: lone UTF-16 surrogates from ``\\ud800``-style escapes."""
    for value in row:
        if type(value) is str and not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise _Rejected(
                    "the event holds a lone UTF-16 surrogate escape (\\ud800-\\udfff), "
                    "which is not Unicode text"
                ) from None


def _columns(rows: list[tuple[object, ...]], received_ns: int) -> dict[str, list[object]]:
    if not rows:
        return empty_columns(EVENT_SCHEMA)
    columns = {
        name: list(values)
        for name, values in zip(_ROW_COLUMNS, zip(*rows, strict=True), strict=True)
    }
    columns["received_ns"] = [received_ns] * len(rows)
    return columns


# ----------------------------------------------------------------------------- helpers


def _text(body: bytes) -> str:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EventDecodeError(
            f"body is not UTF-8 text: {exc.reason} at byte {exc.start}"
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not allowed in JSON")


def _load(text: str) -> object:
    try:
        return json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise EventDecodeError("body is not usable JSON: it nests too deeply") from None
    except ValueError as exc:
        raise EventDecodeError(f"body is not valid JSON: {exc}") from None


def _needs_text_check(text: str) -> bool:
    return "\\u" in text and _SURROGATE_ESCAPE.search(text) is not None


def _percent_decode(name: str, value: str) -> str:
    if "%" not in value:
        return value
    try:
        return unquote(value, errors="strict")
    except UnicodeDecodeError:
        raise _Rejected(f"header '{name}' is not valid percent-encoded UTF-8") from None


def _rejection(index: int, event: Mapping[str, object], exc: _Rejected) -> Rejection:
    event_id = event.get("id")
    readable = _clean(event_id) if type(event_id) is str and event_id else None
    return Rejection(index, readable, _clean(str(exc)))


def _clean(text: str) -> str:
    """Text safe to encode as UTF-8 (lone surrogates become ``\\udxxx``)."""
    if text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if type(value) is bool:
        return "a boolean"
    if type(value) in (int, float):
        return "a number"
    if type(value) is str:
        return "a string"
    if type(value) is list:
        return "an array"
    return "an object"


def _show(value: object) -> str:
    """A short description of a value for a reason: ``'text'`` or ``a number (5)``."""
    if type(value) is str:
        return f"'{value[:80]}...'" if len(value) > 80 else f"'{value}'"
    if value is None or type(value) in (dict, list):
        return _kind(value)
    try:
        shown = _dumps(value)
    except ValueError:
        shown = repr(value)
    return f"{_kind(value)} ({shown[:40]})"
