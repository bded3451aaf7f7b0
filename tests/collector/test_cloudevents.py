"""CloudEvents 1.0 decoding into EVENT_SCHEMA columns (SPEC 1.2)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pytest

from collector.cloudevents import (
    EVENT_TYPES,
    STOCK_STATUSES,
    EventBatch,
    EventDecodeError,
    Rejection,
    decode_batch,
    decode_binary,
    decode_structured,
)
from collector.schema import EVENT_COLUMNS, EVENT_SCHEMA
from collector.timefmt import parse_rfc3339_ns

RECEIVED = 1_795_000_000_000_000_000

# The example of SPEC 1.2, verbatim.
SPEC_EXAMPLE: dict[str, Any] = {
    "specversion": "1.0",
    "id": "adj-000183",
    "source": "wms/dc-west",
    "type": "inventory.adjusted",
    "time": "2026-11-20T08:15:02Z",
    "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "datacontenttype": "application/json",
    "data": {
        "sku": "BOLT-M8",
        "location": "DC-WEST/R-12-04",
        "quantity": -6,
        "stock_status": "on_hand",
        "reason": "cycle count",
        "sequence": 88,
    },
}

SPEC_ROW: dict[str, object] = {
    "source": "wms/dc-west",
    "id": "adj-000183",
    "system": "wms",
    "instance": "dc-west",
    "type": "inventory.adjusted",
    "time_ns": int(datetime(2026, 11, 20, 8, 15, 2, tzinfo=UTC).timestamp()) * 10**9,
    "sku": "BOLT-M8",
    "location": "DC-WEST/R-12-04",
    "to_location": None,
    "quantity": -6.0,
    "stock_status": "on_hand",
    "uom": "EA",
    "order_id": None,
    "channel": None,
    "sequence": 88,
    "lot": None,
    "serial": None,
    "reason": "cycle count",
    "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
    "parent_span_id": "00f067aa0ba902b7",
    "data": json.dumps(SPEC_EXAMPLE["data"], separators=(",", ":")),
    "extensions": '{"datacontenttype":"application/json"}',
    "received_ns": RECEIVED,
}


def event(**changes: Any) -> dict[str, Any]:
    """The SPEC example with top-level changes; a value of ``...`` removes the attribute."""
    result = copy.deepcopy(SPEC_EXAMPLE)
    for key, value in changes.items():
        if value is ...:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def with_data(**changes: Any) -> dict[str, Any]:
    """The SPEC example with changes to ``data``; ``...`` removes a field."""
    result = event()
    for key, value in changes.items():
        if value is ...:
            result["data"].pop(key, None)
        else:
            result["data"][key] = value
    return result


def batch(*events: object, allowed: frozenset[str] | None = None) -> EventBatch:
    return decode_batch(
        json.dumps(list(events)).encode(), received_ns=RECEIVED, allowed_systems=allowed
    )


def rows(result: EventBatch) -> list[dict[str, object]]:
    table = pa.Table.from_pydict(result.columns, schema=EVENT_SCHEMA)
    listed: list[dict[str, object]] = table.to_pylist()
    return listed


def only_reason(result: EventBatch) -> str:
    assert rows(result) == []
    assert len(result.rejected) == 1
    return result.rejected[0].reason


def binary_headers(source: dict[str, Any]) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    for key, value in source.items():
        if key == "data":
            continue
        if key == "datacontenttype":
            headers["Content-Type"] = value
        else:
            headers[f"ce-{key}"] = value
    return headers


# ----------------------------------------------------------------------------- the SPEC example


def test_public_surface() -> None:
    assert len(EVENT_TYPES) == 8
    assert "inventory.moved" in EVENT_TYPES
    assert {"on_hand", "allocated", "available", "in_transit", "consigned"} <= STOCK_STATUSES
    assert len(STOCK_STATUSES) == 7
    assert issubclass(EventDecodeError, ValueError)


def test_spec_example_structured() -> None:
    result = decode_structured(json.dumps(SPEC_EXAMPLE).encode(), received_ns=RECEIVED)
    assert result.rejected == ()
    assert list(result.columns) == list(EVENT_COLUMNS)
    assert rows(result) == [SPEC_ROW]


def test_spec_example_batch() -> None:
    result = batch(SPEC_EXAMPLE, SPEC_EXAMPLE)
    assert result.rejected == ()
    assert rows(result) == [SPEC_ROW, SPEC_ROW]  # repeats are the store's business


def test_spec_example_binary() -> None:
    headers = binary_headers(SPEC_EXAMPLE)
    body = json.dumps(SPEC_EXAMPLE["data"]).encode()
    result = decode_binary(headers, body, received_ns=RECEIVED)
    assert result.rejected == ()
    assert rows(result) == [SPEC_ROW]


def test_binary_header_names_are_case_insensitive_and_extensions_kept() -> None:
    headers = {k.upper(): v for k, v in binary_headers(SPEC_EXAMPLE).items()}
    headers.pop("CE-TRACEPARENT")
    headers["traceparent"] = SPEC_EXAMPLE["traceparent"]
    headers["Ce-Partitionkey"] = "BOLT-M8"
    headers["ce-subject"] = "caf%C3%A9"  # percent-encoded per the HTTP binding
    headers["Accept"] = "*/*"
    result = decode_binary(headers, json.dumps(SPEC_EXAMPLE["data"]).encode(), received_ns=1)
    (row,) = rows(result)
    assert row["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert json.loads(str(row["extensions"])) == {
        "partitionkey": "BOLT-M8",
        "subject": "café",
        "datacontenttype": "application/json",
    }


def test_plain_json_content_and_extension_attributes() -> None:
    source = event(subject="BOLT-M8", dataschema="https://example.com/s", partitionkey=7)
    source["datacontenttype"] = "application/vnd.acme+json; charset=utf-8"
    source.pop("traceparent")
    (row,) = rows(decode_structured(json.dumps(source).encode(), received_ns=0))
    assert row["trace_id"] is None and row["parent_span_id"] is None
    assert json.loads(str(row["extensions"])) == {
        "subject": "BOLT-M8",
        "dataschema": "https://example.com/s",
        "partitionkey": 7,
        "datacontenttype": "application/vnd.acme+json; charset=utf-8",
    }


def test_no_extensions_gives_null() -> None:
    (row,) = rows(batch(event(datacontenttype=..., traceparent=...)))
    assert row["extensions"] is None


def test_optional_fields_defaults_and_unknown_data_kept() -> None:
    source = with_data(
        stock_status=...,
        uom=...,
        order_id=12345,
        channel="web",
        lot=9,
        serial="SN-1",
        sequence=3.0,
        color="red",
        reason="",
    )
    (row,) = rows(batch(source))
    assert row["stock_status"] == "on_hand"
    assert row["uom"] == "EA"
    assert row["order_id"] == "12345"
    assert row["lot"] == "9"
    assert row["serial"] == "SN-1"
    assert row["channel"] == "web"
    assert row["sequence"] == 3
    assert row["reason"] is None
    assert json.loads(str(row["data"]))["color"] == "red"


def test_source_without_instance_is_rejected_saying_so() -> None:
    """SPEC 1.2: source is <system>/<instance>; without an instance the
    event is rejected (reason code bad_source), never stored with a guess."""
    moved = event(source="erp/s4", type="inventory.moved")
    moved["data"]["to_location"] = "DC-WEST/R-01-01"
    result = batch(event(source="erp", id="a"), event(source="erp/", id="b"), moved)
    (row,) = rows(result)
    assert (row["system"], row["instance"], row["to_location"]) == ("erp", "s4", "DC-WEST/R-01-01")
    assert [(r.index, r.id, r.code) for r in result.rejected] == [
        (0, "a", "bad_source"),
        (1, "b", "bad_source"),
    ]
    assert result.rejected[0].reason == (
        "attribute 'source' 'erp' names no instance; expected <system>/<instance>,"
        " e.g. 'wms/dc-east' (SPEC 1.2)"
    )
    (row,) = rows(batch(event(source="tpl/acme/eu/1")))
    assert (row["system"], row["instance"]) == ("tpl", "acme/eu/1")


def test_allowed_systems() -> None:
    result = batch(SPEC_EXAMPLE, event(source="erp/s4", id="e2"), allowed=frozenset({"wms"}))
    assert [r["id"] for r in rows(result)] == ["adj-000183"]
    assert result.rejected == (
        Rejection(1, "e2", "token is not allowed to send for source system 'erp'"),
    )


# ----------------------------------------------------------------------------- rejections


@pytest.mark.parametrize("name", ["specversion", "id", "source", "type", "time"])
def test_missing_required_attribute(name: str) -> None:
    reason = only_reason(batch(event(**{name: ...})))
    assert reason == f"missing required attribute '{name}'"


@pytest.mark.parametrize("name", ["id", "source", "type", "time"])
@pytest.mark.parametrize("value", ["", 5, None, ["x"]])
def test_required_attribute_must_be_non_empty_string(name: str, value: object) -> None:
    reason = only_reason(batch(event(**{name: value})))
    assert reason.startswith(f"attribute '{name}' must be a non-empty string, got ")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("0.3", "unsupported specversion '0.3' (need 1.0)"),
        (1.0, "unsupported specversion a number (1.0) (need 1.0)"),
        (None, "unsupported specversion null (need 1.0)"),
    ],
)
def test_bad_specversion(value: object, reason: str) -> None:
    assert only_reason(batch(event(specversion=value))) == reason


@pytest.mark.parametrize(
    ("value", "detail"),
    [
        (
            "2026-11-20",
            "expected YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm), got '2026-11-20'",
        ),
        ("2026-11-20T08:15:02", "missing UTC offset ('Z' or +hh:mm/-hh:mm)"),
        ("2026-11-20 08:15:02Z", "date and time must be separated by 'T'"),
        ("2026-11-20T08:15:02.1234567891Z", "10 fractional digits (at most 9)"),
        ("2026-11-20T08:15:02.Z", "no digits after the decimal point"),
        ("2026-11-20T08:15:02+0100", "bad UTC offset '+0100' (need 'Z' or +hh:mm/-hh:mm)"),
        ("2026-02-30T08:15:02Z", "no such date 2026-02-30"),
        ("2026-11-20T24:00:00Z", "no such time of day 24:00:00"),
        ("2026-12-31T23:59:60Z", "leap seconds (:60) are not supported"),
        ("2026-11-20T08:15:02+24:00", "no such UTC offset +24:00"),
        ("3000-01-01T00:00:00Z", "outside the nanosecond range 1677-09-21 .. 2262-04-11"),
    ],
)
def test_bad_time(value: str, detail: str) -> None:
    reason = only_reason(batch(event(time=value)))
    assert reason == f"attribute 'time' is not an RFC 3339 timestamp: {detail}"
    with pytest.raises(ValueError, match=r"."):
        parse_rfc3339_ns(value)


def test_unknown_type() -> None:
    reason = only_reason(batch(event(type="inventory.counted")))
    assert reason.startswith("unknown type 'inventory.counted' (expected one of asn.received, ")


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (
            "/dc-west",
            "source '/dc-west' has an empty system (first path segment); expected <system>/<instance>",
        ),
    ],
)
def test_bad_source(source: str, reason: str) -> None:
    assert only_reason(batch(event(source=source))) == reason


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"sku": ...}, "missing required data field 'sku'"),
        ({"location": ...}, "missing required data field 'location'"),
        ({"quantity": ...}, "missing required data field 'quantity'"),
        ({"sku": ""}, "data field 'sku' must be a non-empty string, got ''"),
        ({"location": 12}, "data field 'location' must be a non-empty string, got a number (12)"),
        ({"quantity": "6"}, "data field 'quantity' must be a number, got '6'"),
        ({"quantity": True}, "data field 'quantity' must be a number, got a boolean (true)"),
        ({"quantity": None}, "data field 'quantity' must be a number, got null"),
        ({"quantity": 10**400}, "data field 'quantity' is beyond the float range"),
        (
            {"stock_status": "lost"},
            "data field 'stock_status' must be one of allocated, available, consigned, damaged, in_transit, on_hand, quarantined, got 'lost'",
        ),
        (
            {"stock_status": ["on_hand"]},
            "data field 'stock_status' must be one of allocated, available, consigned, damaged, in_transit, on_hand, quarantined, got an array",
        ),
        ({"uom": ""}, "data field 'uom' must be a non-empty string, got ''"),
        (
            {"order_id": 1.5},
            "data field 'order_id' must be a string or an integer, got a number (1.5)",
        ),
        ({"channel": 3}, "data field 'channel' must be a string, got a number (3)"),
        ({"reason": {"a": 1}}, "data field 'reason' must be a string, got an object"),
        (
            {"sequence": -1},
            "data field 'sequence' must be an integer from 0 to 2**63-1, got a number (-1)",
        ),
        (
            {"sequence": 1.5},
            "data field 'sequence' must be an integer from 0 to 2**63-1, got a number (1.5)",
        ),
        (
            {"sequence": 2**63},
            "data field 'sequence' must be an integer from 0 to 2**63-1, got a number (9223372036854775808)",
        ),
        ({"sequence": "7"}, "data field 'sequence' must be an integer from 0 to 2**63-1, got '7'"),
        (
            {"sequence": False},
            "data field 'sequence' must be an integer from 0 to 2**63-1, got a boolean (false)",
        ),
    ],
)
def test_bad_data_fields(changes: dict[str, Any], reason: str) -> None:
    assert only_reason(batch(with_data(**changes))) == reason


def test_quantity_beyond_float_literal() -> None:
    body = json.dumps([SPEC_EXAMPLE]).replace('"quantity": -6', '"quantity": -1e400').encode()
    assert only_reason(decode_batch(body, received_ns=0)) == (
        "data field 'quantity' is beyond the float range"
    )
    body = json.dumps([SPEC_EXAMPLE]).replace('"sequence": 88', '"weight": 1e999').encode()
    assert only_reason(decode_batch(body, received_ns=0)) == (
        "the event holds a number beyond the float range or nests too deeply"
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (..., "missing data (a JSON object with sku, location, quantity)"),
        (None, "data must be a JSON object, got null"),
        ('{"sku": "A"}', "data must be a JSON object, got a string"),
        ([1], "data must be a JSON object, got an array"),
    ],
)
def test_data_not_an_object(data: object, reason: str) -> None:
    assert only_reason(batch(event(data=data))) == reason


def test_moved_needs_to_location() -> None:
    reason = only_reason(batch(event(type="inventory.moved")))
    assert reason == "inventory.moved needs data field 'to_location' (a non-empty string)"


def test_data_base64_rejected() -> None:
    reason = only_reason(batch(event(data=..., data_base64="eyJza3UiOiJBIn0=")))
    assert reason == (
        "data_base64 is not supported: send data as a JSON object with sku, location, quantity"
    )


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", 5, "application/jsonx"])
def test_datacontenttype_must_be_json(content_type: object) -> None:
    reason = only_reason(batch(event(datacontenttype=content_type)))
    assert reason.startswith("datacontenttype ")
    assert reason.endswith(" is not JSON (need application/json or a +json type)")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "traceparent '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7' must be version-traceid-parentid-flags (4 parts separated by '-', got 3)",
        ),
        (
            "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "traceparent version '0' must be 2 hex digits",
        ),
        (
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "traceparent trace-id '4bf92f3577b34da6a3ce929d0e0e473' must be 32 hex digits",
        ),
        (
            "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
            "traceparent trace-id '4bf92f3577b34da6a3ce929d0e0e473g' must be 32 hex digits",
        ),
        (
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",
            "traceparent parent-id '00f067aa0ba902b' must be 16 hex digits",
        ),
        (
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
            "traceparent flags '1' must be 2 hex digits",
        ),
        (
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "traceparent trace-id is all zeros",
        ),
        (
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "traceparent parent-id is all zeros",
        ),
        (
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "traceparent version ff is invalid",
        ),
        (
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
            "traceparent version 00 must have exactly 4 parts",
        ),
        (17, "traceparent must be a string, got a number (17)"),
    ],
)
def test_bad_traceparent(value: object, reason: str) -> None:
    assert only_reason(batch(event(traceparent=value))) == reason


def test_traceparent_uppercase_and_future_version() -> None:
    value = "01-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01-extra"
    (row,) = rows(batch(event(traceparent=value)))
    assert row["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert row["parent_span_id"] == "00f067aa0ba902b7"


def test_lone_surrogate_rejected_not_stored() -> None:
    body = json.dumps([event(id="a"), with_data(sku="\ud800")]).encode()
    result = decode_batch(body, received_ns=0)
    assert [r["id"] for r in rows(result)] == ["a"]
    assert result.rejected[0].reason.startswith("the event holds a lone UTF-16 surrogate")
    surrogate_id = decode_batch(json.dumps([event(id="x\udc00")]).encode(), received_ns=0)
    assert surrogate_id.rejected[0].id == "x\\udc00"  # still encodable as UTF-8


def test_mixed_batch_keeps_valid_events_with_indices() -> None:
    result = batch(
        event(id="ok-0"),
        event(id="bad-1", specversion="0.3"),
        "not an event",
        event(id="ok-3", source="erp/s4"),
        event(id=7, type="nope"),
        event(id="bad-5", time="yesterday"),
        event(id="ok-6"),
    )
    assert [r["id"] for r in rows(result)] == ["ok-0", "ok-3", "ok-6"]
    assert [(r.index, r.id) for r in result.rejected] == [
        (1, "bad-1"),
        (2, None),
        (4, None),
        (5, "bad-5"),
    ]
    assert result.rejected[0].reason == "unsupported specversion '0.3' (need 1.0)"
    assert result.rejected[1].reason == "event is not a JSON object, got a string"
    assert result.columns["received_ns"] == [RECEIVED] * 3


def test_empty_batch() -> None:
    result = decode_batch(b"[]", received_ns=0)
    assert result == EventBatch({name: [] for name in EVENT_COLUMNS}, ())


# ----------------------------------------------------------------------------- binary mode


@pytest.mark.parametrize("name", ["specversion", "id", "source", "type", "time"])
def test_binary_missing_header(name: str) -> None:
    headers = binary_headers(SPEC_EXAMPLE)
    del headers[f"ce-{name}"]
    result = decode_binary(headers, b'{"sku":"A","location":"L","quantity":1}', received_ns=0)
    assert only_reason(result) == f"missing required header 'ce-{name}'"
    assert result.rejected[0].id == (None if name == "id" else "adj-000183")


def test_binary_body_rules() -> None:
    headers = binary_headers(SPEC_EXAMPLE)
    assert only_reason(decode_binary(headers, b"", received_ns=0)) == (
        "missing data (a JSON object with sku, location, quantity)"
    )
    assert only_reason(decode_binary(headers, b" \n", received_ns=0)).startswith("missing data")
    assert only_reason(decode_binary(headers, b"null", received_ns=0)) == (
        "data must be a JSON object, got null"
    )
    assert only_reason(decode_binary(headers, b"[1]", received_ns=0)) == (
        "data must be a JSON object, got an array"
    )
    headers["Content-Type"] = "text/csv"
    assert only_reason(decode_binary(headers, b"{}", received_ns=0)).startswith(
        "datacontenttype 'text/csv' is not JSON"
    )
    headers = binary_headers(SPEC_EXAMPLE) | {"ce-traceparent": "00-zz"}
    data = json.dumps(SPEC_EXAMPLE["data"]).encode()
    assert only_reason(decode_binary(headers, data, received_ns=0)).startswith("traceparent ")
    with pytest.raises(EventDecodeError, match="body is not valid JSON"):
        decode_binary(binary_headers(SPEC_EXAMPLE), b"{sku", received_ns=0)


def test_binary_without_ce_headers_is_not_cloudevents() -> None:
    with pytest.raises(EventDecodeError, match="not a binary-mode CloudEvent"):
        decode_binary({"Content-Type": "application/json"}, b"{}", received_ns=0)


# ----------------------------------------------------------------------------- whole-body errors


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "body is not valid JSON: Expecting value: line 1 column 1 (char 0)"),
        (b"{not json", "body is not valid JSON: "),
        (b"\xff\xfe[]", "body is not UTF-8 text: invalid start byte at byte 0"),
        (b'[{"quantity": NaN}]', "body is not valid JSON: NaN is not allowed in JSON"),
        (b"[" * 100_000, "body is not usable JSON: it nests too deeply"),
        (b'{"specversion": "1.0"}', "a batch body must be a JSON array of events, got an object"),
        (b"42", "a batch body must be a JSON array of events, got a number"),
    ],
)
def test_batch_decode_errors(body: bytes, message: str) -> None:
    with pytest.raises(EventDecodeError) as caught:
        decode_batch(body, received_ns=0)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"nope", "body is not valid JSON: "),
        (
            b"[]",
            "a structured-mode body must be one JSON object (a CloudEvent), got an array (send arrays as application/cloudevents-batch+json)",
        ),
        (b'"x"', "a structured-mode body must be one JSON object (a CloudEvent), got a string"),
        (
            b'{"sku": "A"}',
            "the JSON object is not a CloudEvent: it has none of specversion, id, source, type",
        ),
    ],
)
def test_structured_decode_errors(body: bytes, message: str) -> None:
    with pytest.raises(EventDecodeError) as caught:
        decode_structured(body, received_ns=0)
    assert str(caught.value).startswith(message)


def test_structured_accepts_bom_and_rejects_single_bad_event() -> None:
    body = b"\xef\xbb\xbf" + json.dumps(SPEC_EXAMPLE).encode()
    assert rows(decode_structured(body, received_ns=RECEIVED)) == [SPEC_ROW]
    result = decode_structured(json.dumps(event(type="x")).encode(), received_ns=0)
    assert result.rejected[0].index == 0 and result.rejected[0].id == "adj-000183"


# ----------------------------------------------------------------------------- time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1970-01-01T00:00:00Z", 0),
        ("1970-01-01T00:00:00.000000001Z", 1),
        ("1969-12-31T23:59:59.999999999Z", -1),
        ("2026-11-20T08:15:02.123456789+01:00", 1_795_158_902_123_456_789),
        ("2026-11-20T07:15:02.123456789Z", 1_795_158_902_123_456_789),
        ("2026-11-20T02:45:02.123456789-04:30", 1_795_158_902_123_456_789),
        ("2026-11-20t07:15:02.1234567z", 1_795_158_902_123_456_700),
        ("2026-11-20T07:15:02.5-00:00", 1_795_158_902_500_000_000),
        ("2024-02-29T00:00:00Z", 1_709_164_800_000_000_000),
        ("2262-04-11T23:47:16.854775807Z", 2**63 - 1),
        ("1677-09-21T00:12:43.145224192Z", -(2**63)),
    ],
)
def test_parse_rfc3339_ns_exact(text: str, expected: int) -> None:
    assert parse_rfc3339_ns(text) == expected


def test_parse_rfc3339_ns_agrees_with_datetime() -> None:
    when = datetime(2026, 11, 20, 7, 15, 2, 123456, tzinfo=UTC)
    seconds = int(when.replace(microsecond=0).timestamp())
    assert parse_rfc3339_ns(when.isoformat()) == seconds * 10**9 + 123_456_000


@pytest.mark.parametrize(
    "text",
    [
        "2262-04-11T23:47:16.854775808Z",
        "1677-09-21T00:12:43.145224191Z",
        "0000-01-01T00:00:00Z",
        "\uff12026-11-20T08:15:02Z",  # a fullwidth digit,
    ],
)
def test_parse_rfc3339_ns_rejects(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_rfc3339_ns(text)


def test_rejection_codes_are_low_cardinality() -> None:
    events = [
        {
            "specversion": "0.3",
            "id": "a",
            "source": "wms/x",
            "type": "inventory.received",
            "time": "2026-11-20T08:15:02Z",
            "data": {"sku": "S", "location": "L", "quantity": 1},
        },
        {
            "specversion": "1.0",
            "id": "b",
            "source": "wms/x",
            "type": "nope",
            "time": "2026-11-20T08:15:02Z",
            "data": {"sku": "S", "location": "L", "quantity": 1},
        },
        {
            "specversion": "1.0",
            "id": "c",
            "source": "wms/x",
            "type": "inventory.received",
            "time": "yesterday",
            "data": {"sku": "S", "location": "L", "quantity": 1},
        },
        {
            "specversion": "1.0",
            "id": "d",
            "source": "wms/x",
            "type": "inventory.received",
            "time": "2026-11-20T08:15:02Z",
            "data": {"sku": "S", "location": "L", "quantity": "many"},
        },
        {
            "specversion": "1.0",
            "id": "e",
            "source": "wms/x",
            "type": "inventory.received",
            "time": "2026-11-20T08:15:02Z",
            "traceparent": "00-zz",
            "data": {"sku": "S", "location": "L", "quantity": 1},
        },
        {
            "specversion": "1.0",
            "source": "wms/x",
            "type": "inventory.received",
            "time": "2026-11-20T08:15:02Z",
            "data": {"sku": "S", "location": "L", "quantity": 1},
        },
        {
            "specversion": "1.0",
            "id": "g",
            "source": "erp/x",
            "type": "inventory.received",
            "time": "2026-11-20T08:15:02Z",
            "data": {"sku": "S", "location": "L", "quantity": 1},
        },
    ]
    batch = decode_batch(
        json.dumps(events).encode(), received_ns=1, allowed_systems=frozenset({"wms"})
    )
    assert [r.code for r in batch.rejected] == [
        "bad_specversion",
        "bad_type",
        "bad_time",
        "bad_data",
        "bad_traceparent",
        "missing_attribute",
        "unauthorized_source",
    ]
