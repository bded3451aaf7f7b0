"""What both OTLP encodings share: the batch type, the special attributes,
their typing rules."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import pyarrow as pa

from collector.schema import SPAN_COLUMNS, SPAN_SCHEMA, empty_columns

__all__ = [
    "DUMPS",
    "INT32_MAX",
    "INT32_MIN",
    "INT64_MAX",
    "INT64_MIN",
    "MAX_DEPTH",
    "MAX_ERRORS",
    "MAX_REPEATED_BYTES",
    "MAX_RESOURCE_JSON",
    "MAX_SCOPE_NAME",
    "PB_SCALARS",
    "PLAIN_STRING_COLUMNS",
    "ROW_FORMAT",
    "SLOT_DEFAULTS",
    "SLOT_KIND",
    "SPECIAL",
    "STRING_SLOT",
    "UINT64_MAX",
    "ZERO_SPAN",
    "ZERO_TRACE",
    "OtlpDecodeError",
    "OtlpTooLarge",
    "SpanBatch",
    "SpanRejected",
    "decimal_int",
    "nonfinite",
    "put_special",
    "resource_limits_error",
    "scope_limits_error",
    "span_attributes",
    "span_batch",
    "too_much_repeated",
]

MAX_ERRORS = 10
# Every span row carries its resource's attributes (as JSON) and its scope's
# name, version and attributes (as JSON): beyond these lengths the spans of that
# resource / scope are rejected, so that a large value repeated over many small
# spans cannot blow up the decoded table.
MAX_RESOURCE_JSON = 16384  # characters of the `resource` (and `scope_attributes`) JSON
MAX_SCOPE_NAME = 1024  # characters of the scope name (and of its version)
# ... and over the accepted spans of one request, those copies (resource JSON,
# service.name, scope name, version, attributes) may add up to this many characters, else the whole
# request is refused: tiny spans under one large resource cannot decode into
# hundreds of times the body.
MAX_REPEATED_BYTES = 256 * 1024 * 1024
# The version of what the decoders write into a row (the native decoder must
# say the same): 2 = the `attributes` JSON leaves out what the special
# attribute columns hold exactly (see span_attributes).
ROW_FORMAT = 2
INT64_MAX = (1 << 63) - 1
INT64_MIN = -(1 << 63)
UINT64_MAX = (1 << 64) - 1
INT32_MAX = (1 << 31) - 1
INT32_MIN = -(1 << 31)
MAX_DEPTH = 32  # nesting of array/kvlist attribute values (OTLP/JSON)
ZERO_TRACE = bytes(16)
ZERO_SPAN = bytes(8)
DUMPS = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode

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
SPECIAL: dict[str, int] = {
    attr: SPAN_COLUMNS.index(col) - _FIRST_SLOT for attr, col in _ATTRIBUTE_COLUMNS.items()
}
assert sorted(SPECIAL.values()) == list(range(len(SPECIAL))), "attribute columns not contiguous"
# "s" string, "i" int64, "b" bool, by slot.
SLOT_KIND = tuple(
    {pa.string(): "s", pa.int64(): "i", pa.bool_(): "b"}[SPAN_SCHEMA.field(_FIRST_SLOT + k).type]
    for k in range(len(SPECIAL))
)
STRING_SLOT = tuple(kind == "s" for kind in SLOT_KIND)
# The AnyValue kind whose value a slot's column holds exactly, so that the
# `attributes` JSON need not repeat it (bools: only true, as false is also
# what the column says when the attribute is absent).
_HELD_KIND = tuple(
    {"s": "string_value", "i": "int_value", "b": "bool_value"}[kind] for kind in SLOT_KIND
)
SLOT_DEFAULTS: list[object] = [False if kind == "b" else None for kind in SLOT_KIND]
# String columns not written by json.dumps (which escapes surrogates).
PLAIN_STRING_COLUMNS = tuple(
    k
    for k, field in enumerate(SPAN_SCHEMA)
    if field.type == pa.string()
    and field.name not in ("attributes", "resource", "links", "span_events")
)
_BOOL_STRINGS = {"true": True, "false": False}
# AnyValue kinds read with a plain getattr (no conversion needed).
PB_SCALARS = frozenset(("string_value", "int_value", "bool_value"))


def put_special(
    attrs: dict[str, object], sv: list[object], slot: int, which: str | None, pv: object, key: str
) -> None:
    """Special attribute ``key`` into its column's slot ``sv[slot]``, and into
    ``attrs`` (the `attributes` JSON) only when the column does not hold it
    exactly; a later value of a key replaces an earlier one in both."""
    sv[slot] = pv if which == "string_value" and STRING_SLOT[slot] else _typed(slot, which, pv, key)
    if which == _HELD_KIND[slot] and (pv is True or SLOT_KIND[slot] != "b"):
        attrs.pop(key, None)
    else:
        attrs[key] = pv


def span_attributes(stored: str | None, columns: dict[str, object]) -> dict[str, object]:
    """Every attribute of a stored span, as it was sent.

    ``stored`` is the row's `attributes` JSON; ``columns`` the row's special
    attribute columns by name.  The JSON leaves out the special attributes
    their columns hold exactly (a string in a string column, an integer in
    an integer one, ``true``); those the columns hold converted (a numeric
    ``order.id``, ``"true"``), an explicit ``false`` and every other
    attribute are in it, and it wins.  Rows stored with every attribute in
    the JSON read the same.
    """
    out: dict[str, object] = {}
    for attr, column in _ATTRIBUTE_COLUMNS.items():
        value = columns.get(column)
        if value is not None and value is not False:
            out[attr] = value
    if stored:
        out.update(json.loads(stored))
    return out


class OtlpDecodeError(ValueError):
    """The body is not an ExportTraceServiceRequest at all (-> HTTP 400).

    ``str()`` is an English reason.
    """


class OtlpTooLarge(OtlpDecodeError):
    """Decoded, the request would be too large (-> HTTP 413).

    ``str()`` is an English reason.
    """


@dataclass(frozen=True, slots=True)
class SpanBatch:
    """The accepted spans of one request, as SPAN_SCHEMA columns."""

    columns: dict[str, list[object]]
    accepted: int
    rejected: int
    errors: tuple[str, ...]  # reasons of the first MAX_ERRORS rejected spans


class SpanRejected(Exception):
    """One span cannot be stored; ``str()`` is the reason."""


# --------------------------------------------------------------------------- shared


def span_batch(rows: list[tuple[object, ...]], rejected: int, errors: list[str]) -> SpanBatch:
    if rows:
        columns = dict(zip(SPAN_COLUMNS, map(list, zip(*rows, strict=True)), strict=True))
    else:
        columns = empty_columns(SPAN_SCHEMA)
    return SpanBatch(columns, len(rows), rejected, tuple(errors))


def resource_limits_error(resource: str) -> str | None:
    """Why every span of a resource whose attributes are this JSON is rejected, or None."""
    if len(resource) > MAX_RESOURCE_JSON:
        return f"resource attributes exceed {MAX_RESOURCE_JSON} characters of JSON"
    return None


def scope_limits_error(
    scope: str | None, version: str | None = None, attributes: str | None = None
) -> str | None:
    """Why every span of a scope with this name, version and attributes JSON
    is rejected, or None."""
    if scope is not None and len(scope) > MAX_SCOPE_NAME:
        return f"scope name exceeds {MAX_SCOPE_NAME} characters"
    if version is not None and len(version) > MAX_SCOPE_NAME:
        return f"scope version exceeds {MAX_SCOPE_NAME} characters"
    if attributes is not None and len(attributes) > MAX_RESOURCE_JSON:
        return f"scope attributes exceed {MAX_RESOURCE_JSON} characters of JSON"
    return None


def too_much_repeated(budget: int) -> OtlpTooLarge:
    """The error of a request whose spans repeat more than ``budget`` characters."""
    return OtlpTooLarge(
        f"the spans of this request repeat more than {budget} bytes of resource and scope"
        " text; send fewer spans per request or a smaller resource"
    )


def nonfinite(d: float) -> object:
    """JSON has no NaN/Infinity: spell them as proto3 JSON does."""
    if math.isfinite(d):
        return d
    return "NaN" if math.isnan(d) else ("Infinity" if d > 0 else "-Infinity")


def decimal_int(x: object, what: str, lo: int = INT64_MIN, hi: int = INT64_MAX) -> int:
    """An OTLP/JSON 64-bit integer: a JSON integer or a string of decimal digits."""
    if type(x) is int:
        n = x
    elif type(x) is str and len(x) <= 20 and x.isascii() and x.removeprefix("-").isdigit():
        n = int(x)
    else:
        raise SpanRejected(f"{what} must be an integer")
    if not lo <= n <= hi:
        raise SpanRejected(f"{what} out of range")
    return n


def _typed(slot: int, which: str | None, pv: object, key: str) -> object:
    """The column value of special attribute ``key``, or SpanRejected if mistyped."""
    kind = SLOT_KIND[slot]
    if kind == "s":
        if which == "string_value":
            return pv
        if which == "int_value":  # e.g. a numeric order id
            return str(pv)
        raise SpanRejected(f"attribute {key} must be a string")
    if kind == "i":
        n: object = None
        if which == "int_value":
            n = pv
        elif which == "string_value" and type(pv) is str and pv.isascii() and pv.isdigit():
            n = int(pv) if len(pv) <= 18 else None
        if type(n) is not int:
            raise SpanRejected(f"attribute {key} must be an integer")
        if key == "sync.attempt" and n < 1:
            raise SpanRejected(f"attribute {key} must be an integer >= 1")
        return n
    if which == "bool_value":
        return pv
    if which == "string_value" and type(pv) is str:
        b = _BOOL_STRINGS.get(pv.lower())
        if b is not None:
            return b
    raise SpanRejected(f"attribute {key} must be a boolean")
