"""Maintenance windows and calendar periods: they load from the SLO folder,
bad ones say why, occurrences and periods fall where the docs say."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from collector.timefmt import NS_PER_S as NS
from metrics.slo import SloError, load_slos
from metrics.slo.calendar import period_at
from metrics.slo.maintenance import exclusions, load_maintenance

WEEKLY = """\
apiVersion: synclens/v1
kind: Maintenance
metadata: {name: erp-weekly}
spec:
  description: ERP patches
  targets: [erp]
  recurring: {weekdays: [sun], at: "23:00", duration: 2h}
---
apiVersion: synclens/v1
kind: Maintenance
metadata: {name: dc-east-move}
spec:
  targets: [wms]
  warehouses: [DC-EAST]
  start: 2026-12-05T22:00:00Z
  end: 2026-12-06T02:00:00+00:00
---
apiVersion: synclens/v1
kind: SLO
metadata: {name: fp}
spec: {sli: first_pass, objective: 0.99, window: 28d, calendar: quarter, timeZone: Europe/Berlin}
"""


def _ns(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp()) * NS


def test_windows_and_slos_share_the_folder(tmp_path: Path) -> None:
    (tmp_path / "all.yaml").write_text(WEEKLY)
    windows = {w.name: w for w in load_maintenance(tmp_path)}
    assert set(windows) == {"erp-weekly", "dc-east-move"}
    (slo,) = load_slos(tmp_path)
    assert slo.calendar == "quarter" and slo.time_zone == "Europe/Berlin"
    weekly = windows["erp-weekly"]
    # Sunday 23:00 UTC for 2 h: it runs over midnight into Monday
    got = list(
        weekly.occurrences(_ns("2026-11-30T00:30:00+00:00"), _ns("2026-12-08T00:00:00+00:00"))
    )
    assert got == [
        (_ns("2026-11-29T23:00:00+00:00"), _ns("2026-11-30T01:00:00+00:00")),
        (_ns("2026-12-06T23:00:00+00:00"), _ns("2026-12-07T01:00:00+00:00")),
    ]
    move = windows["dc-east-move"]
    assert move.scopes == [("wms", "DC-EAST")]
    rows = exclusions(
        list(windows.values()), _ns("2026-12-05T00:00:00+00:00"), _ns("2026-12-06T00:00:00+00:00")
    )
    assert rows == [
        ("wms", "DC-EAST", _ns("2026-12-05T22:00:00+00:00"), _ns("2026-12-06T02:00:00+00:00"))
    ]


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("targets: [erp]", "either start and end"),
        ("start: 2026-12-05T22:00:00Z\n  end: 2026-12-05T23:00:00Z", "targets, warehouses or both"),
        ("targets: [erp]\n  start: 2026-12-05T22:00:00\n  end: 2026-12-05T23:00:00", "time zone"),
        (
            "targets: [erp]\n  start: 2026-12-05T22:00:00Z\n  end: 2026-12-05T21:00:00Z",
            "after start",
        ),
        ("targets: [erp]\n  recurring: {at: '25:00', duration: 1h}", "HH:MM"),
        ("targets: [erp]\n  recurring: {at: '01:00', duration: 90s}", "whole minutes"),
        (
            "targets: [erp]\n  recurring: {weekdays: [someday], at: '01:00', duration: 1h}",
            "someday",
        ),
        ("targets: [erp]\n  every: week", "every"),
    ],
)
def test_bad_windows_say_why(tmp_path: Path, spec: str, reason: str) -> None:
    (tmp_path / "m.yaml").write_text(
        f"apiVersion: synclens/v1\nkind: Maintenance\nmetadata: {{name: m}}\nspec:\n  {spec}\n"
    )
    with pytest.raises(SloError, match=reason) as info:
        load_maintenance(tmp_path)
    assert "m.yaml (document 1)" in str(info.value)


def test_a_bad_time_zone_or_period_is_refused(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(
        "apiVersion: synclens/v1\nkind: SLO\nmetadata: {name: s}\n"
        "spec: {sli: first_pass, objective: 0.99, calendar: month, timeZone: Mars/Olympus}\n"
    )
    with pytest.raises(SloError, match="unknown time zone"):
        load_slos(tmp_path)
    (tmp_path / "s.yaml").write_text(
        "apiVersion: synclens/v1\nkind: SLO\nmetadata: {name: s}\n"
        "spec: {sli: first_pass, objective: 0.99, calendar: year}\n"
    )
    with pytest.raises(SloError, match="calendar"):
        load_slos(tmp_path)


def test_calendar_periods() -> None:
    now = _ns("2026-12-03T12:00:00+00:00")
    month = period_at("month", now)
    assert (month.label, month.start_ns, month.end_ns) == (
        "2026-12",
        _ns("2026-12-01T00:00:00+00:00"),
        _ns("2027-01-01T00:00:00+00:00"),
    )
    quarter = period_at("quarter", now)
    assert quarter.label == "2026-Q4" and quarter.start_ns == _ns("2026-10-01T00:00:00+00:00")
    week = period_at("week", now)
    assert week.label == "2026-W49" and week.start_ns == _ns("2026-11-30T00:00:00+00:00")
    assert week.end_ns - week.start_ns == 7 * 86_400 * NS
    # in Berlin the month starts an hour earlier (UTC+1 in winter); Q2 there starts at UTC+2
    berlin = period_at("month", now, "Europe/Berlin")
    assert berlin.start_ns == _ns("2026-11-30T23:00:00+00:00")
    q2 = period_at("quarter", _ns("2026-05-01T00:00:00+00:00"), "Europe/Berlin")
    assert q2.start_ns == _ns("2026-03-31T22:00:00+00:00") and q2.label == "2026-Q2"
    assert 0 < month.elapsed(now) < 0.1
    assert UTC is not None
