"""Overview, for executives: is inventory sync doing what we promised?"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import Dash, Input, Output, ctx, dcc, html, no_update

from collector.identity import Need
from collector.timefmt import NS_PER_S
from dashboards import (
    drills,
    executive,
    executive_figures,
    figures,
    ids,
    trends,
    triage,
    triage_figures,
)
from dashboards.access import callback
from dashboards.components import attrs, graph, href, named, pct, section, stat
from dashboards.markup import unplain
from dashboards.queries import WINDOWS, DashboardQueries

__all__ = ["drill_link", "layout", "register"]

_STATUS = {"ok": "on track", "ticket": "needs attention", "page": "at risk", "no_data": "no data"}
_NO_TREND = {
    "mismatch": "no comparison in this window",
    "exception_aging": "measured now: no history",
}
_PERIOD = {"1h": "hour", "24h": "24 hours", "7d": "7 days", "28d": "28 days"}
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
                        html.Div(id=ids.OV_MISMATCH_LINKS),
                        hint="Share of stock records that differ between a system and the system "
                        "of record, in the latest comparison. Click a cell (or follow a link "
                        "below the chart) for the list.",
                    ),
                    section(
                        "Open problems, by how long they have been open",
                        graph(ids.OV_BACKLOG),
                        html.Div(id=ids.OV_BACKLOG_LINKS),
                        hint="Click a bar (or follow a link below the chart) for the list.",
                    ),
                    section(
                        "Whose error budget: partner, architectural or operational",
                        html.Div(id=ids.OV_CAUSE_SUMMARY, className="stats"),
                        graph(ids.OV_CAUSES),
                        hint="Bad events of the window (failed calls, undelivered updates, dead "
                        "letters, mismatched records, aged exceptions), each put down to a cause "
                        "by the configured mapping (budget_causes, docs/slos.md), by system, "
                        "warehouse and sales channel.",
                        wide=True,
                    ),
                    section(
                        "Orders affected by an open problem",
                        html.Div(id=ids.OV_ORDER_LIST),
                        hint="Each order links to its lineage; its problems to their exceptions.",
                        wide=True,
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
                        "differed (bars, right axis). \u25bc: a month with changes (on hover).",
                        wide=True,
                    ),
                    section(
                        "What changed in this window",
                        html.Div(id=ids.OV_CHANGES),
                        hint="Deploys and notes posted to /api/v1/annotations, configuration "
                        "reloads and SLO edits: the \u25bc marks on the tiles' trends.",
                        wide=True,
                    ),
                ],
                className="grid",
            ),
        ]
    )


def _sparkline(row: pd.Series, trend: pd.DataFrame, markers: pd.DataFrame) -> Any:
    fig = executive_figures.value_sparkline(
        trend,
        str(row["name"]),
        float(row["objective"]),
        none=_NO_TREND.get(str(row["sli"]), "no traffic in this window"),
    )
    # what changed, a small mark each (the words on hover and under "What changed")
    return triage_figures.add_markers(fig, markers, compact=True) if fig.data else fig


def _tile(
    row: pd.Series, trend: pd.DataFrame, window: str, before: float | None, markers: pd.DataFrame
) -> html.Div:
    value = None if pd.isna(row["value"]) else float(row["value"])
    words, direction = executive_figures.change(value, before, _PERIOD[window])
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
            html.Div(words, className=f"tile-change {direction}", **attrs(change=direction)),
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
                _sparkline(row, trend, markers),
                className="sparkline",
                config={"displayModeBar": False, "staticPlot": False},
            ),
        ],
        className=f"tile {status}",
        title=str(row["description"]),
        **attrs(slo=str(row["name"])),
    )


def _objective(tiles: pd.DataFrame, sli: str) -> float | None:
    found = tiles[tiles["sli"] == sli] if not tiles.empty else tiles
    return None if found.empty else float(found["objective"].iloc[0])


def _orders(total: int, orders: list[dict[str, Any]]) -> Any:
    if not orders:
        return html.P("No order is affected by an open problem.", className="empty-note")
    more = f" (the first {len(orders)} by order id)" if total > len(orders) else ""
    return html.Div(
        [
            html.P(f"{total:,} orders affected{more}", **attrs(total=total)),
            html.Ul(
                [
                    html.Li(
                        [
                            dcc.Link(
                                o["order_id"],
                                href=href("lineage", order=o["order_id"]),
                                className="order-id",
                            ),
                            html.Span(" \u2014 "),
                            *[
                                dcc.Link(
                                    f"{figures.KIND_LABELS.get(e['kind'], e['kind'])} "
                                    f"#{e['id']}" + (f" ({e['sku']})" if e["sku"] else ""),
                                    href=href("exceptions", id=e["id"]),
                                    className="order-problem",
                                )
                                for e in o["exceptions"]
                            ],
                        ],
                        **attrs(order=o["order_id"]),
                    )
                    for o in orders
                ],
                className="orders",
            ),
        ]
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
        Output(ids.OV_MISMATCH_LINKS, "children"),
        Output(ids.OV_BACKLOG_LINKS, "children"),
        Output(ids.OV_CHANGES, "children"),
        Input(ids.OV_WINDOW, "value"),
        Input(ids.REFRESH, "n_intervals"),
    )
    def _update(window: str, _n: int | None) -> tuple[Any, ...]:
        window = window if window in WINDOWS else "24h"
        view = q.slo_view(window)
        before = executive.previous_values(q, list(q.slos() or ()), window)
        markers = triage.markers(q, window)
        tiles: Any = (
            [
                _tile(row, view.trend, window, before.get(str(row["name"])), markers)
                for _, row in view.tiles.iterrows()
            ]
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
                link="#" + ids.OV_ORDER_LIST,
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
            figures.mismatch_heatmap(mismatch, _objective(view.tiles, "mismatch")),
            figures.backlog_bars(backlog),
            drills.drill_list(
                ids.OV_MISMATCH, drills.mismatch_drills(mismatch), what="Mismatches in"
            ),
            drills.drill_list(ids.OV_BACKLOG, drills.backlog_drills(backlog), what="Open"),
            triage_figures.marker_list(markers),
        )

    @callback(
        app,
        Need.READ,
        Output(ids.OV_CAUSES, "figure"),
        Output(ids.OV_CAUSE_SUMMARY, "children"),
        Output(ids.OV_ORDER_LIST, "children"),
        Input(ids.OV_WINDOW, "value"),
        Input(ids.REFRESH, "n_intervals"),
    )
    def _causes(window: str, _n: int | None) -> tuple[Any, ...]:
        frame = executive.budget_by_cause(q, window if window in WINDOWS else "24h")
        summary = [
            stat(
                executive_figures.CAUSE_LABELS[cause],
                f"{n:,}",
                key=f"cause_{cause}",
                unit=f" bad events · {share:.0%}",
            )
            for cause, n, share in executive_figures.cause_summary(frame)
        ]
        total, orders = executive.impacted(q)
        return executive_figures.budget_by_cause(frame), summary, _orders(total, orders)

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
        fig = trends.monthly_figure(frame, objectives)
        if frame.empty:
            return fig
        # what changed, by month (a month's mark lists its changes on hover)
        first = trends.month_bounds(q.now())[0][1]
        changes = triage.markers(q, f"{(q.now() - first) // NS_PER_S + 1}s")
        if changes.empty:
            return fig
        by_month = changes.assign(time=changes["time"].dt.strftime("%Y-%m"))
        return triage_figures.add_markers(fig, by_month, compact=True)

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
    def _drill(heat: dict[str, Any] | None, backlog: dict[str, Any] | None) -> tuple[Any, Any]:
        link = drill_link(
            ctx.triggered_id, heat if ctx.triggered_id == ids.OV_MISMATCH else backlog
        )
        if link is None:  # no point clicked (empty clickData): stay
            return no_update, no_update
        path, _, query = link.partition("?")
        return path, f"?{query}" if query else ""


def drill_link(source: Any, click: dict[str, Any] | None) -> str | None:
    """Where a click on an overview chart leads: a heat-map row to its
    warehouse's mismatch exceptions, a backlog bar to the unresolved
    exceptions of its kind; None when no point was clicked."""
    point = ((click or {}).get("points") or [None])[0]
    if not point:
        return None
    if source == ids.OV_MISMATCH:
        if point.get("y") is None:
            return None
        # the axis shows the warehouse as text (markup escaped): back to its name
        return href("exceptions", kind="mismatch", warehouse=unplain(str(point["y"])))
    kind = point.get("customdata")
    return href("exceptions", status="unresolved", kind=kind if isinstance(kind, str) else None)
