"""The pure parts of the dashboards: frame shaping and figure builders."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from collector.timefmt import NS_PER_S as NS
from dashboards import figures, frames, lineage_figures, lineage_frames
from dashboards.pages.oncall import ingest_rates

T0 = 1_795_000_000 * NS


def _is_empty(fig: Any, words: str) -> bool:
    layout = fig.layout
    texts = [a.text for a in layout.annotations]
    return not fig.data and layout.xaxis.visible is False and any(words in t for t in texts)


# -- empty data says so ------------------------------------------------------------


@pytest.mark.parametrize(
    ("builder", "frame", "words"),
    [
        (figures.mismatch_heatmap, frames.mismatch_frame([]), "No reconciliation"),
        (figures.backlog_bars, frames.backlog_frame([], now_ns=T0), "No open problems"),
        (figures.latency_by_target, frames.target_frame({}), "No updates"),
        (figures.burn_rates, frames.burn_frame([]), "No SLOs"),
        (figures.failing_targets, frames.target_frame({}), "No delivery attempts"),
        (figures.undelivered_by_target, frames.target_frame({}), "Nothing undelivered"),
        (lineage_figures.trace_waterfall, lineage_frames.trace_frame(None), "No spans"),
        (
            lineage_figures.swimlane,
            lineage_frames.lineage_frames({"events": [], "orphan_attempts": []}),
            "No events",
        ),
    ],
)
def test_empty_frames_give_a_sentence_not_axes(builder: Any, frame: Any, words: str) -> None:
    assert _is_empty(builder(frame), words)


# -- overview ---------------------------------------------------------------------


def test_mismatch_frame_sums_systems_per_warehouse_and_channel() -> None:
    df = frames.mismatch_frame(
        [
            ("DC-EAST", "", "match", 8),
            ("DC-EAST", "", "mismatch", 2),
            ("DC-EAST", "", "transient", 0),
            ("DC-EAST", "", "match", 10),
            ("DC-WEST", "web", "match", 5),
        ]
    )
    east = df[df["warehouse"] == "DC-EAST"].iloc[0]
    assert (east["channel"], east["compared"], east["mismatched"]) == ("all channels", 20, 2)
    assert east["rate"] == pytest.approx(0.1)
    fig = figures.mismatch_heatmap(df)
    heat = fig.data[0]
    assert list(heat.y) == ["DC-EAST", "DC-WEST"]
    assert list(heat.x) == ["all channels", "web"]
    assert heat.z[0][0] == pytest.approx(10.0)
    assert heat.z[1][0] is None  # DC-WEST has no "all channels" cell
    assert "2 of 20" in heat.text[0][0]


def test_backlog_frame_buckets_ages_youngest_first() -> None:
    opened = [
        ("undelivered", T0 - 10 * NS),
        ("undelivered", T0 - 2 * 3600 * NS),
        ("mismatch", T0 - 30 * 3600 * NS),
    ]
    df = frames.backlog_frame(opened, now_ns=T0)
    assert list(df["bucket"]) == ["lt_1h", "1h_4h", "gt_24h"]
    assert df["count"].sum() == 3
    fig = figures.backlog_bars(df)
    assert {t.name for t in fig.data} == {"not delivered", "stock mismatch"}
    assert {t.customdata[0] for t in fig.data} == {"undelivered", "mismatch"}  # for the drill-down
    assert fig.layout.barmode == "stack"


def _groups() -> dict[str, Any]:
    return {
        "erp": {
            "latency": {"p50_s": 2.0, "p95_s": 30.0, "p99_s": 100.0, "total": 10},
            "api_failure": {"failed": 1, "total": 20, "ratio": 0.05},
            "undelivered": 2,
            "dead_lettered": 1,
            "double_applies": 0,
            "replays": 3,
        },
        "wms": {
            "latency": {"p50_s": None, "p95_s": None, "p99_s": None, "total": 0},
            "api_failure": {"failed": 0, "total": 0, "ratio": None},
            "undelivered": 0,
            "dead_lettered": 0,
        },
    }


def test_latency_by_target_draws_three_percentiles_of_targets_with_data() -> None:
    df = frames.target_frame(_groups())
    fig = figures.latency_by_target(df)
    assert [t.name for t in fig.data] == ["half of updates within", "95% within", "99% within"]
    assert list(fig.data[2].x) == ["erp"] and list(fig.data[2].y) == [100.0]
    assert fig.data[2].text[0] == "1.7 min"


def test_failing_targets_and_undelivered() -> None:
    df = frames.target_frame(_groups())
    fig = figures.failing_targets(df)
    assert list(fig.data[0].y) == ["erp"]  # wms made no attempt
    assert fig.data[0].x[0] == pytest.approx(5.0)
    assert fig.data[0].text[0] == "1 of 20 calls failed"
    und = figures.undelivered_by_target(df)
    assert [list(t.y) for t in und.data] == [[2, 0], [1, 0]]


def _evaluated() -> list[dict[str, Any]]:
    return [
        {
            "name": "sync-latency",
            "display_name": "Sync latency",
            "description": "d",
            "sli": "latency",
            "objective": 0.99,
            "window": "28d",
            "status": "page",
            "error_budget_remaining": -2.5,
            "alerts": [
                {
                    "severity": "page",
                    "long_window": "1h",
                    "short_window": "5m",
                    "factor": 13.44,
                    "long_burn_rate": 20.0,
                    "short_burn_rate": 15.0,
                    "firing": True,
                },
                {
                    "severity": "ticket",
                    "long_window": "3d",
                    "short_window": "6h",
                    "factor": 1.0,
                    "long_burn_rate": None,
                    "short_burn_rate": None,
                    "firing": False,
                },
            ],
        }
    ]


def test_slo_frame_values_over_the_picked_window() -> None:
    slis = {"latency": {"good": 95, "total": 100}}
    df = frames.slo_frame(_evaluated(), slis)
    row = df.iloc[0]
    assert row["value"] == pytest.approx(0.95)
    assert (row["good"], row["total"], row["budget_remaining"]) == (95, 100, -2.5)
    no_data = frames.slo_frame(_evaluated(), {})
    assert no_data.iloc[0]["value"] is None


def test_trend_and_sparkline() -> None:
    points = [
        (T0, {"latency": {"good": 9, "total": 10}}),
        (T0 + 60 * NS, {"latency": {"good": 0, "total": 0}}),
    ]
    trend = frames.trend_frame(points, _evaluated())
    assert trend["value"].iloc[0] == pytest.approx(0.9)
    assert pd.isna(list(trend["value"])[1])
    fig = figures.trend_sparkline(trend, "sync-latency", 0.99)
    assert list(fig.data[0].y) == [pytest.approx(90.0)]
    assert _is_empty(figures.trend_sparkline(trend, "other", 0.99), "no traffic")


def test_burn_rates_without_any_traffic_say_so() -> None:
    df = frames.burn_frame(_evaluated())
    df["long_burn_rate"] = None
    df["short_burn_rate"] = None
    assert _is_empty(figures.burn_rates(df), "No traffic yet")


def test_burn_rates_mark_firing_pairs_and_thresholds() -> None:
    df = frames.burn_frame(_evaluated())
    assert list(df["windows"]) == ["1h / 5m", "3d / 6h"]
    fig = figures.burn_rates(df)
    long_bars = fig.data[0]
    assert list(long_bars.y) == [20.0, 0.0]
    assert list(long_bars.text) == ["20.0\u00d7", "no data"]
    assert long_bars.marker.color[0] == "#e45756"  # firing
    threshold = fig.data[2]
    assert list(threshold.y) == [13.44, 1.0]


# -- exceptions -------------------------------------------------------------------


def test_exceptions_and_audit_frames() -> None:
    rows = [
        {
            "id": 7,
            "kind": "undelivered",
            "status": "open",
            "severity": "critical",
            "warehouse": "DC-EAST",
            "target": "erp",
            "sku": "A",
            "location": "DC-EAST/1",
            "opened_at_ns": T0 - 3 * 3600 * NS,
            "owner_team": "ops",
            "reason": "late",
        }
    ]
    df = frames.exceptions_frame(rows, now_ns=T0)
    assert df.iloc[0]["age_h"] == 3.0 and list(df.columns) == list(frames.EXCEPTION_COLUMNS)
    audit = frames.audit_frame(
        [
            {
                "at_ns": T0,
                "action": "auto_resolved",
                "from_status": "open",
                "to_status": "resolved",
                "by": "synclens",
                "note": "condition cleared",
            }
        ]
    )
    assert audit.iloc[0]["action"] == "auto resolved"
    assert audit.iloc[0]["when"].endswith("UTC")


# -- lineage ----------------------------------------------------------------------


def _attempt(n: int, outcome: str, **kw: Any) -> dict[str, Any]:
    base = {
        "attempt": n,
        "replay": False,
        "outcome": outcome,
        "dead_lettered": False,
        "duplicate": False,
        "error_type": None,
        "http_status": None,
        "start": "2026-11-20T08:15:03.000000000Z",
        "end": "2026-11-20T08:15:04.000000000Z",
        "trace_id": "ab" * 16,
        "span_id": f"{n:016x}",
    }
    return {**base, **kw}


def _lineage() -> dict[str, Any]:
    return {
        "truncated": False,
        "events": [
            {
                "source": "wms/dc-west",
                "id": "adj-1",
                "type": "inventory.adjusted",
                "time": "2026-11-20T08:15:02.000000000Z",
                "system": "wms",
                "sku": "A",
                "location": "DC-WEST/1",
                "quantity": -6.0,
                "stock_status": "on_hand",
                "order_id": "O-1",
                "targets": [
                    {
                        "target": "erp",
                        "double_apply": True,
                        "attempts": [
                            _attempt(1, "failure", error_type="timeout"),
                            _attempt(2, "success"),
                            _attempt(3, "success"),
                            _attempt(4, "success", duplicate=True),
                        ],
                    },
                    {
                        "target": "commerce",
                        "attempts": [
                            _attempt(1, "failure", dead_lettered=True),
                            _attempt(1, "success", replay=True),
                        ],
                    },
                ],
            }
        ],
        "orphan_attempts": [
            {
                "event_source": "wms/dc-west",
                "event_id": "adj-9",
                "targets": [{"target": "erp", "attempts": [_attempt(1, "success")]}],
            }
        ],
    }


def test_lineage_frames_mark_every_kind_of_attempt() -> None:
    snaps = [
        {
            "system": "erp",
            "instance": "s4",
            "taken_ns": T0,
            "location": "DC-WEST/1",
            "stock_status": "on_hand",
            "quantity": 40.0,
        },
        {
            "system": "erp",
            "instance": "s4",
            "taken_ns": T0,
            "location": "DC-WEST/1",
            "stock_status": "allocated",
            "quantity": 3.0,
        },
    ]
    exc = [
        {"id": 3, "kind": "double_apply", "status": "open", "opened_at_ns": T0, "reason": "twice"}
    ]
    f = lineage_frames.lineage_frames(_lineage(), snaps, exc)
    assert list(f.attempts["mark"]) == [
        "failed",
        "retry applied",
        "double apply",
        "duplicate (ignored)",
        "dead letter",
        "replay applied",
        "applied",
    ]
    assert f.events.iloc[0]["lane"] == "wms"
    assert list(f.snapshots["quantity"]) == [40.0]  # on hand shown, the rest in the hover
    assert "3 allocated" in f.snapshots.iloc[0]["label"]
    # snapshots sit in one sub-lane per system instance
    assert f.lanes() == ["erp", "erp \u00b7 s4", "wms", "commerce"]
    fig = lineage_figures.swimlane(f)
    names = [t.name for t in fig.data]
    assert "event at its source" in names and "exception opened" in names
    applied = next(t for t in fig.data if t.name == "double apply")
    assert applied.customdata[0] == ["ab" * 16, f"{3:016x}"]
    assert list(fig.layout.yaxis.categoryarray) == [
        "exceptions",
        "commerce",
        "wms",
        "erp \u00b7 s4",
        "erp",
    ]


def test_attempt_mark_precedence() -> None:
    assert (
        lineage_frames.attempt_mark(
            {"dead_lettered": True, "outcome": "failure"}, extra_apply=False
        )
        == "dead letter"
    )
    assert (
        lineage_frames.attempt_mark({"outcome": "success", "replay": True}, extra_apply=True)
        == "double apply"
    )
    assert (
        lineage_frames.attempt_mark({"outcome": "success", "attempt": 1}, extra_apply=False)
        == "applied"
    )


def test_trace_frame_walks_tree_then_linked_traces() -> None:
    def span(
        sid: str, name: str, start: int, children: list[Any] = (), **kw: Any
    ) -> dict[str, Any]:  # type: ignore[assignment]
        return {
            "span_id": sid,
            "name": name,
            "service_name": "mw",
            "start_ns": start,
            "end_ns": start + NS,
            "duration_s": 1.0,
            "status_code": kw.get("status", 1),
            "attributes": {"sync.target": "erp", "other": 1},
            "children": list(children),
        }

    view = {
        "trace_id": "t1",
        "roots": [span("a", "consume", T0, [span("b", "POST erp", T0 + NS, status=2)])],
        "linked_traces": [{"trace_id": "t0", "roots": [span("p", "publish", T0 - NS)]}],
    }
    df = lineage_frames.trace_frame(view)
    assert list(df["name"]) == ["consume", "POST erp", "publish"]
    assert list(df["depth"]) == [0, 1, 0]
    assert list(df["linked"]) == [False, False, True]
    assert "sync.target = erp" in df.iloc[0]["detail"] and "other" not in df.iloc[0]["detail"]
    fig = lineage_figures.trace_waterfall(df)
    bars = fig.data[0]
    assert list(bars.base) == [1.0, 2.0, 0.0]  # seconds since the earliest span
    assert bars.marker.color[1] == "#e45756"  # the failed call
    assert fig.layout.yaxis.ticktext[2].startswith("↪ linked")


def test_ingest_rates_need_two_samples() -> None:
    assert ingest_rates(None, {"events": 10.0}, T0) == {"events": None}
    prev = {"at_ns": T0, "counts": {"events": 10.0}}
    assert ingest_rates(prev, {"events": 40.0}, T0 + 15 * NS) == {"events": 2.0}


def test_failing_targets_split_by_failure_class() -> None:
    targets = frames.target_frame(
        {
            "erp": {"api_failure": {"failed": 3, "total": 10, "ratio": 0.3}},
            "wms": {"api_failure": {"failed": 0, "total": 5, "ratio": 0.0}},
        }
    )
    failures = pd.DataFrame(
        [("erp", "timeout", 2), ("erp", "429", 1)], columns=["target", "error_type", "failed"]
    )
    fig = figures.failing_targets(targets, failures)
    bars = {bar.name: bar for bar in fig.data}
    assert set(bars) == {"timeout", "429"}
    erp = list(bars["timeout"].y).index("erp")
    assert bars["timeout"].x[erp] == 20.0 and bars["429"].x[erp] == 10.0
    counts = [c[0] for c in bars["timeout"].customdata]
    assert counts == [0, 2] or counts == [2, 0]
    # each bar carries its failure class: a click drills down to those attempts
    assert {c[1] for c in bars["timeout"].customdata} == {"timeout"}
    assert any("3 of 10 calls failed" in a.text for a in fig.layout.annotations)
    plain = figures.failing_targets(targets)
    assert [bar.name for bar in plain.data] == ["failed"]


def test_mismatch_heatmap_has_a_system_axis_and_a_scale_anchored_to_the_objective() -> None:
    df = frames.mismatch_frame(
        [
            ("wms", "DC-EAST", "", "match", 996),
            ("wms", "DC-EAST", "", "mismatch", 4),  # 0.4%: within a 99.5% objective
            ("commerce", "DC-EAST", "web", "match", 98),
            ("commerce", "DC-EAST", "web", "mismatch", 2),  # 2%: breaks it
        ]
    )
    heat = figures.mismatch_heatmap(df, objective=0.995).data[0]
    assert list(heat.x) == ["commerce \u00b7 web", "wms"]
    assert heat.z[0] == pytest.approx([2.0, 0.4])
    # green up to the error budget (0.5%), red above: 0.4% is no longer solid red
    assert heat.zmin == 0 and heat.zmax == pytest.approx(2.0)
    turn = [stop for stop, _ in heat.colorscale]
    assert any(stop == pytest.approx(0.5 / 2.0) for stop in turn)
    assert "objective 0.5%" in heat.colorbar.ticktext
