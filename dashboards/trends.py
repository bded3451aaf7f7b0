"""The overview's last 13 months: each SLO's monthly attainment and the
monthly mismatch rate (``DashboardQueries.monthly``), as a frame and a figure.

A month is a calendar month in UTC; the current one ends now.  An SLO's
attainment in a month is its SLI's good ratio over the month (the SLIs of
``GET /api/v1/slis`` over that span: a month is longer than two days, so
they come from the per-minute rollups, raw rows only at its edges; exact
counts, ``metrics/slis/rollups.py``), shown against its objective; the mismatch rate is the month's mismatched keys over
the keys compared by the reconciliation runs in it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import plotly.graph_objects as go

from dashboards.markup import plain

__all__ = ["MONTHS", "month_bounds", "monthly_figure"]

MONTHS = 13
_NS = 1_000_000_000


def month_bounds(now_ns: int, months: int = MONTHS) -> list[tuple[str, int, int]]:
    """``(YYYY-MM, start_ns, end_ns)`` of the last ``months`` calendar months
    (UTC), oldest first; the current month ends at ``now_ns``."""
    now = datetime.fromtimestamp(now_ns / _NS, tz=UTC)
    year, month = now.year, now.month
    out: list[tuple[str, int, int]] = []
    end_ns = now_ns
    for _ in range(months):
        start = datetime(year, month, 1, tzinfo=UTC)
        start_ns = int(start.timestamp()) * _NS
        out.append((f"{year:04d}-{month:02d}", start_ns, end_ns))
        end_ns = start_ns
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def monthly_figure(frame: pd.DataFrame, objectives: dict[str, float]) -> go.Figure:
    """Lines of each SLO's monthly attainment (%, objective dashed) and the
    mismatch rate (%, right axis).  ``frame``: month, series, value, kind
    (``slo`` or ``mismatch``)."""
    fig = go.Figure()
    for name, rows in frame[frame["kind"] == "slo"].groupby("series", sort=True):
        fig.add_trace(
            go.Scatter(
                x=rows["month"],
                y=rows["value"] * 100,
                mode="lines+markers",
                name=plain(str(name)),
                connectgaps=False,
                hovertemplate="%{x}: %{y:.2f}%<extra>" + plain(str(name)) + "</extra>",
            )
        )
        if name in objectives:
            fig.add_hline(
                y=objectives[str(name)] * 100,
                line={"dash": "dash", "color": "#9ca3af", "width": 1},
            )
    mismatch = frame[frame["kind"] == "mismatch"]
    fig.add_trace(
        go.Bar(
            x=mismatch["month"],
            y=mismatch["value"] * 100,
            name="mismatch rate",
            yaxis="y2",
            opacity=0.35,
            marker={"color": "#e45756"},
            hovertemplate="%{x}: %{y:.2f}% of compared keys differ<extra></extra>",
        )
    )
    fig.update_layout(
        template="plotly_white",
        height=300,
        margin={"l": 40, "r": 40, "t": 10, "b": 30},
        legend={"orientation": "h", "y": -0.2},
        yaxis={"title": "SLO attainment %", "ticksuffix": "%"},
        yaxis2={
            "title": "mismatch rate %",
            "overlaying": "y",
            "side": "right",
            "ticksuffix": "%",
            "rangemode": "tozero",
            "showgrid": False,
        },
        xaxis={"type": "category"},
    )
    return fig
