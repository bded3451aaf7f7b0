"""The batch fast path (orjson, a column at a time) against the per-event path.

``decode_batch`` takes the fast path for a body that is not small, whose
first event is valid and that orjson parses: all at once when every event is
valid and of the usual kinds of values, else a chunk at a time.  Whatever it
returns must be exactly what the per-event path (``json`` and ``_row``,
pinned by test_cloudevents.py) returns for the same body.  Bodies are written
here by hand so that they can hold any number literal (beyond 64 bits,
``1e400``, ``-0``) and repeated keys, where orjson and ``json`` part ways.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from collector.cloudevents import EVENT_TYPES, STOCK_STATUSES, EventDecodeError, decode_batch, fast
from collector.cloudevents import events as per_event
from collector.timefmt import parse_rfc3339_ns, parse_rfc3339_ns_list

RECEIVED = 1_795_000_000_000_000_000
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


class Raw(str):
    """A JSON literal written as is (a number, in practice)."""


class Pairs(list[tuple[str, Any]]):
    """A JSON object written member by member, so keys may repeat."""


def dump(value: object, ascii_only: bool, spaced: bool) -> str:
    comma, colon = (", ", ": ") if spaced else (",", ":")
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        value = Pairs(value.items())
    if isinstance(value, Pairs):
        members = (
            f"{json.dumps(key, ensure_ascii=ascii_only)}{colon}{dump(item, ascii_only, spaced)}"
            for key, item in value
        )
        return "{" + comma.join(members) + "}"
    if isinstance(value, list):
        return "[" + comma.join(dump(item, ascii_only, spaced) for item in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)


def body_of(events: list[object], ascii_only: bool = True, spaced: bool = True) -> bytes:
    return dump(events, ascii_only, spaced).encode("utf-8", "surrogatepass")


def reference(body: bytes, allowed: frozenset[str] | None) -> object:
    """The per-event path, which the fast path must match exactly."""
    try:
        text = per_event.body_text(body)
        return per_event.decode_batch_text(text, RECEIVED, allowed)
    except EventDecodeError as exc:
        return f"EventDecodeError: {exc}"


def actual(body: bytes, allowed: frozenset[str] | None) -> object:
    try:
        return decode_batch(body, received_ns=RECEIVED, allowed_systems=allowed)
    except EventDecodeError as exc:
        return f"EventDecodeError: {exc}"


def fast_columns(body: bytes, allowed: frozenset[str] | None) -> object:
    """The fast path's own answer (None: it leaves the batch to the per-event path)."""
    try:
        events = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return fast._fast_columns(events, RECEIVED, allowed) if type(events) is list else None


def assert_same(body: bytes, allowed: frozenset[str] | None = None) -> object:
    expected = reference(body, allowed)
    # repr: exact, it tells -0.0 from 0.0, 1 from 1.0 and a str from a Raw
    assert repr(actual(body, allowed)) == repr(expected)
    columns = fast_columns(body, allowed)
    if columns is not None:
        assert not isinstance(expected, str) and expected.rejected == ()  # type: ignore[union-attr]
        assert repr(columns) == repr(expected.columns)  # type: ignore[union-attr]
    return columns


# ----------------------------------------------------------------------------- strategies

number_literals = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(
        [
            "-0",
            "-0.0",
            "1.0",
            "1E5",
            "1e400",
            "-1e400",
            "1e-400",
            "5e-324",
            "1e16",
            "0.00001",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "-9223372036854775809",
            "18446744073709551615",
            "18446744073709551616",
            "1.7976931348623157e308",
            "1.7976931348623159e308",
            "123456789012345678901234567890",
        ]
    ),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.builds(lambda m, e: f"{m}e{e}", st.integers(-(10**20), 10**20), st.integers(-330, 330)),
    st.builds(
        lambda i, f: f"{i}.{f}",
        st.integers(-(10**6), 10**6),
        st.text("0123456789", min_size=1, max_size=25),
    ),
).map(Raw)
tricky_text = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["", "é", "\x00", '"', "\\", "\u2028", "\ud800", "x\udfff", "\U0001f600"]),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), number_literals, tricky_text),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(max_size=4), inner, max_size=3),
        st.lists(st.tuples(st.sampled_from(["a", "b"]), inner), max_size=3).map(Pairs),
    ),
    max_leaves=6,
)


