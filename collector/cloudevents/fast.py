"""Batches of valid CloudEvents, a column at a time.

A batch body (unless small, or its first event is invalid) is parsed by
orjson and, when every event is valid and its values of the usual kinds,
turned into columns one attribute at a time: a C-level pass per column to
read and check it, and each distinct source, content type and minute of
``time`` worked out once.  Anything else (an invalid event, a float in data,
an unknown traceparent version, ...) makes ``_fast_columns`` give up, and
those events go the per-event way (:mod:`collector.cloudevents.events`): the rows and the rejections are
always what the per-event path makes of the body.

What orjson accepts it parses as ``json`` does, except integers beyond 64
bits, which it turns into floats (of magnitude 2**63 or more): the fast path
gives up on such floats wherever they would be stored, and events that go
the per-event way after orjson must have none (``_narrow``).  What orjson
refuses (NaN, lone surrogate escapes, deep nesting, ...) goes to ``json``;
as it refuses lone surrogates, the text check has nothing to find after it.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from itertools import chain, repeat
from types import EllipsisType, NoneType
from typing import cast

import orjson

from collector.cloudevents.events import (
    EVENT_TYPES,
    MAX_ID_CHARS,
    NOT_EXTENSIONS,
    STOCK_STATUSES,
    USUAL_EXTENSIONS,
    USUAL_EXTENSIONS_JSON,
    EventBatch,
    Rejection,
    decode_event_objects,
    event_row,
)
from collector.cloudevents.fields import (
    INT64_MAX,
    EventRejected,
    check_content_type,
    json_dumps,
    optional_field,
    sequence_of,
    trace_context,
)
from collector.timefmt import parse_rfc3339_ns_list

__all__ = ["FAST_MIN_CHARS", "fast_batch", "first_rejected"]

_WIDE = float(2**63)
_CHUNK = 100  # events per fast-path try when a batch as a whole is not for it
FAST_MIN_CHARS = 2048  # smaller bodies (a few events) go event by event: cheaper
_ARRAY_START = re.compile(r"[ \t\n\r]*\[[ \t\n\r]*")
_FIRST_DECODER = json.JSONDecoder()  # for a guess: NaN or not does not matter
_DEPTH = 32  # arrays and objects in data or an extension attribute, at most
_ONLY_STR = frozenset({str})
_STR_OR_NONE = frozenset({str, NoneType})
_INT_OR_NONE = frozenset({int, NoneType})
_NUMBERS = frozenset({int, float})
_SCALARS = frozenset({str, int, bool, NoneType})  # orjson writes them exactly as json_dumps does
_CONTENT_TYPE_KINDS = frozenset({str, NoneType, EllipsisType})  # ... for absent
_STATUSES_OR_NONE: frozenset[str | None] = frozenset({*STOCK_STATUSES, None})
_DATA_FIELDS = frozenset(
    {
        "sku",
        "location",
        "quantity",
        "stock_status",
        "uom",
        "to_location",
        "sequence",
        "order_id",
        "channel",
        "lot",
        "serial",
        "reason",
    }
)
_TRACEPARENT_USUAL = r"00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-fA-F]{2}"  # 55 characters
_TRACEPARENT_LINES = re.compile(f"(?:{_TRACEPARENT_USUAL}\n)*{_TRACEPARENT_USUAL}")
_ZERO_TRACE_ID = "0" * 32
_ZERO_SPAN_ID = "0" * 16
_NO_TRACE: tuple[None, None] = (None, None)


class _Unusual(Exception):
    """Internal: the fast path does not cover this batch (which may well be valid)."""


def _fast_load(text: str) -> object:
    """The body parsed by orjson, or None where orjson refuses it."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return None


def first_rejected(text: str, allowed_systems: frozenset[str] | None) -> bool:
    """Is the first event of a batch invalid?  Then likely all are (a source
    that sends what synclens rejects), and the fast path would only add its
    cost.  A guess: it decides the way, never the outcome."""
    opening = _ARRAY_START.match(text)
    if opening is None:
        return False
    try:
        first = _FIRST_DECODER.raw_decode(text, opening.end())[0]
    except (ValueError, RecursionError):
        return False
    if type(first) is not dict:
        return True
    try:
        event_row(first, allowed_systems, True)
    except EventRejected:
        return True
    return False


