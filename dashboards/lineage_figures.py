"""The lineage page's figures: a SKU's or order's swimlane and a trace's
waterfall; pure builders from the frames of :mod:`dashboards.frames`."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboards import lanes as lanes_
from dashboards.figures import base_layout, empty
from dashboards.lineage_frames import LineageFrames

__all__ = ["MARK_STYLE", "swimlane", "trace_waterfall"]

#: swimlane marks: (marker symbol, colour)
MARK_STYLE: dict[str, tuple[str, str]] = {
    "applied": ("circle", "#54a24b"),
    "retry applied": ("circle-open", "#54a24b"),
    "replay applied": ("star", "#4c78a8"),
    "failed": ("x", "#e45756"),
    "dead letter": ("hexagram", "#7f3c8d"),
    "duplicate (ignored)": ("circle-open-dot", "#999999"),
    "double apply": ("star-triangle-up", "#d62728"),
}


def swimlane(f: LineageFrames, *, revision: str = "", xrange: list[Any] | None = None) -> go.Figure:
    """One lane per system (a sub-lane per system instance for snapshots):
    events at their source, delivery attempts at their target (joined to their
    event by a thin line), snapshot quantities and exceptions.  Attempt points
    carry ``[trace_id, span_id]`` as customdata.  ``revision`` (the search)
    keeps the reader's zoom across refreshes of the same search, and
    ``xrange`` (see :func:`kept_range`) draws it explicitly; a range slider
    under the time axis zooms."""
    if f.empty:
        return empty("No events, delivery attempts or snapshots found.")
    lanes = f.lanes() + (["exceptions"] if not f.exceptions.empty else [])
    fig = go.Figure()
    links = f.attempts.dropna(subset=["event_time", "event_lane", "time"])
    if not links.empty:
        xs: list[Any] = []
        ys: list[Any] = []
        for r in links.itertuples():
            xs += [r.event_time, r.time, None]
            ys += [r.event_lane, r.lane, None]
        fig.add_scatter(
            x=xs,
            y=ys,
            mode="lines",
            line={"color": "#d1d5db", "width": 1},
            hoverinfo="skip",
            showlegend=False,
        )
    if not f.events.empty:
        fig.add_scatter(
            x=f.events["time"],
            y=f.events["lane"],
            mode="markers",
            name="event at its source",
            marker={"symbol": "diamond", "size": 11, "color": "#1f2933"},
            text=f.events["label"],
            hovertemplate="%{text}<extra></extra>",
        )
    for mark, (symbol, color) in MARK_STYLE.items():
        rows = f.attempts[f.attempts["mark"] == mark]
        if rows.empty:
            continue
        fig.add_scatter(
            x=rows["time"],
            y=rows["lane"],
            mode="markers",
            name=mark,
            marker={
                "symbol": symbol,
                "size": 12,
                "color": color,
                "line": {"width": 2, "color": color},
            },
            text=rows["label"],
            customdata=rows[["trace_id", "span_id"]].to_numpy().tolist(),
            hovertemplate="%{text}<br><i>click to open the trace</i><extra></extra>",
        )
    if not f.snapshots.empty:
        fig.add_scatter(
            x=f.snapshots["time"],
            y=f.snapshots["lane"],
            mode="markers+text",
            name="snapshot: on hand",
            marker={"symbol": "square", "size": 10, "color": "#f2b134"},
            text=lanes_.snapshot_labels(f.snapshots),
            textposition="top center",
            hovertext=f.snapshots["label"],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    if not f.exceptions.empty:
        fig.add_scatter(
            x=f.exceptions["time"],
            y=f.exceptions["lane"],
            mode="markers",
            name="exception opened",
            marker={"symbol": "triangle-up", "size": 12, "color": "#e45756"},
            text=f.exceptions["label"],
            hovertemplate="%{text}<extra></extra>",
        )
    return base_layout(
        fig,
        height=max(360, 56 * len(lanes) + 200),
        yaxis={
            "categoryorder": "array",
            "categoryarray": list(reversed(lanes)),
            "title": {"text": ""},
            "showgrid": True,
        },
        xaxis={
            "title": {"text": "time (UTC)"},
            "rangeslider": {"visible": True, "thickness": 0.08},
            **({"range": xrange, "autorange": False} if xrange else {}),
        },
        hovermode="closest",
        clickmode="event",
        uirevision=revision or True,
    )


def trace_waterfall(df: pd.DataFrame) -> go.Figure:
    """A trace's spans as a waterfall, children indented under their parent;
    linked traces (producer or consumers) follow, marked as linked."""
    if df.empty:
        return empty("No spans stored for this trace.")
    t0 = df["start"].min()
    labels = [
        ("↪ linked: " if linked else "") + label
        for label, linked in zip(df["label"], df["linked"], strict=True)
    ]
    offsets = [(s - t0).total_seconds() for s in df["start"]]
    rows = list(range(len(df)))  # span names repeat: one row per span, labelled
    fig = go.Figure(
        go.Bar(
            y=rows,
            x=[max(d, 1e-3) for d in df["duration_s"]],
            base=offsets,
            orientation="h",
            # a failed span: red, hatched and marked ✕ failed (never colour alone)
            marker_color=[
                "#e45756" if e else ("#9ecae9" if lk else "#4c78a8")
                for e, lk in zip(df["error"], df["linked"], strict=True)
            ],
            marker_pattern_shape=["x" if e else "" for e in df["error"]],
            text=[
                ("\u2715 failed \u00b7 " if e else "")
                + (f"{d * 1000:.0f} ms" if d < 1 else f"{d:.2f} s")
                for d, e in zip(df["duration_s"], df["error"], strict=True)
            ],
            textposition="outside",
            customdata=df["detail"],
            hovertext=labels,
            hovertemplate="%{hovertext}<br>%{customdata}<extra></extra>",
        )
    )
    return base_layout(
        fig,
        height=max(180, 30 * len(df) + 80),
        showlegend=False,
        yaxis={
            "autorange": "reversed",
            "automargin": True,
            "tickmode": "array",
            "tickvals": rows,
            "ticktext": labels,
            "tickfont": {"family": "monospace", "size": 12},
        },
        xaxis={"title": {"text": "seconds since the trace started"}},
    )