def stamp(when: datetime, digits: int, offset: int | None, lower: bool) -> str:
    """RFC 3339 for ``when`` (UTC) written with ``offset`` minutes (None: Z)."""
    local = when + timedelta(minutes=offset or 0)
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        text += "." + f"{local.microsecond * 1000 + 789:09d}"[:digits]
    if offset is None:
        text += "Z"
    else:
        text += ("+" if offset >= 0 else "-") + f"{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"
    return text.replace("T", "t").replace("Z", "z") if lower else text


valid_times = st.builds(
    stamp,
    st.datetimes(min_value=datetime(1678, 1, 1), max_value=datetime(2262, 4, 10)),
    st.sampled_from([0, 0, 1, 3, 6, 6, 6, 9]),
    st.one_of(st.none(), st.none(), st.integers(-23 * 60 - 59, 23 * 60 + 59)),
    st.booleans(),
)
odd_times = st.sampled_from(
    [
        "2026-02-30T08:15:02Z",
        "2026-11-20T24:00:00Z",
        "2026-12-31T23:59:60Z",
        "2026-11-20T08:15:02+24:00",
        "2262-04-11T23:47:16.854775808Z",
        "1677-09-21T00:12:43.145224191Z",
        "0000-01-01T00:00:00Z",
        "2026-11-20T08:15:02",
        "2026-11-20 08:15:02Z",
        "2026-11-20T08:15:02.Z",
        "2026-11-20T08:15:02.1234567891Z",
        "2026-11-20T08:15:02Z\n2026-11-20T08:15:02Z",
        "2026-11-20T08:15:0\u0662Z",
    ]
)
valid_traceparents = st.one_of(
    st.builds(
        lambda t, s, f: f"00-{t:032x}-{s:016x}-{f:02x}",
        st.integers(1, 2**128 - 1),
        st.integers(1, 2**64 - 1),
        st.integers(0, 255),
    ),
    st.builds(
        lambda t, s: f"00-{t:032X}-{s:016x}-0A", st.integers(1, 2**128 - 1), st.integers(1, 9)
    ),
    st.just("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"),
)
odd_traceparents = st.sampled_from(
    [
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\n"
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-zz",
    ]
)
safe_values = st.recursive(  # what the fast path takes in data and extension attributes
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**64 - 1),
        st.floats(-1e18, 1e18, allow_nan=False),
        st.text(max_size=6),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
ABSENT = object()


def maybe(strategy: st.SearchStrategy[Any], usual: bool) -> st.SearchStrategy[Any]:
    """A field value: usually from ``strategy``, now and then absent or anything."""
    if usual:
        return st.one_of(strategy, st.just(ABSENT))
    return st.one_of(strategy, st.just(ABSENT), json_values)


