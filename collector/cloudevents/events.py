"""CloudEvents, one event at a time: the reference path of every mode.

Each event is validated in one tight loop (no per-event model objects) and
turned into a row; an invalid event becomes a :class:`Rejection` and never
blocks the others.  Batches of valid events usually take the faster path of
:mod:`collector.cloudevents.fast`, which must give what this one gives.
"""

from __future__ import annotations

import json
import json.encoder
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from collector.cloudevents.fields import (
    EventRejected,
    check_content_type,
    clean_text,
    json_dumps,
    kind_of,
    optional_field,
    quantity_of,
    required_text,
    sequence_of,
    shown,
    trace_context,
)
from collector.schema import EVENT_COLUMNS, EVENT_SCHEMA, empty_columns
from collector.timefmt import parse_rfc3339_ns

__all__ = [
    "EVENT_TYPES",
    "MAX_ID_CHARS",
    "NOT_EXTENSIONS",
    "STOCK_STATUSES",
    "USUAL_EXTENSIONS",
    "USUAL_EXTENSIONS_JSON",
    "EventBatch",
    "EventDecodeError",
    "Rejection",
    "body_text",
    "decode_batch_text",
    "decode_binary",
    "decode_event_objects",
    "decode_structured",
    "event_row",
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


#: the longest event id, source, SKU, location or order id stored (characters)
MAX_ID_CHARS = 256


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
    ("characters long", "too_long"),
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


_CONTEXT = ("specversion", "id", "source", "type")
# Top-level attributes that have their own columns; everything else -> extensions.
NOT_EXTENSIONS = frozenset({"specversion", "id", "source", "type", "time", "data", "traceparent"})
_ROW_COLUMNS = tuple(name for name in EVENT_COLUMNS if name != "received_ns")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


USUAL_EXTENSIONS = {"datacontenttype": "application/json"}
USUAL_EXTENSIONS_JSON = json_dumps(USUAL_EXTENSIONS)


# ----------------------------------------------------------------------------- modes


def decode_structured(
    body: bytes, *, received_ns: int, allowed_systems: frozenset[str] | None = None
) -> EventBatch:
    """One event as a JSON object (``application/cloudevents+json`` or ``application/json``)."""
    text = body_text(body)
    doc = _load(text)
    if type(doc) is not dict:
        hint = " (send arrays as application/cloudevents-batch+json)" if type(doc) is list else ""
        raise EventDecodeError(
            f"a structured-mode body must be one JSON object (a CloudEvent), got {kind_of(doc)}{hint}"
        )
    if not any(name in doc for name in _CONTEXT):
        raise EventDecodeError(
            "the JSON object is not a CloudEvent: it has none of specversion, id, source, type"
        )
    return decode_event_objects([doc], received_ns, allowed_systems, _needs_text_check(text))


def decode_batch_text(
    text: str, received_ns: int, allowed_systems: frozenset[str] | None
) -> EventBatch:
    """A batch event by event: every batch that the fast path below does not take."""
    doc = _load(text)
    if type(doc) is not list:
        raise EventDecodeError(f"a batch body must be a JSON array of events, got {kind_of(doc)}")
    return decode_event_objects(doc, received_ns, allowed_systems, _needs_text_check(text))


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
    text = body_text(body)
    has_data = not text.isspace() and text != ""
    data = _load(text) if has_data else None
    event: dict[str, object] = {}
    try:
        for name, value in lowered.items():
            if name.startswith("ce-") and len(name) > 3:
                event[name[3:]] = _percent_decode(name, value)
        for name in ("specversion", "id", "source", "type", "time"):
            if name not in event:
                raise EventRejected(f"missing required header 'ce-{name}'")
        if "traceparent" not in event and "traceparent" in lowered:
            event["traceparent"] = lowered["traceparent"]
        if "content-type" in lowered:
            event["datacontenttype"] = lowered["content-type"]
        if has_data:
            event["data"] = data
        check = _needs_text_check(text) or any(not value.isascii() for value in lowered.values())
        row = event_row(event, allowed_systems, check)
    except EventRejected as exc:
        return EventBatch(empty_columns(EVENT_SCHEMA), (_rejection(0, event, exc),))
    return EventBatch(_columns([row], received_ns), ())


# ----------------------------------------------------------------------------- core


def decode_event_objects(
    events: list[object],
    received_ns: int,
    allowed_systems: frozenset[str] | None,
    check_text: bool,
) -> EventBatch:
    rows: list[tuple[object, ...]] = []
    rejected: list[Rejection] = []
    for index, event in enumerate(events):
        if type(event) is not dict:
            reason = f"event is not a JSON object, got {kind_of(event)}"
            rejected.append(Rejection(index, None, reason))
            continue
        try:
            rows.append(event_row(event, allowed_systems, check_text))
        except EventRejected as exc:
            rejected.append(_rejection(index, event, exc))
    return EventBatch(_columns(rows, received_ns), tuple(rejected))


def event_row(
    event: dict[str, object], allowed_systems: frozenset[str] | None, check_text: bool
) -> tuple[object, ...]:
    """Validate one event; the row in ``_ROW_COLUMNS`` order, or raise ``EventRejected``."""
    get = event.get
    specversion = get("specversion")
    if specversion != "1.0":
        if "specversion" not in event:
            raise EventRejected("missing required attribute 'specversion'")
        raise EventRejected(f"unsupported specversion {shown(specversion)} (need 1.0)")
    event_id = required_text(event, "id", "attribute")
    source = required_text(event, "source", "attribute")
    system, _, instance = source.partition("/")
    if not system:
        raise EventRejected(
            f"source {shown(source)} has an empty system (first path segment); "
            "expected <system>/<instance>"
        )
    if not instance:
        raise EventRejected(
            f"attribute 'source' {shown(source)} names no instance; expected "
            "<system>/<instance>, e.g. 'wms/dc-east' (SPEC 1.2)"
        )
    if allowed_systems is not None and system not in allowed_systems:
        raise EventRejected(f"token is not allowed to send for source system {shown(system)}")
    event_type = required_text(event, "type", "attribute")
    if event_type not in EVENT_TYPES:
        raise EventRejected(
            f"unknown type {shown(event_type)} (expected one of {', '.join(sorted(EVENT_TYPES))})"
        )
    time_text = required_text(event, "time", "attribute")
    try:
        time_ns = parse_rfc3339_ns(time_text)
    except ValueError as exc:
        raise EventRejected(f"attribute 'time' is not an RFC 3339 timestamp: {exc}") from None
    content_type = get("datacontenttype")
    if content_type is not None:
        check_content_type(content_type)
    if "data_base64" in event:
        raise EventRejected(
            "data_base64 is not supported: send data as a JSON object with sku, location, quantity"
        )
    data = get("data")
    if type(data) is not dict:
        if "data" not in event:
            raise EventRejected("missing data (a JSON object with sku, location, quantity)")
        raise EventRejected(f"data must be a JSON object, got {kind_of(data)}")
    dget = data.get
    sku = required_text(data, "sku", "data field")
    location = required_text(data, "location", "data field")
    quantity = quantity_of(dget("quantity"), "quantity" in data)
    stock_status = dget("stock_status")
    if stock_status is None:
        stock_status = "on_hand"
    elif type(stock_status) is not str or stock_status not in STOCK_STATUSES:
        raise EventRejected(
            f"data field 'stock_status' must be one of {', '.join(sorted(STOCK_STATUSES))}, "
            f"got {shown(stock_status)}"
        )
    uom = dget("uom")
    if uom is None:
        uom = "EA"
    elif type(uom) is not str or not uom:
        raise EventRejected(f"data field 'uom' must be a non-empty string, got {shown(uom)}")
    to_location = optional_field(dget("to_location"), "to_location", False)
    if to_location is None and event_type == "inventory.moved":
        raise EventRejected("inventory.moved needs data field 'to_location' (a non-empty string)")
    sequence = sequence_of(dget("sequence"))
    traceparent = get("traceparent")
    trace_id, parent_span_id = (None, None) if traceparent is None else trace_context(traceparent)
    extensions = {key: value for key, value in event.items() if key not in NOT_EXTENSIONS}
    try:
        data_json = json_dumps(data)
        if not extensions:
            extensions_json = None
        elif extensions == USUAL_EXTENSIONS:
            extensions_json = USUAL_EXTENSIONS_JSON
        else:
            extensions_json = json_dumps(extensions)
    except (ValueError, RecursionError):
        raise EventRejected(
            "the event holds a number beyond the float range or nests too deeply"
        ) from None
    order_id = optional_field(dget("order_id"), "order_id", True)
    _check_lengths(
        id=event_id,
        source=source,
        sku=sku,
        location=location,
        to_location=to_location,
        order_id=order_id,
    )
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
        order_id,
        optional_field(dget("channel"), "channel", False),
        sequence,
        optional_field(dget("lot"), "lot", True),
        optional_field(dget("serial"), "serial", True),
        optional_field(dget("reason"), "reason", False),
        trace_id,
        parent_span_id,
        data_json,
        extensions_json,
    )
    if check_text:
        _check_text(row)
    return row


def _check_lengths(**identifiers: str | None) -> None:
    for name, value in identifiers.items():
        if value is not None and len(value) > MAX_ID_CHARS:
            raise EventRejected(
                f"'{name}' is {len(value)} characters long; at most {MAX_ID_CHARS} are kept"
            )


def _check_text(row: tuple[object, ...]) -> None:
    """Reject text Arrow cannot store: lone UTF-16 surrogates from ``\\ud800``-style escapes."""
    for value in row:
        if type(value) is str and not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise EventRejected(
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


def body_text(body: bytes) -> str:
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
        raise EventRejected(f"header '{name}' is not valid percent-encoded UTF-8") from None


def _rejection(index: int, event: Mapping[str, object], exc: EventRejected) -> Rejection:
    event_id = event.get("id")
    readable = clean_text(event_id) if type(event_id) is str and event_id else None
    return Rejection(index, readable, clean_text(str(exc)))
