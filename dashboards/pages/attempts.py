"""Failed delivery attempts: what every on-call count and failing-target bar
drills down to (target, failure class, HTTP status, time, trace), filtered."""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import Dash, Input, Output, dcc, html

from collector.identity import Need
from dashboards import ids, triage
from dashboards.access import callback
from dashboards.components import attrs, href, named
from dashboards.pages.oncall import WINDOWS
from dashboards.queries import DashboardQueries
from metrics.slis.attempts import AttemptFilter

__all__ = ["PAGE_ROWS", "layout", "register"]

PAGE_ROWS = 200
_HEAD = ("time", "target", "failure", "HTTP status", "warehouse", "SKU", "attempt", "trace")


def layout(params: dict[str, str]) -> html.Div:
    window = params.get("window", "1h")
    return html.Div(
        [
            html.Div(
                [
                    html.H1("Failed delivery attempts"),
                    named(
                        "attempts window",
                        dcc.RadioItems(
                            id=ids.AT_WINDOW,
                            options=[{"label": v, "value": k} for k, v in WINDOWS.items()],
                            value=window if window in WINDOWS else "1h",
                            inline=True,
                            className="window-picker",
                        ),
                    ),
                ],
                className="page-head",
            ),
            html.Div(
                [
                    html.Label(
                        [
                            "target ",
                            dcc.Input(
                                id=ids.AT_TARGET,
                                type="text",
                                value=params.get("target", ""),
                                debounce=True,
                            ),
                        ]
                    ),
                    html.Label(
                        [
                            "failure ",
                            dcc.Input(
                                id=ids.AT_CLASS,
                                type="text",
                                value=params.get("error_class", ""),
                                debounce=True,
                            ),
                        ]
                    ),
                    html.Label(
                        [
                            "SKU ",
                            dcc.Input(
                                id=ids.AT_SKU,
                                type="text",
                                value=params.get("sku", ""),
                                debounce=True,
                            ),
                        ]
                    ),
                ],
                className="attempt-filters",
            ),
            html.Div(id=ids.AT_SUMMARY, className="summary"),
            html.Div(id=ids.AT_TABLE, className="attempts"),
        ]
    )


def _trace_link(row: pd.Series) -> Any:
    if not row["sku"]:
        return html.Code(row["trace_id"])
    return dcc.Link(
        "open trace",
        href=href("lineage", sku=row["sku"], location=row["location"], trace=row["trace_id"]),
        className="trace-link",
        title=f"trace {row['trace_id']}",
    )


def table(frame: pd.DataFrame) -> Any:
    if frame.empty:
        return html.P("No failed attempt matches.", className="empty-note")
    body = [
        html.Tr(
            [
                html.Td(r["time"]),
                html.Td(r["target"]),
                html.Td(r["error_class"]),
                html.Td("" if pd.isna(r["http_status"]) else str(int(r["http_status"]))),
                html.Td(r["warehouse"] or ""),
                html.Td(r["sku"] or ""),
                html.Td("" if pd.isna(r["attempt"]) else str(int(r["attempt"]))),
                html.Td(_trace_link(r)),
            ],
            **attrs(trace=r["trace_id"], target=r["target"], error_class=r["error_class"]),
        )
        for _, r in frame.iterrows()
    ]
    return html.Table(
        [
            html.Caption("Failed delivery attempts, newest first"),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in _HEAD])),
            html.Tbody(body),
        ],
        className="data-table",
    )


def register(app: Dash, q: DashboardQueries) -> None:
    @callback(
        app,
        Need.READ,
        Output(ids.AT_TABLE, "children"),
        Output(ids.AT_SUMMARY, "children"),
        Input(ids.AT_WINDOW, "value"),
        Input(ids.AT_TARGET, "value"),
        Input(ids.AT_CLASS, "value"),
        Input(ids.AT_SKU, "value"),
        Input(ids.REFRESH, "n_intervals"),
    )
    def _update(
        window: str, target: str | None, error_class: str | None, sku: str | None, _n: int | None
    ) -> tuple[Any, ...]:
        window = window if window in WINDOWS else "1h"
        wanted = AttemptFilter(
            window,
            (target or "").strip() or None,
            (error_class or "").strip() or None,
            (sku or "").strip() or None,
            limit=PAGE_ROWS,
        )
        total, frame = triage.attempts(q, wanted)
        shown = f"{total:,} failed attempt{'s' if total != 1 else ''} in the last {WINDOWS[window]}"
        if total > len(frame):
            shown += f" (the newest {len(frame):,} shown; narrow the filters for the rest)"
        summary = html.P(shown, **attrs(total=total))
        return table(frame), summary
