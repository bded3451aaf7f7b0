"""RFC 3339 times as exact integer nanoseconds since the Unix epoch, both ways."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

__all__ = ["iso", "parse_rfc3339_ns"]

_NS = 1_000_000_000
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_TIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]{1,9}))?(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))"
)
_TIME_LOOSE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ])[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?(.*)", re.DOTALL
)


def iso(ns: int | None) -> str | None:
    """RFC 3339 UTC with nanoseconds, e.g. ``2026-11-20T08:15:02.000000123Z``."""
    if ns is None:
        return None
    seconds, frac = divmod(ns, _NS)
    stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{frac:09d}Z"


def parse_rfc3339_ns(text: str) -> int:
    """Exact integer nanoseconds since the Unix epoch of an RFC 3339 timestamp.

    ``YYYY-MM-DDThh:mm:ss[.f{1,9}](Z|+hh:mm|-hh:mm)``; raises ``ValueError`` with
    a reason otherwise (including leap seconds and instants outside int64 ns,
    1677-09-21 .. 2262-04-11).
    """
    match = _TIME.fullmatch(text)
    if match is None:
        raise ValueError(_time_shape_error(text))
    year, month, day, hour, minute, second, fraction, sign, off_h, off_m = match.groups()
    try:
        days = date(int(year), int(month), int(day)).toordinal() - _EPOCH_ORDINAL
    except ValueError:
        raise ValueError(f"no such date {year}-{month}-{day}") from None
    h, m, s = int(hour), int(minute), int(second)
    if h > 23 or m > 59 or s > 59:
        if s == 60 and h <= 23 and m <= 59:
            raise ValueError("leap seconds (:60) are not supported")
        raise ValueError(f"no such time of day {hour}:{minute}:{second}")
    seconds = days * 86400 + h * 3600 + m * 60 + s
    if sign is not None:
        oh, om = int(off_h), int(off_m)
        if oh > 23 or om > 59:
            raise ValueError(f"no such UTC offset {sign}{off_h}:{off_m}")
        offset = oh * 3600 + om * 60
        seconds = seconds - offset if sign == "+" else seconds + offset
    ns = seconds * 1_000_000_000
    if fraction is not None:
        ns += int(fraction) * 10 ** (9 - len(fraction))
    if not _INT64_MIN <= ns <= _INT64_MAX:
        raise ValueError("outside the nanosecond range 1677-09-21 .. 2262-04-11")
    return ns


def _time_shape_error(text: str) -> str:
    loose = _TIME_LOOSE.fullmatch(text)
    if loose is None:
        return f"expected YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm), got {_quote(text)}"
    separator, fraction, rest = loose.groups()
    if separator == " ":
        return "date and time must be separated by 'T'"
    if fraction is not None and len(fraction) == 1:
        return "no digits after the decimal point"
    if fraction is not None and len(fraction) > 10:
        return f"{len(fraction) - 1} fractional digits (at most 9)"
    if not rest:
        return "missing UTC offset ('Z' or +hh:mm/-hh:mm)"
    return f"bad UTC offset {_quote(rest)} (need 'Z' or +hh:mm/-hh:mm)"


def _quote(text: str) -> str:
    return f"'{text[:80]}...'" if len(text) > 80 else f"'{text}'"