@st.composite
def events(draw: st.DrawFn, usual: bool) -> object:
    """One event: valid with the usual kinds of values when ``usual``, else anything near it."""
    event_type = draw(st.sampled_from(sorted(EVENT_TYPES)))
    quantities = st.one_of(
        st.integers(-(2**63), 2**64 - 1),
        st.floats(-1e15, 1e15, allow_nan=False),
        st.integers(-50, 200),
    )
    texts = st.text(min_size=1, max_size=6) if usual else tricky_text
    optional_text = st.one_of(st.none(), st.just(""), texts)
    fields: dict[str, Any] = {
        "sku": draw(texts if usual else maybe(texts, False)),
        "location": draw(texts if usual else maybe(texts, False)),
        "quantity": draw(quantities if usual else maybe(quantities, False)),
        "stock_status": draw(
            maybe(st.one_of(st.none(), st.sampled_from(sorted(STOCK_STATUSES))), usual)
        ),
        "uom": draw(maybe(st.one_of(st.none(), texts), usual)),
        "to_location": draw(
            texts if usual and event_type == "inventory.moved" else maybe(optional_text, usual)
        ),
        "order_id": draw(maybe(st.one_of(optional_text, st.integers(0, 2**63)), usual)),
        "channel": draw(maybe(optional_text, usual)),
        "sequence": draw(
            maybe(
                st.one_of(
                    st.none(),
                    st.integers(0, 2**63 - 1),
                    st.integers(0, 10**6).map(lambda i: Raw(f"{i}.0")),
                ),
                usual,
            )
        ),
        "lot": draw(maybe(st.one_of(optional_text, st.integers(0, 10**9)), usual)),
        "serial": draw(maybe(optional_text, usual)),
        "reason": draw(maybe(optional_text, usual)),
    }
    anything = safe_values if usual else json_values
    data = {key: value for key, value in fields.items() if value is not ABSENT}
    if not usual or draw(st.integers(0, 9)) == 0:
        data.update(draw(st.dictionaries(st.sampled_from(["color", "weight", "tags"]), anything)))
    attributes: dict[str, Any] = {
        "specversion": "1.0",
        "id": draw(texts),
        "source": draw(
            st.sampled_from(["wms/dc-east", "erp/s4", "tpl/acme", "tpl/acme/eu", "commerce/eu"])
            if usual
            else st.one_of(st.sampled_from(["wms/dc-east", "/x", "erp"]), tricky_text)
        ),
        "type": event_type,
        "time": draw(valid_times if usual else st.one_of(valid_times, odd_times, json_values)),
        "traceparent": draw(
            maybe(
                st.one_of(st.none(), valid_traceparents)
                if usual
                else st.one_of(valid_traceparents, odd_traceparents),
                usual,
            )
        ),
        "datacontenttype": draw(
            maybe(
                st.sampled_from(
                    [None, "application/json", "application/cloudevents+json; charset=utf-8"]
                    + ([] if usual else ["text/plain", 5])
                ),
                usual,
            )
        ),
        "data": data,
    }
    if not usual or draw(st.integers(0, 4)) == 0:
        extensions = st.sampled_from(["subject", "partitionkey", "data_base64"][: 3 - usual])
        attributes.update(draw(st.dictionaries(extensions, anything, max_size=2)))
    if not usual:
        for name in draw(st.lists(st.sampled_from(sorted(attributes)), max_size=2)):
            attributes[name] = draw(st.one_of(st.just(ABSENT), json_values))
    names = draw(st.permutations([key for key, value in attributes.items() if value is not ABSENT]))
    event = {name: attributes[name] for name in names}
    if not usual and draw(st.integers(0, 9)) == 0:
        return draw(json_values)
    return event


allowed_systems = st.one_of(
    st.none(), st.sampled_from([frozenset({"wms", "erp", "tpl", "commerce"}), frozenset({"wms"})])
)


# ----------------------------------------------------------------------------- tests


@SETTINGS
@given(st.lists(events(usual=True), min_size=1, max_size=8), st.booleans(), st.booleans())
def test_usual_batches_take_the_fast_path_and_match(
    batch: list[object], ascii_only: bool, spaced: bool
) -> None:
    assert assert_same(body_of(batch, ascii_only, spaced)) is not None  # the fast path took it


@SETTINGS
@given(
    st.lists(st.one_of(events(usual=True), events(usual=False)), max_size=6),
    allowed_systems,
    st.booleans(),
    st.booleans(),
)
def test_any_batch_matches_the_per_event_path(
    batch: list[object], allowed: frozenset[str] | None, ascii_only: bool, spaced: bool
) -> None:
    assert_same(body_of(batch, ascii_only, spaced), allowed)