def fast_batch(
    text: str, received_ns: int, allowed_systems: frozenset[str] | None, chunk: int = _CHUNK
) -> EventBatch | None:
    """The batch the fast path's way, or None to leave it to the per-event path.

    When the batch as a whole is not for the fast path, it goes ``chunk``
    events at a time, event by event only in the chunks that are not for the
    fast path (an invalid event costs a chunk, not the whole batch), and event
    by event to the end after two such chunks (there may be many: the fast
    path would only add its cost).  What goes event by event must be
    ``_narrow``, so that orjson parsed it as ``json`` would; it holds no lone
    surrogate (orjson refuses them), so no text check is due.
    """
    events = _fast_load(text)
    if type(events) is not list:
        return None
    columns = _fast_columns(events, received_ns, allowed_systems)
    if columns is not None:
        return EventBatch(columns, ())
    if len(events) <= chunk:
        return None
    parts: list[dict[str, list[object]]] = []
    rejected: list[Rejection] = []
    start, failed = 0, 0
    while start < len(events):
        trying = failed < 2
        end = start + chunk if trying else len(events)
        part = events[start:end]
        columns = _fast_columns(part, received_ns, allowed_systems) if trying else None
        if columns is None:
            if not _narrow(part):
                return None
            failed += 1
            decoded = decode_event_objects(part, received_ns, allowed_systems, False)
            columns = decoded.columns
            rejected.extend(replace(r, index=start + r.index) for r in decoded.rejected)
        parts.append(columns)
        start = end
    merged = {name: list(chain.from_iterable(part[name] for part in parts)) for name in parts[0]}
    return EventBatch(merged, tuple(rejected))


def _fast_columns(
    events: list[object], received_ns: int, allowed_systems: frozenset[str] | None
) -> dict[str, list[object]] | None:
    """What ``decode_event_objects`` gives for orjson-parsed ``events`` when none is
    rejected, or None when any would be or is out of the fast path's reach."""
    try:
        return _fast(events, received_ns, allowed_systems)
    except (_Unusual, EventRejected):
        return None


def _fast(
    documents: list[object], received_ns: int, allowed_systems: frozenset[str] | None
) -> dict[str, list[object]]:
    n = len(documents)
    if not n or set(map(type, documents)) != {dict}:
        raise _Unusual
    events = cast(list[dict[str, object]], documents)
    names: set[str] = set().union(*events)
    if "data_base64" in names:
        raise _Unusual

    def attribute(name: str) -> list[object]:
        return list(map(dict.get, events, repeat(name, n)))

    if attribute("specversion").count("1.0") != n:
        raise _Unusual
    ids = _texts(attribute("id"))
    sources = _texts(attribute("source"))
    types = _texts(attribute("type"))
    if not EVENT_TYPES.issuperset(types):
        raise _Unusual
    systems, instances = _fast_systems(sources, allowed_systems)
    try:
        time_ns = parse_rfc3339_ns_list(_texts(attribute("time")))
    except ValueError:
        raise _Unusual from None
    if "traceparent" in names:
        trace_ids, parent_span_ids = _fast_traceparents(attribute("traceparent"))
    else:
        trace_ids, parent_span_ids = [None] * n, [None] * n
    extensions = _fast_extensions(events, names)
    datas = attribute("data")
    if set(map(type, datas)) != {dict}:
        raise _Unusual
    fields, data_texts = _fast_data(cast(list[dict[str, object]], datas), types)
    _fast_lengths(
        ids, sources, *(fields[k] for k in ("sku", "location", "to_location", "order_id"))
    )
    return {
        "source": cast(list[object], sources),
        "id": cast(list[object], ids),
        "system": systems,
        "instance": instances,
        "type": cast(list[object], types),
        "time_ns": cast(list[object], time_ns),
        **fields,
        "trace_id": trace_ids,
        "parent_span_id": parent_span_ids,
        "data": data_texts,
        "extensions": extensions,
        "received_ns": [received_ns] * n,
    }


