"""Overview, for executives: is inventory sync doing what we promised?"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import Dash, Input, Output, ctx, dcc, html

from collector.identity import Need
from dashboards import figures, ids, trends
from dashboards.access import callback
from dashboards.components import attrs, graph, href, named, pct, section, stat
from dashboards.markup import unplain
from dashboards.queries import WINDOWS, DashboardQueries

__all__ = ["layout", "register"]

_STATUS = {"ok": "on track", "ticket": "needs attention", "page": "at risk", "no_data": "no data"}
_NO_TREND = {
    "mismatch": "no comparison in this window",
    "exception_aging": "measured now: no history",
}
_EVIDENCE = {
    "latency": href("oncall"),
    "first_pass": href("oncall"),
    "api_failure": href("oncall"),
    "mismatch": href("exceptions", kind="mismatch"),
    "exception_aging": href("exceptions", status="unresolved"),
}


def layout(params: dict[str, str]) -> html.Div:
    window = params.get("window", "24h")
    return html.Div(
        [
            html.Div(
                [
                    html.H1("How inventory sync is doing"),
                    named(
                        "time window",
                        dcc.RadioItems(
                            id=ids.OV_WINDOW,
                            options=[{"label": label, "value": w} for w, label in WINDOWS.items()],
                            value=window if window in WINDOWS else "24h",
                            inline=True,
                            className="window-picker",
                        ),
                    ),
                ],
                className="page-head",
            ),
            html.Div(id=ids.OV_TILES, className="tiles"),
            html.Div(id=ids.OV_HEADLINE, className="headline"),
            html.Div(
                [
                    section(
                        "Where stock records disagree",
                        graph(ids.OV_MISMATCH),
                        hint="Share of stock records that differ between a system and the system "
                        "of record, in the latest comparison. Click a cell for the list.",
                    ),
                    section(
                        "Open problems, by how long they have been open",
                        graph(ids.OV_BACKLOG),
                        hint="Click a bar for the list.",
                    ),
                    section(
                        "How long updates take to reach each system",
                        graph(ids.OV_LATENCY),
                        hint="Time from the change in the source system until the target applied it.",
                        wide=True,
                    ),
                    section(
                        "The last 13 months",
                        graph(ids.OV_MONTHS),
                        hint="Each objective's share of good updates per calendar month (UTC; "
                        "dashed: the target) and the share of compared stock records that "
                        "differed (bars, right axis).",
                        wide=True,
                    ),
                ],
                className="grid",
            ),
        ]
    )


def _tile(row: pd.Series, trend: pd.DataFrame, window: str) -> html.Div:
    value = None if pd.isna(row["value"]) else float(row["value"])
    budget = None if pd.isna(row["budget_remaining"]) else float(row["budget_remaining"])
    status = str(row["status"])
    good, total = row["good"], row["total"]
    detail = (
        f"{int(good):,} of {int(total):,} good in the {WINDOWS[window]}"
        if total is not None and not pd.isna(total) and total
        else f"no data in the {WINDOWS[window]}"
    )
    return html.Div(
        [
            html.Div(
                [
                    html.Span(row["title"], className="tile-title"),
                    html.Span(_STATUS.get(status, status), className=f"badge {status}"),
                ],
                className="tile-head",
            ),
            dcc.Link(
                pct(value),
                href=_EVIDENCE.get(str(row["sli"]), href("oncall")),
                className="tile-value",
            ),
            html.Div(detail, className="tile-detail"),
            html.Div(
                [
                    html.Span(
                        f"target {pct(float(row['objective']), 1)}", className="tile-objective"
                    ),
                    html.Span(
                        f"error budget left ({row['slo_window']}): "
                        + ("used up" if budget is not None and budget <= 0 else pct(budget, 0)),
                        className="tile-budget "
                        + ("low" if budget is not None and budget < 0.25 else ""),
                    ),
                ],
                className="tile-foot",
            ),
            graph(
                f"{ids.OV_TILES}-{row['name']}",
                figures.trend_sparkline(
                    trend,
                    str(row["name"]),
                    float(row["objective"]),
                    none=_NO_TREND.get(str(row["sli"]), "no traffic in this window"),
                ),
                className="sparkline",
                config={"displayModeBar": False, "staticPlot": False},
            ),
        ],
        className=f"tile {status}",
        title=str(row["description"]),
        **attrs(slo=str(row["name"])),
    )


def _count(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else "no data"


def register(app: Dash, q: DashboardQueries) -> None:
    @callback(
        app,
        Need.READ,
        Output(ids.OV_TILES, "children"),
        Output(ids.OV_HEADLINE, "children"),
        Output(ids.OV_MISMATCH, "figure"),
        Output(ids.OV_BACKLOG, "figure"),
        Input(ids.OV_WINDOW, "value"),
        Input(ids.REFRESH, "n_intervals"),
    )
    def _update(window: str, _n: int | None) -> tuple[Any, ...]:
        window = window if window in WINDOWS else "24h"
        view = q.slo_view(window)
        tiles: Any = (
            [_tile(row, view.trend, window) for _, row in view.tiles.iterrows()]
            if not view.tiles.empty
            else html.P("No service level objectives are loaded.", className="empty-note")
        )
        backlog = q.backlog()
        mismatch = q.mismatch()
        headline = [
            stat(
                "orders affected by an open problem",
                _count(view.slis.get("orders_impacted")),
                key="orders_impacted",
                link=href("exceptions", status="unresolved"),
            ),
            stat(
                "open problems",
                f"{int(backlog['count'].sum()):,}",
                key="open_problems",
                link=href("exceptions", status="unresolved"),
            ),
            stat(
                "updates not delivered in time",
                f"{view.slis['undelivered']:,}",
                key="undelivered",
                link=href("exceptions", kind="undelivered"),
            ),
            stat(
                "stock records compared",
                f"{int(mismatch['compared'].sum()):,}" if not mismatch.empty else "none yet",
                key="compared",
                link=href("exceptions", kind="mismatch"),
            ),
        ]
        return (
            tiles,
            headline,
            figures.mismatch_heatmap(mismatch),
            figures.backlog_bars(backlog),
        )

    @callback(
        app,
        Need.READ,
        Output(ids.OV_LATENCY, "figure"),
        Input(ids.OV_WINDOW, "value"),
        Input(ids.REFRESH, "n_intervals"),
    )
    def _latency(window: str, _n: int | None) -> Any:
        # its own callback: Dash runs it alongside the tiles, so a slow long
        # window here never holds the rest of the page back
        return figures.latency_by_target(q.by_target(window if window in WINDOWS else "24h"))

    @callback(
        app,
        Need.READ,
        Output(ids.OV_MONTHS, "figure"),
        Input(ids.REFRESH, "n_intervals"),
    )
    def _months(_n: int | None) -> Any:
        # its own callback: 13 months of SLIs, reused while fresh (q.monthly)
        frame, objectives = q.monthly()
        return trends.monthly_figure(frame, objectives)

    @callback(
        app,
        Need.READ,
        # the shell's location: a new pathname makes the router show that page
        Output(ids.URL, "pathname"),
        Output(ids.URL, "search"),
        Input(ids.OV_MISMATCH, "clickData"),
        Input(ids.OV_BACKLOG, "clickData"),
        prevent_initial_call=True,
    )
    def _drill(heat: dict[str, Any] | None, backlog: dict[str, Any] | None) -> tuple[str, str]:
        if ctx.triggered_id == ids.OV_MISMATCH and heat:
            # the axis shows the warehouse as text (markup escaped): back to its name
            link = href(
                "exceptions", kind="mismatch", warehouse=unplain(str(heat["points"][0]["y"]))
            )
        else:
            kind = ((backlog or {}).get("points") or [{}])[0].get("customdata")
            link = href(
                "exceptions", status="unresolved", kind=kind if isinstance(kind, str) else None
            )
        path, _, query = link.partition("?")
        return path, f"?{query}" if query else ""
