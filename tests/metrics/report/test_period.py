"""Report periods: ISO weeks, months and quarters as UTC intervals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from collector.timefmt import NS_PER_S
from metrics.report import PeriodError, parse_period, period_at, recent_periods


def _ns(*ymd: int) -> int:
    return int(datetime(*ymd, tzinfo=UTC).timestamp()) * NS_PER_S


@pytest.mark.parametrize(
    ("label", "kind", "start", "end"),
    [
        ("2026-11", "month", (2026, 11, 1), (2026, 12, 1)),
        ("2026-12", "month", (2026, 12, 1), (2027, 1, 1)),
        ("2026-W48", "week", (2026, 11, 23), (2026, 11, 30)),
        ("2026-w01", "week", (2025, 12, 29), (2026, 1, 5)),  # ISO week 1 starts in 2025
        ("2026-W53", "week", (2026, 12, 28), (2027, 1, 4)),  # 2026 has 53 ISO weeks
        ("2026-Q4", "quarter", (2026, 10, 1), (2027, 1, 1)),
        ("2026-q1", "quarter", (2026, 1, 1), (2026, 4, 1)),
    ],
)
def test_labels(label: str, kind: str, start: tuple[int, ...], end: tuple[int, ...]) -> None:
    period = parse_period(label)
    assert period.kind == kind
    assert (period.start_ns, period.end_ns) == (_ns(*start), _ns(*end))
    assert period.label == label.upper()
    assert parse_period(period.label) == period


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("2026-13", "month 13 is not between 01 and 12"),
        ("2026-00", "month 0 is not between 01 and 12"),
        ("2026-Q5", "quarter 5 is not between 1 and 4"),
        ("2025-W53", "2025 has no ISO week 53"),
        ("1969-12", "year 1969 is not between 1970 and 9998"),
        ("9999-12", "year 9999 is not between 1970 and 9998"),  # its end is past date.max
        ("9999-W52", "year 9999 is not between 1970 and 9998"),
        ("november", "must be a week (2026-W48), a month (2026-11) or a quarter (2026-Q4)"),
        ("2026-11-01", "must be a week"),
        ("", "must be a week"),
    ],
)
def test_bad_labels_say_why(label: str, message: str) -> None:
    with pytest.raises(PeriodError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_period(label)


def test_previous_and_weeks() -> None:
    assert parse_period("2026-01").previous().label == "2025-12"
    assert parse_period("2026-Q1").previous().label == "2025-Q4"
    assert parse_period("2026-W01").previous().label == "2025-W52"
    weeks = [w.label for w in parse_period("2026-11").weeks()]
    # Sunday 1 November is in W44; Monday 30 November starts W49
    assert weeks == ["2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-W49"]
    assert [w.label for w in parse_period("2026-W48").weeks()] == ["2026-W48"]
    assert len(parse_period("2026-Q4").weeks()) == 14


def test_period_at_and_recent() -> None:
    now = _ns(2026, 12, 3, 12)
    assert period_at("week", now).label == "2026-W49"
    assert period_at("month", now).label == "2026-12"
    assert period_at("quarter", now).label == "2026-Q4"
    assert period_at("month", _ns(2026, 12, 1) - 1).label == "2026-11"
    labels = [p.label for p in recent_periods(now, 3)]
    assert labels == [
        "2026-W49", "2026-W48", "2026-W47",
        "2026-12", "2026-11", "2026-10",
        "2026-Q4", "2026-Q3", "2026-Q2",
    ]  # fmt: skip
