"""Pure figure builders: a data frame in, a Plotly figure out.

No I/O and no clock: each builder is unit-tested with hand-made frames.  A
frame with nothing to draw gives :func:`empty`, a figure that says so in
words instead of drawing empty axes.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboards.markup import plain, plain_all

__all__ = [
    "KIND_LABELS",
    "TIMES",
    "backlog_bars",
    "base_layout",
    "burn_rates",
    "empty",
    "failing_targets",
    "latency_by_target",
    "mismatch_heatmap",
    "trend_sparkline",
    "undelivered_by_target",
]

#: exception kinds in plain words
KIND_LABELS: dict[str, str] = {
    "mismatch": "stock mismatch",
    "undelivered": "not delivered",
    "dead_lettered": "dead letter",
    "double_apply": "applied twice",
    "out_of_sequence": "applied out of order",
    "sequence_gap": "missing event",
    "ownership_violation": "wrong system of record",
}
_KIND_COLORS = {
    "mismatch": "#e45756",
    "undelivered": "#f58518",
    "dead_lettered": "#b279a2",
    "double_apply": "#9d755d",
    "out_of_sequence": "#72b7b2",
    "sequence_gap": "#4c78a8",
    "ownership_violation": "#bab0ac",
}
TIMES = "\u00d7"  # the multiplication sign of "14.4x budget pace"
_FONT = {"family": "Inter, Segoe UI, Helvetica, Arial, sans-serif", "size": 13, "color": "#1f2933"}
_MARGIN = {"l": 60, "r": 20, "t": 30, "b": 50}


def base_layout(fig: go.Figure, *, height: int = 320, **layout: Any) -> go.Figure:
    params: dict[str, Any] = {
        "template": "plotly_white",
        "font": _FONT,
        "height": height,
        "margin": _MARGIN,
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
    }
    fig.update_layout(**{**params, **layout})
    return fig


def empty(message: str, *, height: int = 220) -> go.Figure:
    """A figure with no axes that says ``message``."""
    fig = go.Figure()
    fig.update_layout(
        template="plotly_white",
        font=_FONT,
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[
            {
                "text": message,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"size": 15, "color": "#6b7280"},
            }
        ],
    )
    return fig


def trend_sparkline(
    trend: pd.DataFrame,
    name: str,
    objective: float | None,
    *,
    none: str = "no traffic in this window",
) -> go.Figure:
    """One SLO's value over time, with its objective as a dashed line (``none``:
    what to say when there is no point to draw)."""
    rows = trend[trend["name"] == name].dropna(subset=["value"])
    if rows.empty:
        return empty(none, height=90)
    fig = go.Figure(
        go.Scatter(
            x=rows["time"],
            y=rows["value"] * 100,
            mode="lines+markers",
            line={"color": "#4c78a8", "width": 2},
            marker={"size": 4},
            hovertemplate="%{x|%b %d %H:%M} UTC: %{y:.2f}%<extra></extra>",
        )
    )
    if objective is not None:
        fig.add_hline(y=objective * 100, line={"dash": "dash", "color": "#9ca3af", "width": 1})
    fig.update_layout(
        template="plotly_white",
        height=90,
        margin={"l": 0, "r": 0, "t": 4, "b": 0},
        showlegend=False,
        xaxis={"visible": False},
        yaxis={"visible": False},
    )
    return fig


def _column(system: str, channel: str) -> str:
    if not system:
        return channel
    return system if channel == "all channels" else f"{system} \u00b7 {channel}"


def _anchored_scale(budget_pct: float | None, top: float) -> dict[str, Any]:
    """A colour scale where the SLO's error budget (``budget_pct``, in %) is the
    turn from green to red: at or under it a cell is within the objective."""
    if budget_pct is None or budget_pct <= 0:
        return {"colorscale": [[0, "#f0f9e8"], [0.3, "#fdd49e"], [1, "#d7301f"]], "zmin": 0}
    zmax = max(2 * budget_pct, top)
    turn = budget_pct / zmax
    return {
        "colorscale": [
            [0, "#edf8e9"],
            [turn, "#a1d99b"],
            [min(1.0, turn + 1e-6), "#fdd49e"],
            [1, "#d7301f"],
        ],
        "zmin": 0,
        "zmax": zmax,
        "colorbar": {
            "title": {"text": "% mismatched"},
            "ticksuffix": "%",
            "tickvals": [budget_pct, zmax],
            "ticktext": [f"objective {budget_pct:.2g}%", f"{zmax:.2g}%"],
        },
    }


def mismatch_heatmap(df: pd.DataFrame, objective: float | None = None) -> go.Figure:
    """Share of compared stock records that disagree, by warehouse and system
    (and channel); with the mismatch SLO's ``objective``, the colours turn
    from green to red at its error budget, so a cell within it is green."""
    if df.empty:
        return empty("No reconciliation has run yet: nothing compared.")
    systems = df["system"] if "system" in df else pd.Series([""] * len(df), index=df.index)
    df = df.assign(column=[_column(s, c) for s, c in zip(systems, df["channel"], strict=True)])
    warehouses = sorted(df["warehouse"].unique())
    columns = sorted(df["column"].unique())
    z, text, custom = [], [], []
    for w in warehouses:
        zr: list[float | None] = []
        tr: list[str] = []
        cr: list[list[int]] = []
        for c in columns:
            cell = df[(df["warehouse"] == w) & (df["column"] == c)]
            if cell.empty or cell["rate"].iloc[0] is None or pd.isna(cell["rate"].iloc[0]):
                zr.append(None)
                tr.append("")
                cr.append([0, 0])
            else:
                r = cell.iloc[0]
                zr.append(float(r["rate"]) * 100)
                tr.append(f"{r['rate'] * 100:.1f}%<br>{r['mismatched']} of {r['compared']}")
                cr.append([int(r["mismatched"]), int(r["compared"])])
        z.append(zr)
        text.append(tr)
        custom.append(cr)
    budget = None if objective is None else (1 - objective) * 100
    top = max((v for row in z for v in row if v is not None), default=0.0)
    scale: dict[str, Any] = {
        "colorbar": {"title": {"text": "% mismatched"}, "ticksuffix": "%"},
        **_anchored_scale(budget, top),
    }
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=plain_all(columns),  # names from the data: tick labels and hover text
            y=plain_all(warehouses),
            text=text,
            texttemplate="%{text}",
            customdata=custom,
            hovertemplate="%{y}, %{x}: %{customdata[0]} of %{customdata[1]} records "
            "disagree<extra></extra>",
            **scale,
        )
    )
    with_systems = bool((systems != "").any())
    return base_layout(
        fig,
        height=max(220, 70 * len(warehouses) + 110),
        xaxis={
            "title": {"text": "system \u00b7 sales channel" if with_systems else "sales channel"}
        },
        yaxis={"title": {"text": "warehouse"}},
    )


def backlog_bars(df: pd.DataFrame) -> go.Figure:
    """Open problems by how long they have been open, stacked by kind."""
    if df.empty or int(df["count"].sum()) == 0:
        return empty("No open problems.")
    order = list(dict.fromkeys(df["age"]))
    fig = go.Figure()
    for kind in sorted(df["kind"].unique()):
        rows = df[df["kind"] == kind]
        fig.add_bar(
            x=rows["age"],
            y=rows["count"],
            name=plain(KIND_LABELS.get(kind, kind)),
            marker_color=_KIND_COLORS.get(kind),
            customdata=[kind] * len(rows),
            hovertemplate="%{y} "
            + plain(KIND_LABELS.get(kind, kind))
            + " open %{x}<extra></extra>",
        )
    return base_layout(
        fig,
        barmode="stack",
        xaxis={"title": {"text": "open for"}, "categoryorder": "array", "categoryarray": order},
        yaxis={"title": {"text": "open problems"}},
    )


def latency_by_target(df: pd.DataFrame) -> go.Figure:
    """How long updates take to reach each system: median, 95th, 99th percentile."""
    rows = df.dropna(subset=["p50_s"]) if not df.empty else df
    if rows.empty:
        return empty("No updates were applied in this window.")
    fig = go.Figure()
    for col, label, color in (
        ("p50_s", "half of updates within", "#9ecae9"),
        ("p95_s", "95% within", "#4c78a8"),
        ("p99_s", "99% within", "#1f3b63"),
    ):
        fig.add_bar(
            x=plain_all(rows["target"]),
            y=rows[col],
            name=label,
            marker_color=color,
            text=[_duration(v) for v in rows[col]],
            textposition="outside",
            hovertemplate="%{x}: " + label + " %{y:.1f} s<extra></extra>",
        )
    return base_layout(
        fig,
        barmode="group",
        xaxis={"title": {"text": "system updated"}},
        yaxis={"title": {"text": "seconds (log scale)"}, "type": "log"},
    )


def _duration(seconds: float | None) -> str:
    if seconds is None or pd.isna(seconds):
        return ""
    if seconds < 90:
        return f"{seconds:.1f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def burn_rates(df: pd.DataFrame) -> go.Figure:
    """Burn rate per SLO (one panel each) and alert window pair: the long and
    the short window's rate as bars, the pair's threshold as a black dash."""
    if df.empty:
        return empty("No SLOs are loaded.")
    if df[["long_burn_rate", "short_burn_rate"]].isna().all().all():
        return empty("No traffic yet in any alert window: no burn rate to show.")
    titles = list(dict.fromkeys(df["title"]))
    shown = dict(zip(titles, plain_all(titles), strict=True))
    cols = 2 if len(titles) > 1 else 1
    nrows = -(-len(titles) // cols)
    fig = make_subplots(
        rows=nrows,
        cols=cols,
        subplot_titles=list(shown.values()),
        vertical_spacing=0.16,
        horizontal_spacing=0.08,
    )
    for i, title in enumerate(titles):
        rows = df[df["title"] == title]
        r, c = i // cols + 1, i % cols + 1
        labels = plain_all(
            f"{w} ({s})" for w, s in zip(rows["windows"], rows["severity"], strict=True)
        )
        for col, name, color in (
            ("long_burn_rate", "long window", "#4c78a8"),
            ("short_burn_rate", "short window", "#9ecae9"),
        ):
            fig.add_bar(
                x=labels,
                y=rows[col].fillna(0),
                name=name,
                legendgroup=name,
                showlegend=i == 0,
                # firing: red and hatched, and said in words on hover (never colour alone)
                marker_color=["#e45756" if f else color for f in rows["firing"]],
                marker_pattern_shape=["x" if f else "" for f in rows["firing"]],
                # in words on hover; and the SLO: a click opens its history
                customdata=[
                    ["alert firing" if f else "not firing", n]
                    for f, n in zip(rows["firing"], rows["name"], strict=True)
                ],
                text=["no data" if pd.isna(v) else f"{v:.1f}{TIMES}" for v in rows[col]],
                textposition="outside",
                cliponaxis=False,
                hovertemplate=shown[title]
                + " %{x}: "
                + name
                + " burn rate %{text}, %{customdata[0]}<extra></extra>",
                row=r,
                col=c,
            )
        fig.add_scatter(
            x=labels,
            y=rows["threshold"],
            mode="markers",
            name="alert threshold",
            legendgroup="threshold",
            showlegend=i == 0,
            marker={"symbol": "line-ew-open", "size": 34, "color": "#111827", "line": {"width": 3}},
            hovertemplate=shown[title] + " %{x}: alerts above %{y}" + TIMES + "<extra></extra>",
            row=r,
            col=c,
        )
    height = 210 * nrows + 100
    base_layout(fig, height=height, barmode="group", margin={**_MARGIN, "t": 80})
    fig.update_layout(legend={"y": 1 + 48 / (height - 80 - _MARGIN["b"])})
    fig.update_yaxes(title_text=f"{TIMES} budget pace", rangemode="tozero")
    fig.update_xaxes(tickfont={"size": 11})
    return fig


def failing_targets(df: pd.DataFrame, failures: pd.DataFrame | None = None) -> go.Figure:
    """Share of delivery calls that failed, per target system, split by what
    failed (timeouts, 429s, validation errors, ...) when ``failures`` says."""
    rows = df[df["attempts"] > 0] if not df.empty else df
    if rows.empty:
        return empty("No delivery attempts in this window.")
    rows = rows.sort_values("failure_ratio")
    attempts = dict(zip(rows["target"], rows["attempts"], strict=True))
    fig = go.Figure()
    kinds = (
        failures[failures["target"].isin(attempts)]
        if failures is not None and not failures.empty
        else None
    )
    if kinds is None or kinds.empty:
        fig.add_bar(
            y=plain_all(rows["target"]),
            x=rows["failure_ratio"] * 100,
            orientation="h",
            marker_color=[
                "#e45756" if r > 0.05 else "#f2b134" if r > 0.01 else "#54a24b"
                for r in rows["failure_ratio"]
            ],
            name="failed",
            text=[
                f"{f} of {a} calls failed"
                for f, a in zip(rows["failed"], rows["attempts"], strict=True)
            ],
            textposition="auto",
            hovertemplate="%{y}: %{x:.1f}% of calls failed<extra></extra>",
        )
    else:
        order = kinds.groupby("error_type")["failed"].sum().sort_values(ascending=False).index
        for i, kind in enumerate(order):
            part = kinds[kinds["error_type"] == kind].set_index("target")["failed"]
            counts = [int(part.get(t, 0)) for t in rows["target"]]
            fig.add_bar(
                y=plain_all(rows["target"]),
                x=[100 * c / attempts[t] for c, t in zip(counts, rows["target"], strict=True)],
                orientation="h",
                name=plain(kind),
                marker_color=_FAILURE_COLORS[i % len(_FAILURE_COLORS)],
                customdata=[[c, kind] for c in counts],  # the class: a click's drill-down
                hovertemplate=f"%{{y}}: %{{customdata[0]}} calls failed with {plain(kind)}"
                " (%{x:.1f}%)<extra></extra>",
            )
        fig.update_layout(barmode="stack")
        for target, failed, total in zip(
            rows["target"], rows["failed"], rows["attempts"], strict=True
        ):
            fig.add_annotation(
                y=plain(target),
                x=100 * failed / total,
                text=f" {failed} of {total} calls failed",
                showarrow=False,
                xanchor="left",
                font={"size": 11},
            )
    return base_layout(
        fig,
        height=max(200, 60 * len(rows) + 80),
        xaxis={"title": {"text": "% of delivery calls failed"}, "ticksuffix": "%"},
        yaxis={"title": {"text": "target"}},
    )


_FAILURE_COLORS = ("#e45756", "#f58518", "#b279a2", "#9d755d", "#72b7b2", "#bab0ac")


def undelivered_by_target(df: pd.DataFrame) -> go.Figure:
    """Messages past their deadline and messages parked in a dead-letter queue."""
    if df.empty or int(df[["undelivered", "dead_lettered"]].to_numpy().sum()) == 0:
        return empty("Nothing undelivered and no dead letters in this window.")
    fig = go.Figure()
    for col, name, color in (
        ("undelivered", "undelivered past deadline", "#f58518"),
        ("dead_lettered", "dead-lettered", "#7f3c8d"),
    ):
        fig.add_bar(
            x=plain_all(df["target"]),
            y=df[col],
            name=name,
            marker_color=color,
            text=df[col],
            textposition="outside",
            customdata=[col] * len(df),  # the exception kind: a click's drill-down
            hovertemplate="%{x}: %{y} " + name + "<extra></extra>",
        )
    return base_layout(fig, barmode="group", yaxis={"title": {"text": "(event, target) pairs"}})
