"""Report periods: an ISO week (``2026-W48``), a month (``2026-11``) or a
quarter (``2026-Q4``), each a half-open interval ``[start, end)`` of UTC
days.

:func:`parse_period` reads the label; a :class:`Period` knows the one
before it, the ISO weeks it overlaps and, for the page's picker, the
periods leading up to an instant (:func:`recent_periods`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from collector.timefmt import NS_PER_S

__all__ = ["Period", "PeriodError", "PeriodKind", "parse_period", "period_at", "recent_periods"]

PeriodKind = Literal["week", "month", "quarter"]

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q(\d)$")


class PeriodError(ValueError):
    """A period label that is not ``YYYY-Www``, ``YYYY-MM`` or ``YYYY-Qn``."""


def _ns(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * NS_PER_S


def _month_start(year: int, month: int) -> date:
    """The first day of ``month`` (which may run past 12 into later years)."""
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, 1)


@dataclass(frozen=True, slots=True)
class Period:
    """One report period: its label, kind and UTC days ``[first, after)``."""

    label: str
    kind: PeriodKind
    first: date
    after: date

    @property
    def start_ns(self) -> int:
        return _ns(self.first)

    @property
    def end_ns(self) -> int:
        return _ns(self.after)

    @property
    def days(self) -> int:
        return (self.after - self.first).days

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        return period_at(self.kind, _ns(self.first - timedelta(days=1)))

    def weeks(self) -> list[Period]:
        """The ISO weeks that overlap this period, oldest first."""
        monday = self.first - timedelta(days=self.first.weekday())
        found = []
        while monday < self.after:
            found.append(period_at("week", _ns(monday)))
            monday += timedelta(days=7)
        return found


def _week(year: int, week: int) -> Period:
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise PeriodError(f"{year} has no ISO week {week}") from exc
    return Period(f"{year}-W{week:02d}", "week", monday, monday + timedelta(days=7))


def _month(year: int, month: int) -> Period:
    if not 1 <= month <= 12:
        raise PeriodError(f"month {month} is not between 01 and 12")
    return Period(
        f"{year}-{month:02d}", "month", date(year, month, 1), _month_start(year, month + 1)
    )


def _quarter(year: int, quarter: int) -> Period:
    if not 1 <= quarter <= 4:
        raise PeriodError(f"quarter {quarter} is not between 1 and 4")
    first_month = 3 * (quarter - 1) + 1
    return Period(
        f"{year}-Q{quarter}",
        "quarter",
        date(year, first_month, 1),
        _month_start(year, first_month + 3),
    )


def parse_period(text: str) -> Period:
    """``2026-W48`` (ISO week), ``2026-11`` (month) or ``2026-Q4`` (quarter)."""
    label = text.strip().upper()
    for pattern, make in ((_WEEK, _week), (_MONTH, _month), (_QUARTER, _quarter)):
        found = pattern.match(label)
        if found:
            year = int(found.group(1))
            if not 1970 <= year <= 9998:
                raise PeriodError(f"year {year} is not between 1970 and 9998")
            return make(year, int(found.group(2)))
    raise PeriodError(
        f"period {text!r} must be a week (2026-W48), a month (2026-11) or a quarter (2026-Q4)"
    )


def period_at(kind: PeriodKind, at_ns: int) -> Period:
    """The period of ``kind`` that holds the instant ``at_ns``."""
    day = datetime.fromtimestamp(at_ns // NS_PER_S, tz=UTC).date()
    if kind == "week":
        year, week, _ = day.isocalendar()
        return _week(year, week)
    if kind == "month":
        return _month(day.year, day.month)
    return _quarter(day.year, (day.month - 1) // 3 + 1)


def recent_periods(now_ns: int, count: int = 6) -> list[Period]:
    """For a picker: of each kind, the period holding ``now_ns`` and the
    ``count - 1`` before it, newest first (weeks, then months, then quarters)."""
    found: list[Period] = []
    kinds: tuple[PeriodKind, ...] = ("week", "month", "quarter")
    for kind in kinds:
        period = period_at(kind, now_ns)
        for _ in range(count):
            found.append(period)
            period = period.previous()
    return found
