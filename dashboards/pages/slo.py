"""One SLO's history: burn rates and error budget over time, with the
intervals its alerts fired shaded and what changed marked."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, dcc, html

from collector.identity import Need
from dashboards import ids, triage, triage_figures
from dashboards.access import callback
from dashboards.components import attrs, graph, href, named, pct, section
from dashboards.frames import to_time
from dashboards.pages.oncall import WINDOWS
from dashboards.queries import DashboardQueries

__all__ = ["layout", "register"]

_TIME = "%Y-%m-%d %H:%M UTC"


def layout(params: dict[str, str]) -> html.Div:
    window = params.get("window", "6h")
    return html.Div(
        [
            dcc.Store(id=ids.SL_NAME, data=params.get("name", "")),
            html.Div(
                [
                    html.H1("SLO history"),
                    named(
                        "history window",
                        dcc.RadioItems(
                            id=ids.SL_WINDOW,
                            options=[{"label": v, "value": k} for k, v in WINDOWS.items()],
                            value=window if window in WINDOWS else "6h",
                            inline=True,
                            className="window-picker",
                        ),
                    ),
                ],
                className="page-head",
            ),
            html.Div(id=ids.SL_STATE, className="headline"),
            html.Div(
                [
                    section(
                        "Burn rate over time",
                        graph(ids.SL_BURN),
                        hint="Shaded: when an alert fired. Dotted lines: deploys, "
                        "configuration reloads and SLO edits.",
                        wide=True,
                    ),
                    section("Error budget left over time", graph(ids.SL_BUDGET), wide=True),
                    section("When it fired", html.Div(id=ids.SL_FIRING)),
                    section("What changed", html.Div(id=ids.SL_MARKERS)),
                ],
                className="grid",
            ),
        ]
    )


def _intervals(intervals: list[dict[str, Any]]) -> Any:
    if not intervals:
        return html.P("No alert fired in this window.", className="empty-note")
    return html.Ul(
        [
            html.Li(
                f"{iv['severity']}: {to_time(iv['from_ns']).strftime(_TIME)} to "
                f"{to_time(iv['to_ns']).strftime(_TIME)}",
                **attrs(severity=iv["severity"]),
            )
            for iv in intervals
        ]
    )


def _since(since: int | None, first: int) -> str:
    if since is None:
        return ""
    if since == first:  # fired at every instant of the window
        return f", firing since before {to_time(since).strftime(_TIME)}"
    return f", firing since {to_time(since).strftime(_TIME)}"


def register(app: Dash, q: DashboardQueries) -> None:
    @callback(
        app,
        Need.READ,
        Output(ids.SL_STATE, "children"),
        Output(ids.SL_BURN, "figure"),
        Output(ids.SL_BUDGET, "figure"),
        Output(ids.SL_FIRING, "children"),
        Output(ids.SL_MARKERS, "children"),
        Input(ids.SL_WINDOW, "value"),
        Input(ids.REFRESH, "n_intervals"),
        State(ids.SL_NAME, "data"),
    )
    def _update(window: str, _n: int | None, name: str | None) -> tuple[Any, ...]:
        window = window if window in WINDOWS else "6h"
        slo = triage.spec(q, name or "")
        if slo is None:
            known = [
                dcc.Link(s.name, href=href("slo", name=s.name), className="slo-link")
                for s in q.slos() or ()
            ]
            missing = html.Div([html.P(f"No SLO named {name!r}. Pick one:"), *known])
            return missing, {}, {}, "", ""
        past = triage.slo_history(q, slo, window)
        markers = triage.markers(q, window)
        alerts = [
            {
                "severity": w.severity,
                "factor": w.factor,
                "long_window": w.long,
                "short_window": w.short,
            }
            for w in slo.windows
        ]
        last = past["points"][-1]
        since = past["since_ns"]
        state = html.Div(
            [
                html.H2(slo.display_name or slo.name),
                html.P(slo.description, className="hint"),
                html.P(
                    f"now: {last['status'].replace('_', ' ')}"
                    + _since(since, int(past["points"][0]["at_ns"]))
                    + f" · objective {pct(slo.objective, 2)} over {slo.window}"
                    + f" · budget left {pct(last['error_budget_remaining'], 0)}",
                    **attrs(status=last["status"]),
                ),
            ],
            **attrs(slo=slo.name),
        )
        return (
            state,
            triage_figures.burn_history(past["points"], alerts, past["intervals"], markers),
            triage_figures.budget_history(past["points"], past["intervals"], markers, slo.window),
            _intervals(past["intervals"]),
            triage_figures.marker_list(markers),
        )