def test_what_the_fast_path_assumes_of_orjson() -> None:
    """orjson refuses lone surrogate escapes, and parses an integer beyond 64
    bits as a float of 2**63 or more, or refuses it; else it parses as json."""
    for text in ('["\\ud800"]', '["\\udfff x"]', '["\\ud800\\ud800"]'):
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(text)
    assert orjson.loads('["\\ud83d\\ude00"]') == json.loads('["\\ud83d\\ude00"]')
    for literal in ("18446744073709551616", "-9223372036854775809", "1" + "0" * 30):
        try:
            value = orjson.loads(literal)
        except orjson.JSONDecodeError:
            continue
        assert type(value) is float and abs(value) >= 2.0**63
    for literal in ("18446744073709551615", "-9223372036854775808", "-0", "1.5", "1E5", "-0.0"):
        assert repr(orjson.loads(literal)) == repr(json.loads(literal))


USUAL = {
    "specversion": "1.0",
    "id": "e-1",
    "source": "wms/dc-east",
    "type": "inventory.adjusted",
    "time": "2026-11-20T08:15:02.123456Z",
    "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "datacontenttype": "application/json",
}


def with_data(data: object, **attributes: object) -> list[object]:
    return [USUAL | attributes | {"data": data}]


@pytest.mark.parametrize(
    ("events", "fast"),
    [
        (with_data({"sku": "A", "location": "L", "quantity": 1}), True),
        # integers beyond 64 bits: orjson would make floats of them
        (
            with_data(
                {"sku": "A", "location": "L", "quantity": 1, "n": Raw("18446744073709551616")}
            ),
            False,
        ),
        (with_data({"sku": "A", "location": "L", "quantity": Raw("-9223372036854775809")}), False),
        (
            with_data(
                {
                    "sku": "A",
                    "location": "L",
                    "quantity": 1,
                    "sequence": Raw("18446744073709551616"),
                }
            ),
            False,
        ),
        (
            with_data(
                {"sku": "A", "location": "L", "quantity": 1}, subject=Raw("100000000000000000000")
            ),
            False,
        ),
        (with_data({"sku": "A", "location": "L", "quantity": 1, "n": [Raw("1e19")]}), False),
        # within 64 bits orjson keeps integers
        (with_data({"sku": "A", "location": "L", "quantity": Raw("18446744073709551615")}), True),
        (
            with_data(
                {"sku": "A", "location": "L", "quantity": 1, "lot": Raw("-9223372036854775808")}
            ),
            True,
        ),
        # floats are written by json, as the per-event path does ("1e-05", "1e+16")
        (
            with_data({"sku": "A", "location": "L", "quantity": Raw("0.00001"), "w": Raw("1e16")}),
            True,
        ),
        (
            with_data(
                {"sku": "A", "location": "L", "quantity": Raw("-0.0"), "sequence": Raw("7.0")}
            ),
            True,
        ),
        # what orjson refuses goes to json
        (with_data({"sku": "A", "location": "L", "quantity": Raw("1e400")}), False),
        (with_data({"sku": "\\ud800", "location": "L", "quantity": 1}), False),
        # repeated keys: the last value, in the place of the first
        (with_data(Pairs([("sku", "A"), ("location", "L"), ("sku", "B"), ("quantity", 2)])), True),
        (
            [
                Pairs(
                    [
                        *USUAL.items(),
                        ("id", "again"),
                        ("data", {"sku": "A", "location": "L", "quantity": 1}),
                    ]
                )
            ],
            True,
        ),
        # extension attributes and content types
        (with_data({"sku": "A", "location": "L", "quantity": 1}, datacontenttype=None), True),
        (
            with_data({"sku": "A", "location": "L", "quantity": 1}, subject="s", partitionkey=7),
            True,
        ),
        (with_data({"sku": "A", "location": "L", "quantity": 1}, subject={"a": [1.5, None]}), True),
        (
            with_data({"sku": "A", "location": "L", "quantity": 1}, datacontenttype="text/csv"),
            False,
        ),
        # nested data
        (with_data({"sku": "A", "location": "L", "quantity": 1, "tags": ["x", {"y": 2.5}]}), True),
    ],
)
def test_where_orjson_and_json_part(events: list[object], fast: bool) -> None:
    body = body_of(events, ascii_only=False, spaced=False).replace(b"\\\\ud800", b"\\ud800")
    columns = assert_same(body)
    assert (columns is not None) == fast


