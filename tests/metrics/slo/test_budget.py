"""Error budget maths and SLO status, from counts: no traffic is no data, never NaN."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from metrics.slo import evaluate, load_slos, sli_counts
from metrics.slo.budget import budget_remaining, burn_rate, error_ratio, fired, good_ratio
from metrics.slo.spec import SloSpec


def test_ratios_and_burn_rates() -> None:
    assert error_ratio(5, 1000) == 0.005
    assert good_ratio(5, 1000) == pytest.approx(0.995)
    assert burn_rate(5, 1000, 0.995) == pytest.approx(1.0)
    assert burn_rate(72, 1000, 0.995) == pytest.approx(14.4)
    assert budget_remaining(5, 1000, 0.995) == pytest.approx(0.0)
    assert budget_remaining(1, 1000, 0.995) == pytest.approx(0.8)
    assert budget_remaining(20, 1000, 0.995) == pytest.approx(-3.0)  # overspent


@pytest.mark.parametrize("fn", [error_ratio, good_ratio])
def test_no_traffic_is_no_data(fn: Any) -> None:
    assert fn(0, 0) is None
    assert fn(1, 5, min_total=10) is None  # below the minimum-traffic guard
    assert fn(0, 10, min_total=10) is not None


def test_burn_rate_no_data_and_bad_objective() -> None:
    assert burn_rate(0, 0, 0.99) is None
    assert budget_remaining(0, 0, 0.99) is None
    assert budget_remaining(3, 50, 0.99, min_total=100) is None
    with pytest.raises(ValueError):
        burn_rate(1, 10, 1.0)
    for value in (burn_rate(0, 10, 0.99), budget_remaining(10, 10, 0.99)):
        assert value is not None and not math.isnan(value)


def test_fired_needs_both_windows_over_the_factor() -> None:
    assert fired([("page", 14.4, 20.0, 20.0)]) == "page"
    assert fired([("page", 14.4, 20.0, 2.0)]) is None  # burst over: the short window reset
    assert fired([("page", 14.4, 20.0, None)]) is None  # no data never fires
    assert fired([("ticket", 1.0, 2.0, 2.0), ("page", 14.4, 2.0, 2.0)]) == "ticket"
    assert fired([("ticket", 1.0, 20.0, 20.0), ("page", 14.4, 20.0, 20.0)]) == "page"
    assert fired([("ticket", 1.0, 1.0, 1.0)]) is None  # exactly budget pace


def _slo(name: str) -> SloSpec:
    return next(s for s in load_slos() if s.name == name)


def _first_pass(bad: int, total: int) -> dict[str, Any]:
    return {"first_pass": {"good": total - bad, "total": total, "ratio": None}}


def test_sli_counts_for_every_sli() -> None:
    slis = {
        "latency": {"good": 90, "total": 100},
        "first_pass": {"good": 99, "total": 100},
        "api_failure": {"failed": 3, "total": 50},
        "mismatch": {"mismatched": 2, "transient": 5, "compared": 400},
        "exception_aging": {"unresolved": 10, "aged": 1, "oldest_age_s": 9000},
    }
    assert sli_counts("latency", slis) == (10, 100)
    assert sli_counts("first_pass", slis) == (1, 100)
    assert sli_counts("api_failure", slis) == (3, 50)
    assert sli_counts("mismatch", slis) == (2, 400)
    assert sli_counts("exception_aging", slis) == (1, 10)
    assert sli_counts("mismatch", {}) is None  # not merged yet: no data
    assert sli_counts("mismatch", {"mismatch": {"mismatched": None}}) is None


def test_evaluate_pages_on_a_fast_burn() -> None:
    slo = _slo("first-pass")
    slis = {w: _first_pass(1000, 10_000) for w in slo.all_windows}  # 10% bad, burn 20
    state = evaluate(slo, slis)
    assert state["status"] == "page"
    assert state["sli_value"] == pytest.approx(0.9)
    assert state["error_budget_remaining"] == pytest.approx(-19.0)
    assert state["burn_rates"]["1h"] == pytest.approx(20.0)
    assert all(a["firing"] for a in state["alerts"])


def test_evaluate_tickets_on_a_slow_burn_and_resets_with_the_short_window() -> None:
    slo = _slo("first-pass")
    slis = {w: _first_pass(200, 10_000) for w in slo.all_windows}  # burn 4
    assert evaluate(slo, slis)["status"] == "ticket"
    slis = {w: _first_pass(1000, 10_000) for w in slo.all_windows}
    for short in ("5m", "30m", "2h", "6h"):
        slis[short] = _first_pass(0, 10_000)  # the burst is over
    assert evaluate(slo, slis)["status"] == "ok"


def test_evaluate_zero_traffic_and_missing_slis_are_no_data() -> None:
    for slo in load_slos():
        state = evaluate(slo, {w: {} for w in slo.all_windows})
        assert state["status"] == "no_data"
        assert state["sli_value"] is None and state["error_budget_remaining"] is None
        assert not any(a["firing"] for a in state["alerts"])
    slo = _slo("first-pass")
    quiet = evaluate(slo, {w: _first_pass(0, 0) for w in slo.all_windows})
    assert quiet["status"] == "no_data"
    # below the minimum traffic (scaled to the window: 3 pairs in 1 h for first-pass):
    # 1 bad out of 2 pairs is not a page
    few = evaluate(slo, {w: _first_pass(1, 2) for w in slo.all_windows})
    assert few["status"] == "no_data" and few["sli_value"] is None


def test_evaluate_ok_at_budget_pace(tmp_path: Path) -> None:
    slo = _slo("first-pass")
    state = evaluate(slo, {w: _first_pass(50, 10_000) for w in slo.all_windows})
    assert state["status"] == "ok"
    assert state["error_budget_remaining"] == pytest.approx(0.0, abs=1e-9)


def test_a_low_traffic_outage_pages() -> None:
    """One pair every 5 minutes, all failing for the last hour (issue 15): the
    guard scaled to the 1 h window lets the page fire."""
    slo = _slo("first-pass")
    assert [slo.min_traffic_in(w) for w in ("1h", "6h", "1d", "3d", "28d")] == [
        3, 18, 72, 216, 2016,
    ]  # fmt: skip
    per_hour = {"5m": 1, "30m": 6, "1h": 12, "2h": 24, "6h": 72, "1d": 288, "3d": 300, "28d": 300}
    bad = {"5m": 1, "30m": 6, "1h": 12, "2h": 12, "6h": 12, "1d": 12, "3d": 12, "28d": 12}
    state = evaluate(slo, {w: _first_pass(bad[w], per_hour[w]) for w in slo.all_windows})
    assert state["status"] == "page"
    assert [a["firing"] for a in state["alerts"]] == [True, True, True, True]
    assert state["sli_value"] is None  # the 28 d window is still under its 2016 pairs
