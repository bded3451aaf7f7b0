"""The overview's and on-call page's figures show names from the data
(warehouses, channels, targets, failure classes, SLO titles) as text:
Plotly draws a subset of HTML in tick labels, hover text, legends, subplot
titles and annotations, so a hostile name must arrive escaped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboards import figures, frames, triage_figures
from dashboards.markup import plain, unplain

LINK = '<a href="https://attacker.example/">DC-9</a>'
BOLD = '<b style="font-size:60px">erp</b>'
IMG = "<img src=x onerror=alert(1)>"
HOSTILE = (LINK, BOLD, IMG)


def _strings(node: Any) -> Iterator[str]:
    """Every string Plotly may draw (``customdata`` is drawn only through a
    hover template, and carries the raw value a click hands back)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key != "customdata":
                yield from _strings(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _strings(value)


def _assert_text_only(fig: go.Figure, *expected: str) -> None:
    shown = list(_strings(fig.to_plotly_json()))
    for bad in HOSTILE:
        assert not any(bad in s for s in shown), (bad, [s for s in shown if bad in s])
    for name in expected:  # ... and each is there, escaped
        assert any(plain(name) in s for s in shown), name


def test_hostile_names_are_escaped_in_every_overview_and_oncall_figure() -> None:
    heat = figures.mismatch_heatmap(
        frames.mismatch_frame([(LINK, IMG, "mismatch", 2), (LINK, IMG, "match", 8)])
    )
    _assert_text_only(heat, LINK, IMG)
    assert unplain(heat.data[0].y[0]) == LINK  # a click on the cell names the warehouse

    groups = {
        BOLD: {
            "latency": {"p50_s": 2.0, "p95_s": 30.0, "p99_s": 100.0, "total": 10},
            "api_failure": {"failed": 1, "total": 20, "ratio": 0.05},
            "undelivered": 2,
            "dead_lettered": 1,
        }
    }
    targets = frames.target_frame(groups)
    _assert_text_only(figures.latency_by_target(targets), BOLD)
    _assert_text_only(figures.undelivered_by_target(targets), BOLD)
    _assert_text_only(figures.failing_targets(targets), BOLD)
    failures = pd.DataFrame([(BOLD, IMG, 1)], columns=["target", "error_type", "failed"])
    split = figures.failing_targets(targets, failures)
    _assert_text_only(split, BOLD, IMG)
    assert {a.y for a in split.layout.annotations} == {plain(BOLD)}  # beside its bar

    backlog = frames.backlog_frame([(LINK, 0)], now_ns=10**18)
    _assert_text_only(figures.backlog_bars(backlog), LINK)

    slo = {
        "name": "sync-latency",
        "display_name": LINK,
        "alerts": [
            {
                "severity": IMG,
                "long_window": "1h",
                "short_window": "5m",
                "factor": 14.4,
                "long_burn_rate": 20.0,
                "short_burn_rate": 15.0,
                "firing": True,
            }
        ],
    }
    _assert_text_only(figures.burn_rates(frames.burn_frame([slo])), LINK, IMG)


def test_hostile_titles_are_escaped_on_the_time_charts_and_their_markers() -> None:
    times = frames.to_time([10**18, 10**18 + 60 * 10**9])
    trend = pd.DataFrame({"time": times, "name": ["fp", "fp"], "value": [0.99, 0.98]})
    markers = pd.DataFrame(
        {"time": times[:1], "kind": ["deploy"], "title": [IMG], "system": [""], "by": ["x"]}
    )
    _assert_text_only(triage_figures.slo_trend(trend, {"fp": LINK}, markers), LINK, IMG)
    compact = triage_figures.add_markers(
        go.Figure(go.Scatter(x=times, y=[1, 2])), markers, compact=True
    )
    _assert_text_only(compact, IMG)
    assert [a.hovertext for a in compact.layout.annotations] == [f"deploy: {plain(IMG)}"]