def _fast_lengths(*columns: list[str] | list[object]) -> None:
    """Give up when an identifier is too long: the per-event way says which."""
    for column in columns:
        texts = cast(list[str | None], column)
        if max(map(len, filter(None, texts)), default=0) > MAX_ID_CHARS:
            raise _Unusual


def _texts(values: list[object] | None) -> list[str]:
    """``values`` when all are non-empty strings (as ``_required`` wants)."""
    if values is None or set(map(type, values)) != _ONLY_STR or not all(values):
        raise _Unusual
    return cast(list[str], values)


def _fast_systems(
    sources: list[str], allowed_systems: frozenset[str] | None
) -> tuple[list[object], list[object]]:
    systems: dict[str, str] = {}
    instances: dict[str, str] = {}
    for source in set(sources):
        system, _, instance = source.partition("/")
        if (
            not system
            or not instance
            or (allowed_systems is not None and system not in allowed_systems)
        ):
            raise _Unusual
        systems[source] = system
        instances[source] = instance
    return list(map(systems.__getitem__, sources)), list(map(instances.__getitem__, sources))


def _fast_traceparents(values: list[object]) -> tuple[list[object], list[object]]:
    """(trace ids, parent span ids) as ``trace_context`` gives them, null for null."""
    n = len(values)
    if set(map(type, values)) == _ONLY_STR:
        texts = cast(list[str], values)
        lines = "\n".join(texts)
        # the length proves that no value holds a line break of its own
        if len(lines) == 56 * n - 1 and _TRACEPARENT_LINES.fullmatch(lines):
            trace_ids = [text[3:35] for text in texts]
            span_ids = [text[36:52] for text in texts]
            if _ZERO_TRACE_ID not in trace_ids and _ZERO_SPAN_ID not in span_ids:
                return cast(list[object], trace_ids), cast(list[object], span_ids)
    pairs = [_NO_TRACE if value is None else trace_context(value) for value in values]
    return [pair[0] for pair in pairs], [pair[1] for pair in pairs]


def _fast_extensions(events: list[dict[str, object]], names: set[str]) -> list[object]:
    """The ``extensions`` column; checks ``datacontenttype`` as ``event_row`` does."""
    n = len(events)
    if names <= NOT_EXTENSIONS:
        return [None] * n
    content_types = list(map(dict.get, events, repeat("datacontenttype", n), repeat(..., n)))
    if not set(map(type, content_types)) <= _CONTENT_TYPE_KINDS:
        raise _Unusual
    texts: dict[object, str | None] = {}
    for value in set(content_types):
        if value is ...:
            texts[value] = None
        else:
            if value is not None:
                check_content_type(value)
            extensions = {"datacontenttype": value}
            texts[value] = (
                USUAL_EXTENSIONS_JSON if extensions == USUAL_EXTENSIONS else json_dumps(extensions)
            )
    if names <= NOT_EXTENSIONS | {"datacontenttype"}:
        return list(map(texts.__getitem__, content_types))
    return [_fast_extensions_text(event) for event in events]  # other extension attributes


def _fast_extensions_text(event: dict[str, object]) -> str | None:
    extensions = {key: value for key, value in event.items() if key not in NOT_EXTENSIONS}
    if not extensions:
        return None
    if extensions == USUAL_EXTENSIONS:
        return USUAL_EXTENSIONS_JSON
    if not _narrow(extensions):
        raise _Unusual
    return json_dumps(extensions)


