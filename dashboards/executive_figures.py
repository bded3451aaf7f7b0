"""The overview's figures for executives: sparklines that carry their
values, budget spent by cause and dimension, period-over-period words."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboards.figures import base_layout, empty
from dashboards.markup import plain
from metrics.slo.causes import CAUSES

__all__ = ["CAUSE_LABELS", "budget_by_cause", "cause_summary", "change", "value_sparkline"]

CAUSE_LABELS = {
    "partner": "partner (their API failed)",
    "architectural": "architectural (design, mapping)",
    "operational": "operational (running it)",
}
_CAUSE_COLORS = {"partner": "#4c78a8", "architectural": "#b279a2", "operational": "#f58518"}
_DIMENSIONS = ("system", "warehouse", "channel")


def value_sparkline(
    trend: pd.DataFrame, name: str, objective: float | None, *, none: str
) -> go.Figure:
    """One SLO's value over time with a value axis, the newest value written
    at its point, and the objective as a labelled dashed line."""
    rows = trend[trend["name"] == name].dropna(subset=["value"])
    if rows.empty:
        return empty(none, height=110)
    values = rows["value"] * 100
    fig = go.Figure(
        go.Scatter(
            x=rows["time"],
            y=values,
            mode="lines+markers+text",
            line={"color": "#4c78a8", "width": 2},
            marker={"size": 4},
            text=[""] * (len(rows) - 1) + [f"{values.iloc[-1]:.2f}%"],
            textposition="top left",
            textfont={"size": 11},
            hovertemplate="%{x|%b %d %H:%M} UTC: %{y:.2f}%<extra></extra>",
        )
    )
    if objective is not None:
        fig.add_hline(
            y=objective * 100,
            line={"dash": "dash", "color": "#6b7280", "width": 1},
            annotation_text=f"target {objective * 100:g}%",
            annotation_position="bottom right",
            annotation_font_size=10,
        )
    low = min(float(values.min()), (objective or 1.0) * 100)
    high = max(float(values.max()), (objective or 0.0) * 100)
    pad = max(0.05, (high - low) * 0.25)
    fig.update_layout(
        template="plotly_white",
        height=110,
        margin={"l": 44, "r": 6, "t": 14, "b": 22},
        showlegend=False,
        xaxis={"tickformat": "%H:%M", "nticks": 4, "tickfont": {"size": 10}},
        yaxis={
            "ticksuffix": "%",
            "nticks": 3,
            "tickfont": {"size": 10},
            "range": [low - pad, min(100.0 + pad / 4, high + pad)],
        },
    )
    return fig


def change(now: float | None, before: float | None, period: str) -> tuple[str, str]:
    """``(words, direction)`` comparing the value with the period before:
    direction is better, worse, same or none (higher is better)."""
    if now is None or before is None:
        return f"no value for the previous {period} to compare", "none"
    delta = (now - before) * 100
    if abs(delta) < 0.005:
        return f"= same as the previous {period} ({before * 100:.2f}%)", "same"
    arrow, word = ("\u25b2", "better") if delta > 0 else ("\u25bc", "worse")
    return (
        f"{arrow} {delta:+.2f} points, {word} than the previous {period} ({before * 100:.2f}%)",
        word,
    )


def cause_summary(frame: pd.DataFrame) -> list[tuple[str, int, float]]:
    """``(cause, bad events, share)`` over the system dimension (every bad
    event has a system, so each is counted once)."""
    systems = frame[frame["dimension"] == "system"] if not frame.empty else frame
    total = int(systems["count"].sum()) if not systems.empty else 0
    out: list[tuple[str, int, float]] = []
    for cause in CAUSES:
        n = int(systems[systems["cause"] == cause]["count"].sum()) if total else 0
        out.append((cause, n, n / total if total else 0.0))
    return out


def budget_by_cause(frame: pd.DataFrame) -> go.Figure:
    """Bad events stacked by cause, one panel per system, warehouse and channel."""
    if frame.empty:
        return empty("No budget spent in this window: nothing failed, nothing is late.")
    fig = make_subplots(
        rows=1,
        cols=3,
        subplot_titles=[f"by {d}" for d in _DIMENSIONS],
        horizontal_spacing=0.12,
    )
    for col, dimension in enumerate(_DIMENSIONS, start=1):
        part = frame[frame["dimension"] == dimension]
        values = sorted(part["value"].unique())
        for cause in CAUSES:
            rows = part[part["cause"] == cause].groupby("value")["count"].sum()
            counts = [int(rows.get(v, 0)) for v in values]
            if not any(counts):
                continue
            fig.add_bar(
                y=[plain(v) for v in values],
                x=counts,
                orientation="h",
                name=CAUSE_LABELS[cause],
                legendgroup=cause,
                showlegend=not any(t.legendgroup == cause for t in fig.data),
                marker_color=_CAUSE_COLORS[cause],
                text=[f"{c:,}" if c else "" for c in counts],
                textposition="inside",
                customdata=[[cause, dimension]] * len(values),
                hovertemplate="%{y}: %{x:,} bad events, " + cause + "<extra></extra>",
                row=1,
                col=col,
            )
    tallest = max(frame.groupby("dimension")["value"].nunique().max(), 1)
    return base_layout(fig, height=max(240, 40 * int(tallest) + 140), barmode="stack")
