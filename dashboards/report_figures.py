"""The report page's frames and figures: pure functions of the report that
``GET /api/v1/report`` answers (:func:`metrics.report.period_report`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboards.figures import base_layout, empty

__all__ = ["attainment_bars", "cost_bars", "cost_frame", "slo_frame", "trend_frame", "trend_lines"]

_MET = {"met": "#54a24b", "missed": "#e45756", "no_data": "#bab0ac"}
_LINE_COLORS = ["#4c78a8", "#f58518", "#72b7b2", "#b279a2", "#9d755d", "#e45756"]


def slo_frame(report: Mapping[str, Any]) -> pd.DataFrame:
    """One row per SLO measured over the period (not the instant ones)."""
    rows = [
        {
            "name": r["name"],
            "title": r["display_name"] or r["name"],
            "objective": r["objective"],
            "attainment": r["attainment"],
            "budget_spent": r["budget_spent"],
            "status": r["status"],
        }
        for r in report.get("slos", ())
        if r["status"] != "not_historical"
    ]
    return pd.DataFrame(
        rows, columns=["name", "title", "objective", "attainment", "budget_spent", "status"]
    )


def trend_frame(report: Mapping[str, Any]) -> pd.DataFrame:
    titles = {r["name"]: r["display_name"] or r["name"] for r in report.get("slos", ())}
    rows = [{**t, "title": titles.get(t["slo"], t["slo"])} for t in report.get("trend", ())]
    return pd.DataFrame(rows, columns=["week", "slo", "title", "attainment", "change"])


def cost_frame(report: Mapping[str, Any]) -> pd.DataFrame:
    titles = {r["name"]: r["display_name"] or r["name"] for r in report.get("slos", ())}
    rows = [
        {**c, "label": f"{c['dimension']} {c['value']}", "title": titles.get(c["slo"], c["slo"])}
        for c in report.get("costs", ())
    ]
    return pd.DataFrame(
        rows, columns=["slo", "title", "dimension", "value", "label", "bad", "budget_spent"]
    )


def attainment_bars(df: pd.DataFrame) -> go.Figure:
    """Each SLO's attainment over the period, its objective as a marker."""
    measured = df.dropna(subset=["attainment"])
    if measured.empty:
        return empty("no traffic in this period")
    fig = go.Figure(
        [
            go.Bar(
                name="attained",
                x=measured["title"],
                y=measured["attainment"] * 100,
                marker_color=[_MET.get(s, "#4c78a8") for s in measured["status"]],
                customdata=measured[["name"]].to_numpy(),
                hovertemplate="%{x}: %{y:.3f}%<extra></extra>",
            ),
            go.Scatter(
                name="objective",
                x=measured["title"],
                y=measured["objective"] * 100,
                mode="markers",
                marker={"symbol": "line-ew-open", "size": 40, "color": "#1f2933"},
                hovertemplate="objective %{y:.2f}%<extra></extra>",
            ),
        ]
    )
    low = min(float(measured["attainment"].min()), float(measured["objective"].min())) * 100
    return base_layout(fig, yaxis={"title": "% good", "range": [max(0.0, low - 1), 100.2]})


def trend_lines(df: pd.DataFrame, objectives: Mapping[str, float]) -> go.Figure:
    """Attainment week by week, one line per SLO, objectives dashed."""
    points = df.dropna(subset=["attainment"])
    if points.empty:
        return empty("no traffic in these weeks")
    fig = go.Figure()
    for i, (slo, rows) in enumerate(points.groupby("slo", sort=False)):
        color = _LINE_COLORS[i % len(_LINE_COLORS)]
        fig.add_trace(
            go.Scatter(
                name=str(rows["title"].iloc[0]),
                x=rows["week"],
                y=rows["attainment"] * 100,
                mode="lines+markers",
                line={"color": color, "width": 2},
                hovertemplate="%{x}: %{y:.3f}%<extra></extra>",
            )
        )
        if slo in objectives:
            fig.add_hline(
                y=objectives[str(slo)] * 100, line={"dash": "dash", "color": color, "width": 1}
            )
    return base_layout(fig, yaxis={"title": "% good"}, xaxis={"type": "category"})


def cost_bars(df: pd.DataFrame) -> go.Figure:
    """The targets and warehouses that spent most error budget, per SLO."""
    if df.empty:
        return empty("no error budget spent in this period")
    fig = go.Figure()
    for slo, rows in df.groupby("slo", sort=False):
        ordered = rows.sort_values("budget_spent")
        fig.add_trace(
            go.Bar(
                name=str(ordered["title"].iloc[0]),
                orientation="h",
                x=ordered["budget_spent"] * 100,
                y=ordered["label"],
                customdata=ordered[["bad"]].to_numpy(),
                meta=str(slo),
                hovertemplate="%{y}: %{x:.1f}% of the budget (%{customdata[0]:,} bad)"
                "<extra></extra>",
            )
        )
    height = max(260, 30 * len(df) + 80)
    return base_layout(
        fig, height=height, barmode="group", xaxis={"title": "% of the period's error budget"}
    )