def _fast_data(
    datas: list[dict[str, object]], types: list[str]
) -> tuple[dict[str, list[object]], list[object]]:
    """The columns from ``data`` (sku .. reason, in schema order) and the data texts."""
    n = len(datas)
    present: set[str] = set().union(*datas)

    def field(name: str) -> list[object] | None:
        return list(map(dict.get, datas, repeat(name, n))) if name in present else None

    sku = _texts(field("sku"))
    location = _texts(field("location"))
    quantities = field("quantity")
    if quantities is None:
        raise _Unusual
    quantity_kinds = set(map(type, quantities))
    if not quantity_kinds <= _NUMBERS:
        raise _Unusual
    if float in quantity_kinds and not all(
        -_WIDE < value < _WIDE for value in cast(list[float], quantities) if type(value) is float
    ):
        raise _Unusual
    to_location = _fast_optional(field("to_location"), "to_location", False, n)
    if None in to_location and "inventory.moved" in types:
        for event_type, value in zip(types, to_location, strict=True):
            if value is None and event_type == "inventory.moved":
                raise _Unusual
    sequences = field("sequence")
    plain_sequences = sequences is None or set(map(type, sequences)) <= _INT_OR_NONE
    columns: dict[str, list[object]] = {
        "sku": cast(list[object], sku),
        "location": cast(list[object], location),
        "to_location": to_location,
        "quantity": list(map(float, cast(list[float], quantities))),
        "stock_status": _fast_default(field("stock_status"), "on_hand", _STATUSES_OR_NONE, n),
        "uom": _fast_uom(field("uom"), n),
        "order_id": _fast_optional(field("order_id"), "order_id", True, n),
        "channel": _fast_optional(field("channel"), "channel", False, n),
        "sequence": _fast_sequence(sequences, plain_sequences, n),
        "lot": _fast_optional(field("lot"), "lot", True, n),
        "serial": _fast_optional(field("serial"), "serial", True, n),
        "reason": _fast_optional(field("reason"), "reason", False, n),
    }
    if present <= _DATA_FIELDS and float not in quantity_kinds and plain_sequences:
        # every value is a string, an integer or null
        texts: list[object] = [orjson.dumps(data).decode() for data in datas]
    else:
        texts = [_fast_data_text(data) for data in datas]
    return columns, texts


def _fast_optional(values: list[object] | None, name: str, integers: bool, n: int) -> list[object]:
    """``optional_field`` of each value (``EventRejected`` as it does)."""
    if values is None:
        return [None] * n
    if set(map(type, values)) <= _STR_OR_NONE:
        return values if all(values) else [value or None for value in values]
    return [optional_field(value, name, integers) for value in values]


def _fast_default(
    values: list[object] | None, default: str, allowed: frozenset[str | None], n: int
) -> list[object]:
    """``stock_status``: null for the default, else one of ``allowed``."""
    if values is None:
        return [default] * n
    if not set(map(type, values)) <= _STR_OR_NONE:
        raise _Unusual
    distinct = set(values)
    if not distinct <= allowed:
        raise _Unusual
    return [default if value is None else value for value in values] if None in distinct else values


def _fast_uom(values: list[object] | None, n: int) -> list[object]:
    if values is None:
        return ["EA"] * n
    if not set(map(type, values)) <= _STR_OR_NONE or "" in values:
        raise _Unusual
    return ["EA" if value is None else value for value in values] if None in values else values


def _fast_sequence(values: list[object] | None, plain: bool, n: int) -> list[object]:
    if values is None:
        return [None] * n
    if not plain:
        return [sequence_of(value) for value in values]  # rejects floats of 2**63 or more
    numbers = cast(list[int], [value for value in values if value is not None])
    if numbers and (min(numbers) < 0 or max(numbers) > INT64_MAX):
        raise _Unusual
    return values


def _fast_data_text(data: dict[str, object]) -> str:
    if set(map(type, data.values())) <= _SCALARS:
        return orjson.dumps(data).decode()
    if not _narrow(data):
        raise _Unusual
    return json_dumps(data)


def _narrow(value: object, depth: int = 0) -> bool:
    """No float in ``value`` may have been an integer literal beyond 64 bits
    (2**63 or more in magnitude; nor is any infinite), and it nests at most
    ``_DEPTH`` deep, far from where ``json`` or ``json_dumps`` run out of recursion."""
    kind = type(value)
    if kind is float:
        return -_WIDE < cast(float, value) < _WIDE
    if kind is not dict and kind is not list:
        return True
    if depth >= _DEPTH:
        return False
    items = cast(dict[str, object], value).values() if kind is dict else cast(list[object], value)
    return all(map(_narrow, items, repeat(depth + 1)))
