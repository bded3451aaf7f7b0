"""The SLO history page's charts, and change markers on any time chart.

Pure builders: points of :func:`metrics.slo.history.history`, firing
intervals, annotations as frames (:mod:`dashboards.triage`) -> figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import html

from dashboards.components import attrs
from dashboards.figures import TIMES, base_layout, empty
from dashboards.frames import to_time
from dashboards.markup import plain

__all__ = [
    "MARKER_LABELS",
    "add_markers",
    "budget_history",
    "burn_history",
    "marker_list",
    "slo_trend",
]

_TIME = "%Y-%m-%d %H:%M UTC"

#: plain words of the annotation kinds
MARKER_LABELS = {
    "deploy": "deploy",
    "note": "note",
    "config_reload": "configuration",
    "slo_edit": "SLO edit",
}
_SEVERITY_FILL = {"page": "rgba(228, 87, 86, 0.18)", "ticket": "rgba(242, 177, 52, 0.22)"}
_LINE_COLORS = ("#4c78a8", "#f58518", "#54a24b", "#b279a2", "#9d755d", "#72b7b2", "#e45756")


def _shade(fig: go.Figure, intervals: Sequence[Mapping[str, Any]], step_ns: int) -> None:
    """Each firing interval as a shaded band, labelled with its severity (not by colour alone)."""
    for iv in intervals:
        start = to_time(int(iv["from_ns"]) - step_ns // 2)
        end = to_time(int(iv["to_ns"]) + step_ns // 2)
        fig.add_vrect(
            x0=start,
            x1=end,
            fillcolor=_SEVERITY_FILL.get(str(iv["severity"]), "rgba(0,0,0,0.1)"),
            line_width=0,
            layer="below",
            annotation_text=f"firing: {iv['severity']}",
            annotation_position="top left",
            annotation_font_size=11,
        )


def add_markers(fig: go.Figure, markers: pd.DataFrame, *, compact: bool = False) -> go.Figure:
    """Each annotation (``dashboards.triage.markers``) as a dotted vertical
    line with its kind and title; those recorded at one instant (synclens's
    own at a start) share one label, and labels step down so that
    neighbours do not print over each other.  ``compact`` (a sparkline, a
    month): a small mark at the top of the line instead, the words on hover
    (``hovertext``), every change of the group listed."""
    if markers.empty:
        return fig
    for i, (when, group) in enumerate(markers.groupby("time", sort=True)):
        labels = [
            f"{MARKER_LABELS.get(str(m['kind']), str(m['kind']))}: {plain(m['title'])}"
            for _, m in group.iterrows()
        ]
        fig.add_vline(x=when, line={"dash": "dot", "color": "#6b7280", "width": 1})
        if compact:
            fig.add_annotation(
                x=when,
                y=1,
                yref="paper",
                text="\u25bc",
                hovertext="<br>".join(labels[:12])
                + (f"<br>(+{len(labels) - 12} more)" if len(labels) > 12 else ""),
                showarrow=False,
                yanchor="bottom",
                font={"size": 8, "color": "#374151"},
            )
            continue
        text = labels[0] + (f" (+{len(labels) - 1} more)" if len(labels) > 1 else "")
        fig.add_annotation(
            x=when,
            y=1 - 0.3 * (i % 3),
            yref="paper",
            text=text,
            showarrow=False,
            textangle=-90,
            xanchor="right",
            yanchor="top",
            font={"size": 10, "color": "#374151"},
            bgcolor="rgba(255,255,255,0.7)",
        )
    return fig


def slo_trend(trend: pd.DataFrame, titles: Mapping[str, str], markers: pd.DataFrame) -> go.Figure:
    """Each SLO's share of good events in steps across the window (``trend``:
    :func:`dashboards.frames.trend_frame`), what changed marked on it."""
    rows = trend.dropna(subset=["value"]) if not trend.empty else trend
    if rows.empty:
        return empty("No traffic in this window: no SLO to draw over time.")
    fig = go.Figure()
    for i, (name, part) in enumerate(rows.groupby("name", sort=True)):
        title = plain(titles.get(str(name), str(name)))
        fig.add_scatter(
            x=part["time"],
            y=part["value"] * 100,
            mode="lines+markers",
            name=title,
            line={"color": _LINE_COLORS[i % len(_LINE_COLORS)], "width": 2},
            marker={"size": 4},
            hovertemplate=f"%{{x|%H:%M}} UTC: {title} %{{y:.2f}}% good<extra></extra>",
        )
    add_markers(fig, markers)
    return base_layout(
        fig,
        height=320,
        yaxis={"title": {"text": "% good"}, "ticksuffix": "%"},
        xaxis={"title": {"text": "time (UTC)"}},
    )


def _step(points: Sequence[Mapping[str, Any]]) -> int:
    return int(points[1]["at_ns"]) - int(points[0]["at_ns"]) if len(points) > 1 else 0


def burn_history(
    points: Sequence[Mapping[str, Any]],
    alerts: Sequence[Mapping[str, Any]],
    intervals: Sequence[Mapping[str, Any]],
    markers: pd.DataFrame,
) -> go.Figure:
    """Burn rate over time per alert window (``alerts``: the SLO's alert pairs,
    for the windows and thresholds), each threshold a labelled dashed line."""
    if not points:
        return empty("No history yet.")
    times = to_time([int(p["at_ns"]) for p in points])
    fig = go.Figure()
    windows = list(dict.fromkeys(str(a["long_window"]) for a in alerts))
    for i, window in enumerate(windows):
        values = [p["burn_rates"].get(window) for p in points]
        fig.add_scatter(
            x=times,
            y=values,
            mode="lines+markers",
            name=f"{window} burn rate",
            line={"color": _LINE_COLORS[i % len(_LINE_COLORS)], "width": 2},
            marker={"size": 4},
            connectgaps=False,
            hovertemplate=f"%{{x|%H:%M}} UTC: {window} burn rate %{{y:.2f}}{TIMES}<extra></extra>",
        )
    for i, alert in enumerate(sorted(alerts, key=lambda a: -float(a["factor"]))):
        factor = float(alert["factor"])
        fig.add_hline(  # labels alternate sides: close thresholds stay readable
            y=factor,
            line={"dash": "dash", "color": "#111827", "width": 1},
            annotation_text=f"{alert['severity']} above {factor:g}{TIMES} "
            f"({alert['long_window']} and {alert['short_window']})",
            annotation_position="top right" if i % 2 == 0 else "top left",
            annotation_font_size=11,
        )
    _shade(fig, intervals, _step(points))
    add_markers(fig, markers)
    return base_layout(
        fig,
        height=340,
        yaxis={"title": {"text": f"{TIMES} budget pace"}, "rangemode": "tozero"},
        xaxis={"title": {"text": "time (UTC)"}},
    )


def budget_history(
    points: Sequence[Mapping[str, Any]],
    intervals: Sequence[Mapping[str, Any]],
    markers: pd.DataFrame,
    window: str,
) -> go.Figure:
    """Error budget remaining over the SLO's own window, at each instant."""
    rows = [p for p in points if p["error_budget_remaining"] is not None]
    if not rows:
        return empty("Not enough traffic to measure the error budget.")
    fig = go.Figure(
        go.Scatter(
            x=to_time([int(p["at_ns"]) for p in rows]),
            y=[100 * float(p["error_budget_remaining"]) for p in rows],
            mode="lines+markers",
            name=f"budget left ({window})",
            line={"color": "#4c78a8", "width": 2},
            marker={"size": 4},
            hovertemplate="%{x|%H:%M} UTC: %{y:.1f}% of the budget left<extra></extra>",
        )
    )
    fig.add_hline(y=0, line={"color": "#e45756", "width": 1}, annotation_text="budget used up")
    _shade(fig, intervals, _step(points))
    add_markers(fig, markers)
    return base_layout(
        fig,
        height=300,
        yaxis={"title": {"text": f"% of the {window} budget left"}, "ticksuffix": "%"},
        xaxis={"title": {"text": "time (UTC)"}},
    )


def marker_list(markers: pd.DataFrame) -> Any:
    """The change markers as a list (the charts' text alternative)."""
    if markers.empty:
        return html.P("No deploy, reload or SLO edit in this window.", className="empty-note")
    return html.Ul(
        [
            html.Li(
                f"{m['time'].strftime(_TIME)} · "
                f"{MARKER_LABELS.get(m['kind'], m['kind'])}: {m['title']}"
                + (f" ({m['system']})" if m["system"] else "")
                + f" · by {m['by']}",
                **attrs(marker=m["kind"]),
            )
            for _, m in markers.iterrows()
        ],
        className="markers",
    )
