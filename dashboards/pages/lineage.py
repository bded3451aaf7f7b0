"""Lineage explorer, for integration leads: one SKU's or order's whole sync history."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash_ag_grid as dag
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from collector.identity import Need
from dashboards import figures, history, ids, lanes, lineage_figures
from dashboards.access import callback
from dashboards.components import attrs, graph, named, section
from dashboards.lineage_frames import LineageFrames
from dashboards.lookup import find
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
            named(
                "look up",
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
                "History table",
                named(
                    "history table filter",
                    dcc.Checklist(
                        id=ids.LN_PROBLEMS,
                        options=[{"label": "only problems", "value": "problems"}],
                        value=["problems"] if params.get("problems") else [],
                        inline=True,
                        className="window-picker",
                    ),
                ),
                history_grid(),
                hint="One row per event and target, newest first: the same facts as the chart. "
                "Sort by a column header; Tab into the table, arrow keys move, Enter or a click "
                "on a row opens its trace below.",
                wide=True,
            ),
            dcc.Store(id=ids.LN_PARAMS, data={}),
            section(
                "Trace",
                html.Div(id=ids.LN_TRACE_TITLE, className="hint"),
                graph(ids.LN_TRACE),
                wide=True,
            ),
        ]
    )


def history_grid() -> dag.AgGrid:
    return dag.AgGrid(
        id=ids.LN_HISTORY,
        columnDefs=history.column_defs(),
        rowData=[],
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 80},
        columnSize="autoSize",
        dashGridOptions={
            "pagination": True,
            "paginationPageSize": 20,
            "paginationPageSizeSelector": [20, 50, 100],
            "rowSelection": {
                "mode": "singleRow",
                "checkboxes": False,
                "enableClickSelection": True,
            },
            "ensureDomOrder": True,
            "domLayout": "autoHeight",
        },
        getRowId="params.data.event + '|' + params.data.target",
        className="ag-theme-alpine",
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
    @callback(
        app,
        Need.READ,
        Output(ids.LN_SUMMARY, "children"),
        Output(ids.LN_SWIMLANE, "figure"),
        Output(ids.LN_HISTORY, "rowData"),
        Output(ids.LN_PARAMS, "data"),
        Output(ids.LN_URL, "search"),
        Input(ids.LN_SEARCH, "n_clicks"),
        Input(ids.LN_SKU, "n_submit"),
        Input(ids.LN_ORDER, "n_submit"),
        Input(ids.LN_LOCATION, "n_submit"),
        Input(ids.REFRESH, "n_intervals"),
        Input(ids.LN_PROBLEMS, "value"),
        State(ids.LN_MODE, "value"),
        State(ids.LN_SKU, "value"),
        State(ids.LN_LOCATION, "value"),
        State(ids.LN_ORDER, "value"),
        State(ids.LN_URL, "search"),
        State(ids.LN_TRACE_ID, "data"),
        State(ids.LN_SWIMLANE, "relayoutData"),
    )
    def _search(
        _c: Any,
        _s: Any,
        _o: Any,
        _l: Any,
        _n: Any,
        problems: list[str] | None,
        mode: str,
        sku: str | None,
        location: str | None,
        order: str | None,
        search: str | None,
        trace_id: str | None,
        relayout: dict[str, Any] | None,
    ) -> tuple[Any, ...]:
        found = find(q, mode, sku, location, order)
        if found is None:
            msg = "Enter a SKU (and optionally a location) or an order id."
            return [html.P(msg, className="empty-note")], figures.empty(msg), [], {}, no_update
        rows = history.history_rows(found.raw, found.params)
        only = bool(problems)
        if only:
            rows = [r for r in rows if r["problem"]]
        extra = {"problems": "1"} if only else {}
        trace = {"trace": trace_id} if trace_id else {}
        wanted = "?" + urlencode({**found.params, **extra, **trace})
        # a refresh (or the problems filter) redraws the same search at the reader's zoom
        same = ctx.triggered_id in (ids.REFRESH, ids.LN_PROBLEMS)
        xrange = lanes.kept_range(relayout) if same else None
        return (
            summary(found.raw, found.frames, found.subject),
            lineage_figures.swimlane(found.frames, revision=found.subject, xrange=xrange),
            rows,
            {**found.params, **extra},
            wanted if wanted != search else no_update,
        )

    @callback(
        app,
        Need.READ,
        Output(ids.LN_TRACE_ID, "data"),
        Input(ids.LN_SWIMLANE, "clickData"),
        Input(ids.LN_HISTORY, "selectedRows"),
        prevent_initial_call=True,
    )
    def _pick(click: dict[str, Any] | None, selected: list[dict[str, Any]] | None) -> Any:
        if ctx.triggered_id == ids.LN_HISTORY:
            row = (selected or [{}])[0]
            return row.get("trace_id") or no_update
        point = (click or {}).get("points", [{}])[0]
        data = point.get("customdata")
        if not isinstance(data, list) or not data or not data[0]:
            return no_update
        return data[0]

    @callback(
        app,
        Need.READ,
        Output(ids.LN_URL, "search", allow_duplicate=True),
        Input(ids.LN_TRACE_ID, "data"),
        State(ids.LN_PARAMS, "data"),
        State(ids.LN_URL, "search"),
        prevent_initial_call=True,
    )
    def _trace_in_url(
        trace_id: str | None, params: dict[str, str] | None, search: str | None
    ) -> Any:
        if not params or not trace_id:
            return no_update
        wanted = "?" + urlencode({**params, "trace": trace_id})
        return wanted if wanted != search else no_update

    @callback(
        app,
        Need.READ,
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
        return html.Span(title, **attrs(trace=trace_id)), lineage_figures.trace_waterfall(spans)
