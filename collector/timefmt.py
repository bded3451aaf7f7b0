"""RFC 3339 times as exact integer nanoseconds since the Unix epoch, both ways."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

__all__ = ["NS_PER_S", "iso", "parse_rfc3339_ns", "parse_rfc3339_ns_list"]

#: nanoseconds per second: every time in synclens is integer nanoseconds
NS_PER_S = 1_000_000_000
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_TIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]{1,9}))?(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))"
)
# The usual shapes, many at once: lines of stamps that all end in Z, or all in
# +hh:mm/-hh:mm, every field in range except the day of the month.
_STAMP = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,9})?"
)
_OFFSET = r"[+-](?:[01][0-9]|2[0-3]):[0-5][0-9]"
_UTC_LINES = re.compile(f"(?:{_STAMP}[Zz]\n)*{_STAMP}[Zz]")
_OFFSET_LINES = re.compile(f"(?:{_STAMP}{_OFFSET}\n)*{_STAMP}{_OFFSET}")
# ns per unit of the fraction, by the length of a stamp of that shape
# (19 characters to the seconds, then "." and 1..9 digits, then Z or +hh:mm)
_UTC_SCALE = (0,) * 22 + tuple(10 ** (30 - length) for length in range(22, 31))
_OFFSET_SCALE = (0,) * 27 + tuple(10 ** (35 - length) for length in range(27, 36))
_TIME_LOOSE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ])[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?(.*)", re.DOTALL
)


def iso(ns: int | None) -> str | None:
    """RFC 3339 UTC with nanoseconds, e.g. ``2026-11-20T08:15:02.000000123Z``."""
    if ns is None:
        return None
    minutes, rest = divmod(ns, _MINUTE_NS)
    second, frac = divmod(rest, NS_PER_S)
    return f"{_minute(minutes)}{second:02d}.{frac:09d}Z"


_MINUTE_NS = 60 * NS_PER_S


@lru_cache(maxsize=8192)
def _minute(minutes: int) -> str:
    """``YYYY-MM-DDThh:mm:`` of a minute since the epoch: a lineage formats
    thousands of times a request, mostly of a few minutes each."""
    days, minute = divmod(minutes, 1440)
    day = date.fromordinal(_EPOCH_ORDINAL + days).isoformat()
    return f"{day}T{minute // 60:02d}:{minute % 60:02d}:"


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
    ns = seconds * NS_PER_S
    if fraction is not None:
        ns += int(fraction) * 10 ** (9 - len(fraction))
    if not _INT64_MIN <= ns <= _INT64_MAX:
        raise ValueError("outside the nanosecond range 1677-09-21 .. 2262-04-11")
    return ns


def parse_rfc3339_ns_list(texts: list[str]) -> list[int]:
    """``[parse_rfc3339_ns(text) for text in texts]``, several times faster.

    When every stamp has the usual shape (all ending in ``Z``, or all in
    ``+hh:mm``/``-hh:mm``) one regular expression checks them all and the
    date and hour-minute arithmetic is done once per distinct minute;
    otherwise, or when a date or the range is wrong, each goes through
    :func:`parse_rfc3339_ns`, so results and errors are the same.
    """
    joined = "\n".join(texts)
    if texts and joined.count("\n") == len(texts) - 1:  # no stamp holds a line break
        minutes = _Minutes()
        values: list[int] = []
        try:
            if _UTC_LINES.fullmatch(joined):
                scale = _UTC_SCALE
                values = [
                    (minutes[t[:16]] + int(t[17:19])) * NS_PER_S
                    + int(t[20:-1] or 0) * scale[len(t)]
                    for t in texts
                ]
            elif _OFFSET_LINES.fullmatch(joined):
                scale, offsets = _OFFSET_SCALE, _Offsets()
                values = [
                    (minutes[t[:16]] + int(t[17:19]) - offsets[t[-6:]]) * NS_PER_S
                    + int(t[20:-6] or 0) * scale[len(t)]
                    for t in texts
                ]
        except ValueError:  # no such date: the one-by-one path says which
            values = []
        if values and min(values) >= _INT64_MIN and max(values) <= _INT64_MAX:
            return values
    return [parse_rfc3339_ns(text) for text in texts]


class _Minutes(dict[str, int]):
    """``YYYY-MM-DDThh:mm`` (fields already checked but the day) -> seconds since the epoch."""

    def __missing__(self, key: str) -> int:
        days = date(int(key[:4]), int(key[5:7]), int(key[8:10])).toordinal() - _EPOCH_ORDINAL
        seconds = days * 86400 + int(key[11:13]) * 3600 + int(key[14:16]) * 60
        self[key] = seconds
        return seconds


class _Offsets(dict[str, int]):
    """``+hh:mm``/``-hh:mm`` (already checked) -> seconds east of UTC."""

    def __missing__(self, key: str) -> int:
        seconds = int(key[1:3]) * 3600 + int(key[4:6]) * 60
        seconds = seconds if key[0] == "+" else -seconds
        self[key] = seconds
        return seconds


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
