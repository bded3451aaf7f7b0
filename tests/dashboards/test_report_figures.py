"""The report page's frames and figures from a hand-made report."""

from __future__ import annotations

from typing import Any

from dashboards import report_figures as rf
from dashboards.pages.report import body, period_name
from metrics.report import parse_period

REPORT: dict[str, Any] = {
    "period": {
        "label": "2026-W48",
        "kind": "week",
        "from": "2026-11-23T00:00:00Z",
        "to": "2026-11-30T00:00:00Z",
        "until": "2026-11-30T00:00:00Z",
        "complete": True,
        "previous": "2026-W47",
    },
    "computed_at": "2026-12-03T12:00:00Z",
    "slos": [
        {
            "name": "fp",
            "display_name": "First pass",
            "sli": "first_pass",
            "objective": 0.99,
            "matchers": {},
            "good": 95,
            "total": 100,
            "attainment": 0.95,
            "budget_spent": 5.0,
            "met": False,
            "status": "missed",
            "previous_attainment": 0.991,
        },
        {
            "name": "mm",
            "display_name": None,
            "sli": "mismatch",
            "objective": 0.99,
            "matchers": {},
            "good": None,
            "total": None,
            "attainment": None,
            "budget_spent": None,
            "met": None,
            "status": "not_historical",
            "previous_attainment": None,
        },
    ],
    "alerts": [
        {
            "slo": "fp",
            "display_name": "First pass",
            "alert": "burn_rate",
            "severity": "page",
            "group": None,
            "started_at": "2026-11-24T10:05:00Z",
            "ended_at": None,
            "duration_s": 5400,
            "peak_burn_rate": 14.4,
        },
        {
            "slo": "fp",
            "display_name": "First pass",
            "alert": "outage",
            "severity": "page",
            "group": {"target": "erp"},
            "started_at": "2026-11-25T00:00:00Z",
            "ended_at": "2026-11-25T00:35:00Z",
            "duration_s": 2100,
            "peak_burn_rate": None,
        },
    ],
    "exceptions": {
        "opened": 3,
        "resolved": 1,
        "by_kind": {"mismatch": 3},
        "by_severity": {"warning": 3},
        "orders_impacted": 7,
    },
    "orders_impacted": 7,
    "costs": [
        {
            "slo": "fp",
            "dimension": "target",
            "value": "wms",
            "bad": 4,
            "total": 60,
            "budget_spent": 4.0,
        },
        {
            "slo": "fp",
            "dimension": "target",
            "value": "erp",
            "bad": 1,
            "total": 40,
            "budget_spent": 1.0,
        },
    ],
    "trend": [
        {"week": "2026-W47", "slo": "fp", "attainment": None, "change": None},
        {"week": "2026-W48", "slo": "fp", "attainment": 0.95, "change": None},
    ],
}


def test_frames_leave_out_the_instant_slos() -> None:
    slos = rf.slo_frame(REPORT)
    assert list(slos["name"]) == ["fp"]
    assert list(rf.cost_frame(REPORT)["label"]) == ["target wms", "target erp"]


def test_figures_draw_the_report() -> None:
    bars = rf.attainment_bars(rf.slo_frame(REPORT))
    assert list(bars.data[0].y) == [95.0] and list(bars.data[1].y) == [99.0]
    trend = rf.trend_lines(rf.trend_frame(REPORT), {"fp": 0.99})
    assert list(trend.data[0].x) == ["2026-W48"]  # a week with no traffic draws no point
    costs = rf.cost_bars(rf.cost_frame(REPORT))
    assert dict(zip(costs.data[0].y, costs.data[0].x, strict=True)) == {
        "target erp": 100.0,
        "target wms": 400.0,
    }


def test_nothing_to_draw_says_so() -> None:
    empty = {**REPORT, "slos": REPORT["slos"][1:], "costs": [], "trend": []}
    for fig in (
        rf.attainment_bars(rf.slo_frame(empty)),
        rf.trend_lines(rf.trend_frame(empty), {}),
        rf.cost_bars(rf.cost_frame(empty)),
    ):
        assert fig.layout.annotations and not fig.data


def test_period_names_and_body() -> None:
    assert period_name(parse_period("2026-W48")) == "Week 48, 2026 (23 Nov - 29 Nov)"
    assert period_name(parse_period("2026-11")) == "November 2026"
    assert period_name(parse_period("2026-Q4")) == "Q4 2026"
    text = str(body(REPORT))
    assert "1 h 30 min" in text and "still firing" in text and "mismatch 3" in text
    assert (
        "99.100%" in text
        and "14.4\u00d7" in text
        and "total outage" in text
        and "target erp" in text
    )
