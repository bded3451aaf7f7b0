"""Lineage explorer, for integration leads: one SKU's or order's whole sync history."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from dash import Dash, Input, Output, State, dcc, html, no_update

from dashboards import figures, ids
from dashboards.components import attrs, graph, section
from dashboards.frames import LineageFrames
from dashboards.queries import DashboardQueries

__all__ = ["layout", "register", "summary"]


_PLURAL = {
    "dead letter": "dead letters",
    "retry applied": "retries applied",
    "replay applied": "replays applied",
    "duplicate (ignored)": "duplicates (ignored)",
    "double apply": "double applies",
}


def layout(params: dict[str, str]) -> html.Div:
    mode = "order" if params.get("order") else "sku"
    return html.Div(
        [
            html.Div([html.H1("Lineage explorer")], className="page-head"),
            dcc.RadioItems(
                id=ids.LN_MODE,
                options=[
                    {"label": "by SKU", "value": "sku"},
                    {"label": "by order", "value": "order"},
                ],
                value=mode,
                inline=True,
                className="window-picker",
            ),
            html.Div(
                [
                    dcc.Input(
                        id=ids.LN_SKU,
                        placeholder="SKU, e.g. SKU-00001",
                        value=params.get("sku", ""),
                        type="text",
                        style={"width": "220px"},
                    ),
                    dcc.Input(
                        id=ids.LN_LOCATION,
                        placeholder="location (optional)",
                        value=params.get("location", ""),
                        type="text",
                        style={"width": "200px"},
                    ),
                    dcc.Input(
                        id=ids.LN_ORDER,
                        placeholder="order id",
                        value=params.get("order", ""),
                        type="text",
                        style={"width": "200px"},
                    ),
                    html.Button("Show history", id=ids.LN_SEARCH, className="primary"),
                ],
                className="search-bar",
            ),
            dcc.Location(id=ids.LN_URL, refresh=False),
            dcc.Store(id=ids.LN_TRACE_ID, data=params.get("trace")),
            html.Div(id=ids.LN_SUMMARY, className="summary"),
            section(
                "History, one lane per system",
                graph(ids.LN_SWIMLANE),
                hint="◆ the change at its source; each delivery attempt in the lane of the system it "
                "went to; ■ the quantity each system's snapshots reported; ▲ exceptions. "
                "Click an attempt to open its trace.",
                wide=True,
            ),
            section(
                "Trace",
                html.Div(id=ids.LN_TRACE_TITLE, className="hint"),
                graph(ids.LN_TRACE),
                wide=True,
            ),
        ]
    )


def summary(raw: dict[str, Any], f: LineageFrames, subject: str) -> list[Any]:
    """Plain-words counts over what the swimlane shows."""
    if f.empty:
        return [html.P(f"Nothing found for {subject}.", className="empty-note")]
    marks: dict[str, int] = (
        {str(m): int(n) for m, n in f.attempts["mark"].value_counts().items()}
        if not f.attempts.empty
        else {}
    )
    parts = [f"{len(f.events)} events", f"{len(f.attempts)} delivery attempts"]
    parts += [
        f"{n} {_PLURAL.get(m, m) if n != 1 else m}"
        for m, n in sorted(marks.items())
        if m != "applied"
    ]
    parts.append(f"{len(f.exceptions)} exceptions")
    out: list[Any] = [
        html.P(
            [html.Strong(subject), ": " + ", ".join(parts) + "."],
            **attrs(events=str(len(f.events))),
        )
    ]
    if raw.get("truncated"):
        out.append(html.P("Only the newest events are shown.", className="hint"))
    if raw.get("orphan_attempts"):
        out.append(
            html.P(
                f"{len(raw['orphan_attempts'])} attempts name an event that never arrived.",
                className="hint",
            )
        )
    return out


def register(app: Dash, q: DashboardQueries) -> None:
    @app.callback(
        Output(ids.LN_SUMMARY, "children"),
        Output(ids.LN_SWIMLANE, "figure"),
        Output(ids.LN_URL, "search"),
        Input(ids.LN_SEARCH, "n_clicks"),
        Input(ids.LN_SKU, "n_submit"),
        Input(ids.LN_ORDER, "n_submit"),
        Input(ids.LN_LOCATION, "n_submit"),
        Input(ids.REFRESH, "n_intervals"),
        State(ids.LN_MODE, "value"),
        State(ids.LN_SKU, "value"),
        State(ids.LN_LOCATION, "value"),
        State(ids.LN_ORDER, "value"),
        State(ids.LN_URL, "search"),
    )
    def _search(
        _c: Any,
        _s: Any,
        _o: Any,
        _l: Any,
        _n: Any,
        mode: str,
        sku: str | None,
        location: str | None,
        order: str | None,
        search: str | None,
    ) -> tuple[Any, ...]:
        sku, location, order = (sku or "").strip(), (location or "").strip(), (order or "").strip()
        if mode == "order" and order:
            raw, f = q.order_lineage(order)
            subject, params = f"order {order}", {"order": order}
        elif mode == "sku" and sku:
            raw, f = q.sku_lineage(sku, location or None)
            subject = f"SKU {sku}" + (f" at {location}" if location else "")
            params = {"sku": sku, **({"location": location} if location else {})}
        else:
            msg = "Enter a SKU (and optionally a location) or an order id."
            return [html.P(msg, className="empty-note")], figures.empty(msg), no_update
        wanted = "?" + urlencode(params)
        return (
            summary(raw, f, subject),
            figures.swimlane(f),
            wanted if wanted != search else no_update,
        )

    @app.callback(
        Output(ids.LN_TRACE_ID, "data"),
        Input(ids.LN_SWIMLANE, "clickData"),
        prevent_initial_call=True,
    )
    def _pick(click: dict[str, Any] | None) -> Any:
        point = (click or {}).get("points", [{}])[0]
        data = point.get("customdata")
        if not isinstance(data, list) or not data or not data[0]:
            return no_update
        return data[0]

    @app.callback(
        Output(ids.LN_TRACE_TITLE, "children"),
        Output(ids.LN_TRACE, "figure"),
        Input(ids.LN_TRACE_ID, "data"),
    )
    def _trace(trace_id: str | None) -> tuple[Any, ...]:
        if not trace_id:
            msg = "Click a delivery attempt in the history to see its trace."
            return msg, figures.empty(msg, height=120)
        spans = q.trace(trace_id)
        linked = int(spans["linked"].sum()) if not spans.empty else 0
        own = len(spans) - linked
        title = f"trace {trace_id}: {own} span{'s' if own != 1 else ''}" + (
            f", {linked} in linked traces" if linked else ""
        )
        return html.Span(title, **attrs(trace=trace_id)), figures.trace_waterfall(spans)
