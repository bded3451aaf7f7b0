"""Property tests: whatever arrives, decoding either raises EventDecodeError or
returns columns that the store can append as Arrow, with every event accounted for."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collector.cloudevents import (
    EVENT_TYPES,
    STOCK_STATUSES,
    EventBatch,
    EventDecodeError,
    decode_batch,
    decode_binary,
    decode_structured,
)
from collector.schema import EVENT_SCHEMA
from collector.timefmt import parse_rfc3339_ns

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

tricky_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "\ud800", "x\udfff", "\x00", "é", "wms/", "/x", "1.0", "NaN", "%ff"]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    tricky_text,
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)

times = st.builds(
    lambda when, ns, minutes: (
        when.strftime("%Y-%m-%dT%H:%M:%S")
        + (f".{ns:09d}".rstrip("0") if ns else "")
        + (("+" if minutes >= 0 else "-") + f"{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}")
    ),
    st.datetimes(min_value=datetime(1700, 1, 2), max_value=datetime(2250, 1, 1)),
    st.integers(min_value=0, max_value=999_999_999),
    st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59),
)


@st.composite
def valid_events(draw: st.DrawFn) -> dict[str, Any]:
    event_type = draw(st.sampled_from(sorted(EVENT_TYPES)))
    data: dict[str, Any] = {
        "sku": draw(st.text(min_size=1, max_size=8)),
        "location": draw(st.sampled_from(["DC-EAST/R-01", "DC-WEST", "é/1"])),
        "quantity": draw(st.one_of(st.integers(-(10**6), 10**6), st.floats(-1e6, 1e6))),
    }
    if draw(st.booleans()):
        data["stock_status"] = draw(st.sampled_from(sorted(STOCK_STATUSES)))
    if draw(st.booleans()):
        data["sequence"] = draw(st.integers(0, 2**63 - 1))
    if draw(st.booleans()):
        data["order_id"] = draw(st.one_of(st.text(max_size=5), st.integers(0, 10**9)))
    if event_type == "inventory.moved" or draw(st.booleans()):
        data["to_location"] = "DC-EAST/R-02"
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": draw(st.text(min_size=1, max_size=8)),
        "source": draw(st.sampled_from(["wms/dc-east", "erp/s4", "tpl/acme", "commerce/shop/eu"])),
        "type": event_type,
        "time": draw(times),
        "data": data,
    }
    if draw(st.booleans()):
        event["traceparent"] = (
            f"00-{draw(st.integers(1, 2**128 - 1)):032x}-{draw(st.integers(1, 2**64 - 1)):016X}-01"
        )
    if draw(st.booleans()):
        event["subject"] = draw(json_values)
    return event


@st.composite
def mutated(draw: st.DrawFn, event: dict[str, Any]) -> object:
    """Drop, replace or add one attribute or data field (or replace the whole event)."""
    choice = draw(st.integers(0, 5))
    if choice == 0:
        return draw(json_values)
    target = event["data"] if choice >= 3 and isinstance(event["data"], dict) else event
    key = draw(st.sampled_from([*target, "data_base64", "datacontenttype", "traceparent"]))
    if choice in (1, 3):
        target.pop(key, None)
    else:
        target[key] = draw(json_values)
    return event


@st.composite
def batches(draw: st.DrawFn) -> list[object]:
    events = draw(st.lists(valid_events(), max_size=6))
    return [draw(mutated(event)) if draw(st.booleans()) else event for event in events]


def check(result: EventBatch, count: int | None = None) -> None:
    """Columns build the store's Arrow table; every event is either valid or rejected once."""
    table = pa.Table.from_pydict(result.columns, schema=EVENT_SCHEMA)
    for rejection in result.rejected:
        rejection.reason.encode("utf-8")
        assert rejection.reason
        if rejection.id is not None:
            rejection.id.encode("utf-8")
    indices = [rejection.index for rejection in result.rejected]
    assert indices == sorted(set(indices))
    if count is not None:
        assert table.num_rows + len(indices) == count
        assert all(0 <= index < count for index in indices)


@FAST
@given(st.binary(max_size=200))
def test_random_bytes(body: bytes) -> None:
    for decode in (decode_batch, decode_structured):
        try:
            check(decode(body, received_ns=0))
        except EventDecodeError as exc:
            assert str(exc)
    try:
        check(decode_binary({"ce-specversion": "1.0"}, body, received_ns=0), 1)
    except EventDecodeError as exc:
        assert str(exc)


@FAST
@given(batches())
def test_mutated_batches(events: list[object]) -> None:
    body = json.dumps(events).encode()
    result = decode_batch(body, received_ns=5)
    check(result, len(events))
    valid = [e for i, e in enumerate(events) if i not in {r.index for r in result.rejected}]
    assert result.columns["id"] == [e["id"] for e in valid]  # type: ignore[index]
    assert result.columns["data"] == [
        json.dumps(e["data"], separators=(",", ":"), ensure_ascii=False)  # type: ignore[index]
        for e in valid
    ]
    for event in events:
        try:
            check(decode_structured(json.dumps(event).encode(), received_ns=5), 1)
        except EventDecodeError:
            assert not isinstance(event, dict) or not {"specversion", "id", "source", "type"} & set(
                event
            )


@FAST
@given(batches(), st.binary(max_size=4), st.integers(0, 10**6))
def test_corrupted_bodies(events: list[object], noise: bytes, at: int) -> None:
    body = json.dumps(events, ensure_ascii=False).encode("utf-8", "surrogatepass")
    at %= len(body) + 1
    for corrupt in (body[:at] + noise + body[at:], body[:at] + body[at + 1 :]):
        with contextlib.suppress(EventDecodeError):
            check(decode_batch(corrupt, received_ns=0))


header_names = st.sampled_from(["ce-id", "CE-Time", "ce-x", "traceparent", "content-type", "ce-"])


@FAST
@given(valid_events(), st.dictionaries(header_names, tricky_text), st.booleans())
def test_binary_mode(event: dict[str, Any], extra: dict[str, str], mutate: bool) -> None:
    event.pop("subject", None)
    headers = {f"Ce-{key}": value for key, value in event.items() if key != "data"}
    body = json.dumps(event["data"]).encode()
    if not mutate:
        result = decode_binary(headers, body, received_ns=0)
        assert result.rejected == ()
        structured = decode_structured(json.dumps(event).encode(), received_ns=0)
        assert result == structured
        return
    headers.update(extra)
    try:
        check(decode_binary(headers, body, received_ns=0), 1)
    except EventDecodeError as exc:
        assert "not a binary-mode CloudEvent" in str(exc)


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(1678, 1, 1), max_value=datetime(2262, 1, 1)),
    st.integers(min_value=0, max_value=999_999_999),
    st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59),
)
def test_parse_rfc3339_ns_matches_datetime(when: datetime, ns: int, minutes: int) -> None:
    when = when.replace(microsecond=0)
    offset = timedelta(minutes=minutes)
    sign = "+" if minutes >= 0 else "-"
    text = (
        when.strftime("%Y-%m-%dT%H:%M:%S")
        + f".{ns:09d}"
        + f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    )
    utc = (when - offset).replace(tzinfo=UTC)
    expected = (utc - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(seconds=1) * 10**9 + ns
    assert parse_rfc3339_ns(text) == expected