TRACEPARENT = str(USUAL["traceparent"])
BAD_EVENTS = [
    {"data": {"sku": "A", "location": "L", "quantity": True}},
    {"type": "inventory.moved"},
    {"time": "2026-02-29T00:00:00Z"},
    {"time": "2026-11-20T08:15:02Z\n2026-11-20T08:15:02Z"},
    {"traceparent": f"{TRACEPARENT}\n{TRACEPARENT}"},
    {"traceparent": "00-" + "0" * 32 + TRACEPARENT[35:]},
    {"traceparent": TRACEPARENT[:36] + "0" * 16 + "-01"},
    {"source": "/dc-east"},
    {"source": "erp"},
    {"source": "erp/"},
    {"data_base64": "e30="},
    {"data": {"sku": "A", "location": "L", "quantity": 1, "uom": ""}},
]


@pytest.mark.parametrize("changes", BAD_EVENTS)
def test_fast_path_gives_up_on_any_rejection(changes: dict[str, object]) -> None:
    data = {"sku": "A", "location": "L", "quantity": 1}
    good, bad = USUAL | {"data": data}, USUAL | {"data": data} | changes
    body = body_of([good, bad, good])
    assert fast_columns(body, None) is None
    result = decode_batch(body, received_ns=RECEIVED)
    assert [r.index for r in result.rejected] == [1]
    assert result.columns["id"] == ["e-1", "e-1"]
    assert_same(body)


def test_fast_path_gives_up_on_a_system_not_allowed() -> None:
    data = {"sku": "A", "location": "L", "quantity": 1}
    body = body_of([USUAL | {"data": data}, USUAL | {"source": "erp/s4", "data": data}])
    assert fast_columns(body, frozenset({"wms"})) is None
    assert_same(body, frozenset({"wms"}))
    assert fast_columns(body, frozenset({"wms", "erp"})) is not None


@SETTINGS
@given(
    st.lists(st.one_of(events(usual=True), events(usual=True), events(usual=False)), max_size=8),
    allowed_systems,
    st.integers(1, 3),
)
def test_chunks_match_the_per_event_path(
    batch: list[object], allowed: frozenset[str] | None, chunk: int
) -> None:
    """A batch not for the fast path as a whole goes chunk by chunk, the same."""
    body = body_of(batch)
    result = fast.fast_batch(body.decode(), RECEIVED, allowed, chunk)
    if result is not None:
        assert repr(result) == repr(reference(body, allowed))


def test_chunks_around_an_invalid_event() -> None:
    data = {"sku": "A", "location": "L", "quantity": 1}
    events = [USUAL | {"id": f"e-{i}", "data": data} for i in range(7)]
    events[2] = events[2] | {"type": "nope"}
    events[5] = events[5] | {"data": data | {"w": 1.5}}  # valid, per event in its chunk
    text = body_of(events).decode()
    for chunk in (1, 2, 3, 4):
        result = fast.fast_batch(text, RECEIVED, None, chunk)
        assert result is not None
        assert [r.index for r in result.rejected] == [2]
        assert result.columns["id"] == ["e-0", "e-1", "e-3", "e-4", "e-5", "e-6"]
        assert repr(result) == repr(reference(text.encode(), None))
    wide = [*events[:4], USUAL | {"data": data | {"n": Raw("18446744073709551616")}}]
    assert fast.fast_batch(body_of(wide).decode(), RECEIVED, None, 2) is None


@pytest.mark.parametrize(
    "bad",
    [(), (0,), (299,), (150,), (3, 170, 171, 250), tuple(range(0, 300, 7)), tuple(range(300))],
)
def test_large_batches_with_invalid_events(bad: tuple[int, ...]) -> None:
    data = {"sku": "A", "location": "L", "quantity": 1}
    events: list[object] = [USUAL | {"id": f"e-{i}", "data": data} for i in range(300)]
    for index in bad:
        events[index] = USUAL | {"id": f"e-{index}", "data": data | {"quantity": "many"}}
    body = body_of(events)
    assert len(body) > fast.FAST_MIN_CHARS
    assert_same(body)
    assert [r.index for r in decode_batch(body, received_ns=RECEIVED).rejected] == list(bad)


