"""One CloudEvent attribute or ``data`` field at a time: the checks and the
reasons they give (``EventRejected``), shared by the per-event path
(``events.py``) and the batch fast path (``fast.py``)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable

__all__ = [
    "INT64_MAX",
    "EventRejected",
    "check_content_type",
    "clean_text",
    "json_dumps",
    "kind_of",
    "optional_field",
    "quantity_of",
    "required_text",
    "sequence_of",
    "shown",
    "trace_context",
]


class EventRejected(Exception):
    """Internal: the event at hand is invalid; str() is the reason."""


_INT64_MIN = -(2**63)


INT64_MAX = 2**63 - 1


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


json_dumps = _make_dumps()


def required_text(mapping: dict[str, object], name: str, what: str) -> str:
    value = mapping.get(name)
    if type(value) is str and value:
        return value
    if name not in mapping:
        raise EventRejected(f"missing required {what} '{name}'")
    raise EventRejected(f"{what} '{name}' must be a non-empty string, got {shown(value)}")


def optional_field(value: object, name: str, integers: bool) -> str | None:
    if value is None or value == "":
        return None
    if type(value) is str:
        return value
    if integers and type(value) is int:
        return str(value)
    kinds = "a string or an integer" if integers else "a string"
    raise EventRejected(f"data field '{name}' must be {kinds}, got {shown(value)}")


def quantity_of(value: object, present: bool) -> float:
    if type(value) is float:
        if math.isfinite(value):
            return value
    elif type(value) is int:
        try:
            return float(value)
        except OverflowError:
            pass
    elif not present:
        raise EventRejected("missing required data field 'quantity'")
    else:
        raise EventRejected(f"data field 'quantity' must be a number, got {shown(value)}")
    raise EventRejected("data field 'quantity' is beyond the float range")


def sequence_of(value: object) -> int | None:
    if value is None:
        return None
    if type(value) is float and value.is_integer():
        value = int(value)
    if type(value) is int and 0 <= value <= INT64_MAX:
        return value
    raise EventRejected(
        f"data field 'sequence' must be an integer from 0 to 2**63-1, got {shown(value)}"
    )


def trace_context(value: object) -> tuple[str, str]:
    """(trace_id, parent_span_id), lowercase, from a W3C traceparent."""
    if type(value) is not str:
        raise EventRejected(f"traceparent must be a string, got {shown(value)}")
    match = _TRACEPARENT.fullmatch(value)
    if match is not None:
        version, trace_id, span_id, _flags, rest = match.groups()
        if version in ("ff", "FF"):
            raise EventRejected("traceparent version ff is invalid")
        if version == "00" and rest is not None:
            raise EventRejected("traceparent version 00 must have exactly 4 parts")
        if trace_id == "0" * 32:
            raise EventRejected("traceparent trace-id is all zeros")
        if span_id == "0" * 16:
            raise EventRejected("traceparent parent-id is all zeros")
        return trace_id.lower(), span_id.lower()
    parts = value.split("-")
    if len(parts) < 4:
        raise EventRejected(
            f"traceparent {shown(value)} must be version-traceid-parentid-flags "
            f"(4 parts separated by '-', got {len(parts)})"
        )
    for part, label, width in zip(
        parts, ("version", "trace-id", "parent-id", "flags"), (2, 32, 16, 2), strict=False
    ):
        if len(part) != width or _HEX.fullmatch(part) is None:
            raise EventRejected(f"traceparent {label} {shown(part)} must be {width} hex digits")
    raise EventRejected(f"traceparent {shown(value)} is malformed after the flags")


def check_content_type(value: object) -> None:
    if value == "application/json":
        return
    if type(value) is str:
        media = value.partition(";")[0].strip().lower()
        if media == "application/json" or media.endswith("+json"):
            return
    raise EventRejected(
        f"datacontenttype {shown(value)} is not JSON (need application/json or a +json type)"
    )


def clean_text(text: str) -> str:
    """Text safe to encode as UTF-8 (lone surrogates become ``\\udxxx``)."""
    if text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def kind_of(value: object) -> str:
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


def shown(value: object) -> str:
    """A short description of a value for a reason: ``'text'`` or ``a number (5)``."""
    if type(value) is str:
        return f"'{value[:80]}...'" if len(value) > 80 else f"'{value}'"
    if value is None or type(value) in (dict, list):
        return kind_of(value)
    try:
        shown = json_dumps(value)
    except ValueError:
        shown = repr(value)
    return f"{kind_of(value)} ({shown[:40]})"
