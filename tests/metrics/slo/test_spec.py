"""SLO YAML specs: the shipped set loads, windows scale with the SLO window, bad files say why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from metrics.slo import SloError, load_slos
from metrics.slo.spec import SHIPPED_SLO_DIR, default_windows, duration_s, load_slo_file

SLO = """\
apiVersion: synclens/v1
kind: SLO
metadata: {name: %s}
spec:
  sli: first_pass
  objective: 0.995
  window: %s
"""


def test_the_shipped_slos_load_and_cover_the_issue_defaults() -> None:
    slos = {s.name: s for s in load_slos()}
    assert set(slos) == {"sync-latency", "first-pass", "stock-mismatch", "exception-aging"}
    assert slos["sync-latency"].sli == "latency" and slos["sync-latency"].objective == 0.99
    assert slos["first-pass"].objective == 0.995
    assert slos["stock-mismatch"].sli == "mismatch" and slos["stock-mismatch"].error_budget == 0.005
    aging = slos["exception-aging"]
    assert aging.objective == 0.99 and aging.aging_objective == "4h"
    assert all(s.window in ("28d", "30d") for s in slos.values())
    assert all(s.source for s in slos.values())
    assert SHIPPED_SLO_DIR.name == "slos"


def test_workbook_factors_for_30d_and_scaled_for_28d() -> None:
    w30 = [(w.severity, w.long, w.short, w.factor) for w in default_windows("30d")]
    assert w30 == [
        ("page", "1h", "5m", 14.4),
        ("page", "6h", "30m", 6.0),
        ("ticket", "1d", "2h", 3.0),
        ("ticket", "3d", "6h", 1.0),
    ]
    # 28d: the same share of the budget in the same windows -> 13.44, 5.6, 2.8; never below 1
    assert [w.factor for w in default_windows("28d")] == [13.44, 5.6, 2.8, 1.0]


def test_all_windows_are_sorted_with_the_slo_window_last(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(SLO % ("a", "30d"))
    (slo,) = load_slos(tmp_path)
    assert slo.all_windows == ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d")


def test_custom_windows_and_disabled_tickets(tmp_path: Path) -> None:
    (tmp_path / "t.yml").write_text(
        SLO % ("t", "1h") + "  minTraffic: 5\n  alerting:\n    ticket: false\n    windows:\n"
        "      - {severity: page, long: 20s, short: 5s, burnRate: 10, for: 1m}\n"
        "      - {severity: page, long: 5m, short: 1m, consumption: 0.5}\n"
        "      - {severity: ticket, long: 10m, short: 1m, burnRate: 2}\n"
    )
    (slo,) = load_slos(tmp_path)
    assert [(w.long, w.factor, w.for_) for w in slo.windows] == [
        ("20s", 10, "1m"),
        ("5m", 6.0, None),
    ]
    assert slo.min_traffic == 5


def test_several_documents_in_one_file(tmp_path: Path) -> None:
    (tmp_path / "two.yaml").write_text(SLO % ("one", "28d") + "---\n" + SLO % ("two", "30d"))
    assert [s.name for s in load_slo_file(tmp_path / "two.yaml")] == ["one", "two"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (SLO % ("x", "28d") + "  bogus: 1\n", "bogus"),
        ((SLO % ("x", "28d")).replace("0.995", "99.5"), "objective"),
        ((SLO % ("x", "28d")).replace("first_pass", "throughput"), "sli"),
        ((SLO % ("x", "28d")).replace("synclens/v1", "openslo/v1"), "apiVersion"),
        (SLO % ("Bad_Name", "28d"), "name"),
        (SLO % ("x", "28 days"), "duration"),
        (SLO % ("x", "2h"), "longer than the SLO window"),
        (
            SLO % ("x", "28d")
            + "  alerting:\n    windows:\n      - {severity: page, long: 1h, short: 5m}\n",
            "exactly one of burnRate or consumption",
        ),
        ("a: [", "not valid YAML"),
    ],
)
def test_invalid_files_say_why(tmp_path: Path, text: str, reason: str) -> None:
    (tmp_path / "bad.yaml").write_text(text)
    with pytest.raises(SloError, match=r"bad\.yaml") as err:
        load_slos(tmp_path)
    assert reason in str(err.value)


def test_duplicate_names_and_missing_directory(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(SLO % ("same", "28d"))
    (tmp_path / "b.yaml").write_text(SLO % ("same", "30d"))
    with pytest.raises(SloError, match=r"already defined in a\.yaml"):
        load_slos(tmp_path)
    with pytest.raises(SloError, match="does not exist"):
        load_slos(tmp_path / "nope")


def test_duration() -> None:
    assert (
        duration_s("5m") == 300 and duration_s("28d") == 28 * 86400 and duration_s("1w") == 604800
    )
    with pytest.raises(ValueError):
        duration_s("0s")


def test_min_traffic_scales_with_the_window_for_counter_slis_only(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(SLO % ("a", "28d") + "  minTraffic: 2016\n")
    slo = load_slos(tmp_path)[0]
    assert [slo.min_traffic_in(w) for w in ("5m", "1h", "6h", "3d", "28d")] == [1, 3, 18, 216, 2016]
    gauge = (SLO % ("g", "28d")).replace("first_pass", "mismatch") + "  minTraffic: 100\n"
    (tmp_path / "a.yaml").write_text(gauge)
    assert load_slos(tmp_path)[0].min_traffic_in("1h") == 100  # averaged items, not counts


def test_the_outage_page_defaults_and_options(tmp_path: Path) -> None:
    def load(text: str) -> Any:
        (tmp_path / "a.yaml").write_text(text)
        return load_slos(tmp_path)[0]

    on = load(SLO % ("a", "28d")).outage
    assert on is not None and (on.min_attempts, on.window, on.for_) == (3, "30m", None)
    custom = (
        SLO % ("a", "28d") + "  alerting:\n    outage: {minAttempts: 5, window: 15m, for: 5m}\n"
    )
    assert load(custom).outage.model_dump() == {"min_attempts": 5, "window": "15m", "for_": "5m"}
    assert load(SLO % ("a", "28d") + "  alerting: {outage: {enabled: false}}\n").outage is None
    assert load(SLO % ("a", "28d") + "  alerting: {page: false}\n").outage is None
    assert load((SLO % ("a", "28d")).replace("first_pass", "latency")).outage is None
    gauge = (SLO % ("a", "28d")).replace("first_pass", "mismatch")
    assert load(gauge).outage is None
    with pytest.raises(SloError, match="needs delivery attempts"):
        load(gauge + "  alerting: {outage: {enabled: true}}\n")


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ("  groupBy: warehouse\n", "has no label 'warehouse'"),
        ("  groupBy: region\n", "groupBy"),
        ("  matchers: {kind: mismatch}\n", "has no label 'kind'"),
        ('  matchers: {target: "e\\"rp"}\n', "without quotes"),
        ("  groupBy: target\n  matchers: {event_type: x}\n", "has no label 'event_type'"),
    ],
)
def test_group_by_and_matchers_name_a_label_of_the_sli(
    tmp_path: Path, extra: str, reason: str
) -> None:
    (tmp_path / "bad.yaml").write_text(SLO % ("x", "28d") + extra)
    with pytest.raises(SloError, match=r"bad\.yaml") as err:
        load_slos(tmp_path)
    assert reason in str(err.value)


def test_group_by_and_matchers_load(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(SLO % ("a", "28d") + "  groupBy: target\n")
    slo = load_slos(tmp_path)[0]
    assert slo.group_by == "target" and slo.matchers == {}
    latency = (SLO % ("b", "28d")).replace("first_pass", "latency")
    (tmp_path / "a.yaml").write_text(
        latency + "  groupBy: event_type\n  matchers: {event_type: x}\n"
    )
    assert load_slos(tmp_path)[0].matchers == {"event_type": "x"}
    (tmp_path / "a.yaml").write_text(latency + "  groupBy: event_type\n  matchers: {target: erp}\n")
    with pytest.raises(SloError, match="the groupBy label"):
        load_slos(tmp_path)


def test_absent_for_defaults_to_10m_and_null_turns_it_off(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(SLO % ("a", "28d"))
    assert load_slos(tmp_path)[0].absent_for == "10m"
    (tmp_path / "a.yaml").write_text(SLO % ("a", "28d") + "  alerting: {absentFor: null}\n")
    assert load_slos(tmp_path)[0].absent_for is None
    (tmp_path / "a.yaml").write_text(SLO % ("a", "28d") + "  alerting: {absentFor: soon}\n")
    with pytest.raises(SloError, match="duration"):
        load_slos(tmp_path)


def test_a_calendar_period_ends_one_nanosecond_before_the_next() -> None:
    from collector.timefmt import NS_PER_S
    from metrics.slo.calendar import period_at

    december = 1_796_083_200 * NS_PER_S  # 2026-12-01T00:00:00Z
    assert period_at("month", december - 1).label == "2026-11"
    assert period_at("month", december).label == "2026-12"
    assert period_at("quarter", december - 1, "UTC").label == "2026-Q4"