def test_empty_and_whole_body_errors_unchanged() -> None:
    for body in (b"[]", b"[1, 2]", b"{}", b"", b" [ ] ", b"[NaN]", b"\xef\xbb\xbf[]", b"[" * 5000):
        assert_same(body)


# ----------------------------------------------------------------------------- many times at once


def outcome(texts: list[str], parse: Any) -> object:
    try:
        return parse(texts)
    except ValueError as exc:
        return f"ValueError: {exc}"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(valid_times, valid_times, odd_times, st.text(max_size=30)), max_size=8))
@example(["2026-11-20T08:15:02Z", "2026-11-20T08:15:02.5+01:00"])
@example(["2262-04-11T23:47:16.854775807Z", "1677-09-21T00:12:43.145224192Z"])
@example(["2262-04-11T23:47:16.854775808Z"])
@example(["2026-11-20T08:15:02Z\n2026-11-20T08:15:02Z", "2026-11-20T08:15:02Z"])
@example([])
def test_parse_rfc3339_ns_list_matches_one_by_one(texts: list[str]) -> None:
    one_by_one = outcome(texts, lambda items: [parse_rfc3339_ns(text) for text in items])
    assert outcome(texts, parse_rfc3339_ns_list) == one_by_one


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.datetimes(min_value=datetime(1678, 1, 1), max_value=datetime(2262, 4, 10)),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from([0, 1, 6, 9]),
    st.one_of(st.none(), st.integers(-23 * 60 - 59, 23 * 60 + 59)),
)
def test_parse_rfc3339_ns_list_usual_shapes(
    whens: list[datetime], digits: int, offset: int | None
) -> None:
    texts = [stamp(when, digits, offset, lower=False) for when in whens]
    expected = [
        (when.replace(microsecond=0, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC))
        // timedelta(seconds=1)
        * 10**9
        + int((f"{when.microsecond * 1000 + 789:09d}"[:digits] or "0").ljust(9, "0"))
        for when in whens
    ]
    assert parse_rfc3339_ns_list(texts) == expected


@pytest.mark.parametrize("field", ["id", "source", "sku", "location", "order_id", "to_location"])
def test_identifiers_over_256_characters_are_rejected_one_by_one(field: str) -> None:
    def event(i: int, long: bool) -> dict[str, Any]:
        value = ("x" * 257) if long else None
        data: dict[str, Any] = {"sku": "BOLT-M8", "location": "DC-EAST/1", "quantity": 1,
                                "order_id": "SO-1", "to_location": "DC-EAST/2"}  # fmt: skip
        doc: dict[str, Any] = {"specversion": "1.0", "id": f"e-{i}", "source": "wms/dc-east",
                               "type": "inventory.moved", "time": "2026-11-20T08:15:02Z",
                               "data": data}  # fmt: skip
        if value is not None:
            if field in ("id", "source"):
                doc[field] = "wms/" + value if field == "source" else value
            else:
                data[field] = value
        return doc

    events = [event(i, long=i == 30) for i in range(60)]  # long enough for the fast path
    body = body_of(events)
    assert len(body) > fast.FAST_MIN_CHARS
    batch = assert_same(body)
    assert batch is None  # the fast path leaves it to the per-event way, which says why
    decoded = decode_batch(body, received_ns=RECEIVED)
    [rejection] = decoded.rejected
    assert rejection.index == 30 and f"'{field}' is" in rejection.reason
    assert "at most 256" in rejection.reason and rejection.code == "too_long"
    assert len(decoded.columns["id"]) == 59
    exactly = [event(0, long=False)]
    exactly[0]["data"]["sku"] = "y" * 256
    assert decode_batch(body_of(exactly), received_ns=RECEIVED).rejected == ()
