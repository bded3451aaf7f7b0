"""Calendar-aligned budget periods: the ISO week, the month or the quarter
that holds an instant, in a time zone.

A rolling window always holds the last 28 days; a calendar period starts
afresh at its first midnight (Monday for a week, the 1st for a month, 1
January, April, July or October for a quarter) and its budget covers the
events from that instant to now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from collector.timefmt import NS_PER_S

__all__ = ["Period", "Periodicity", "period_at"]

Periodicity = Literal["week", "month", "quarter"]


@dataclass(frozen=True, slots=True)
class Period:
    """``[start_ns, end_ns)`` of one calendar period, and its name (``2026-12``,
    ``2026-Q4``, ``2026-W49``)."""

    kind: str
    label: str
    start_ns: int
    end_ns: int

    def elapsed(self, now_ns: int) -> float:
        """Share of the period gone by at ``now_ns`` (0 .. 1)."""
        span = self.end_ns - self.start_ns
        return min(1.0, max(0.0, (now_ns - self.start_ns) / span))


def _ns(moment: datetime) -> int:
    return int(moment.timestamp()) * NS_PER_S


def _month_start(year: int, month: int, tz: ZoneInfo) -> datetime:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return datetime(year, month, 1, tzinfo=tz)


def period_at(kind: str, now_ns: int, time_zone: str = "UTC") -> Period:
    """The ``week``, ``month`` or ``quarter`` holding ``now_ns`` in ``time_zone``."""
    tz = ZoneInfo(time_zone)
    # whole seconds, floored: a float of the nanoseconds rounds an instant 1 ns
    # before a boundary into the next period
    local = datetime.fromtimestamp(now_ns // NS_PER_S, UTC).astimezone(tz)
    if kind == "week":
        year, week, _ = local.isocalendar()
        monday = datetime.fromisocalendar(year, week, 1)
        start = monday.replace(tzinfo=tz)
        following = datetime.fromordinal(monday.toordinal() + 7).replace(tzinfo=tz)
        return Period(kind, f"{year}-W{week:02d}", _ns(start), _ns(following))
    if kind == "month":
        start = _month_start(local.year, local.month, tz)
        end = _month_start(local.year, local.month + 1, tz)
        return Period(kind, f"{local.year}-{local.month:02d}", _ns(start), _ns(end))
    if kind == "quarter":
        first = (local.month - 1) // 3 * 3 + 1
        start = _month_start(local.year, first, tz)
        end = _month_start(local.year, first + 3, tz)
        quarter = (first - 1) // 3 + 1
        return Period(kind, f"{local.year}-Q{quarter}", _ns(start), _ns(end))
    raise ValueError(f"calendar period {kind!r} must be week, month or quarter")
