"""Formatting times: exact to the nanosecond over the whole int64 range."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from collector.timefmt import iso, parse_rfc3339_ns


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_iso_round_trips_every_int64(ns: int) -> None:
    text = iso(ns)
    assert text is not None and parse_rfc3339_ns(text) == ns
    # and agrees with the standard library's calendar
    seconds, frac = divmod(ns, 1_000_000_000)
    stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    assert text == f"{stamp}.{frac:09d}Z"


def test_iso_edges() -> None:
    assert iso(None) is None
    assert iso(0) == "1970-01-01T00:00:00.000000000Z"
    assert iso(-1) == "1969-12-31T23:59:59.999999999Z"
    assert iso(2**63 - 1) == "2262-04-11T23:47:16.854775807Z"
    assert iso(-(2**63)) == "1677-09-21T00:12:43.145224192Z"
