"""On-call: what is burning, which target fails, is ingest healthy, what is new."""

from __future__ import annotations

from typing import Any, cast

from dash import Dash, Input, Output, State, dcc, html

from collector.identity import Need
from collector.timefmt import NS_PER_S
from dashboards import figures, ids
from dashboards.access import callback
from dashboards.components import attrs, graph, href, named, section, stat
from dashboards.queries import DashboardQueries

__all__ = ["WINDOWS", "ingest_rates", "layout", "register"]

WINDOWS = {"1h": "1 h", "6h": "6 h", "24h": "24 h"}


def layout(params: dict[str, str]) -> html.Div:
    window = params.get("window", "1h")
    return html.Div(
        [
            html.Div(
                [
                    html.H1("On-call"),
                    html.Span("failures, undelivered and dead letters over", className="hint"),
                    named(
                        "time window",
                        dcc.RadioItems(
                            id=ids.OC_WINDOW,
                            options=[{"label": v, "value": k} for k, v in WINDOWS.items()],
                            value=window if window in WINDOWS else "1h",
                            inline=True,
                            className="window-picker",
                        ),
                    ),
                ],
                className="page-head",
            ),
            dcc.Store(id=ids.OC_INGEST_SAMPLE),
            html.Div(id=ids.OC_STATUS, className="headline"),
            html.Div(
                [
                    section(
                        "Burn rate per SLO and alert window",
                        graph(ids.OC_BURN),
                        hint="How fast each SLO spends its error budget (1\u00d7 = exactly on budget). "
                        "An alert fires when both the long and the short window exceed the threshold.",
                        wide=True,
                    ),
                    section(
                        "Failing targets",
                        graph(ids.OC_FAILING),
                        hint="Delivery calls that failed (API errors, 429s, timeouts, dead letters).",
                    ),
                    section("Undelivered and dead letters by target", graph(ids.OC_UNDELIVERED)),
                    section(
                        "Ingest health",
                        html.Div(id=ids.OC_INGEST, className="stats"),
                        hint="Since the service started; rates over the last refresh.",
                    ),
                    section("Newest open exceptions", html.Div(id=ids.OC_NEWEST)),
                ],
                className="grid",
            ),
        ]
    )


def ingest_rates(
    prev: dict[str, Any] | None, counts: dict[str, float], at_ns: int
) -> dict[str, float | None]:
    """Per-second rates between two ingest samples (None before a second sample)."""
    if not prev or at_ns <= int(prev["at_ns"]):
        return dict.fromkeys(counts)
    dt = (at_ns - int(prev["at_ns"])) / NS_PER_S
    return {k: max(0.0, (v - float(prev["counts"].get(k, 0.0))) / dt) for k, v in counts.items()}


def _rate(value: float | None) -> str:
    return "measuring…" if value is None else f"{value:,.1f}/s"


def _newest(rows: list[dict[str, Any]]) -> Any:
    if not rows:
        return html.P("No open exceptions.", className="empty-note")
    return html.Ul(
        [
            html.Li(
                [
                    html.Span(
                        figures.KIND_LABELS.get(r["kind"], r["kind"]), className=f"kind {r['kind']}"
                    ),
                    dcc.Link(
                        f"#{r['id']}", href=href("exceptions", id=r["id"]), className="exc-id"
                    ),
                    html.Span(r["reason"], className="reason"),
                    dcc.Link(
                        "lineage →",
                        href=href("lineage", sku=r["sku"], location=r["location"] or None)
                        if r["sku"]
                        else href("exceptions", id=r["id"]),
                        className="lineage-link",
                    ),
                ],
                **attrs(exception=str(r["id"])),
            )
            for r in rows
        ],
        className="newest",
    )


def register(app: Dash, q: DashboardQueries) -> None:
    @callback(
        app,
        Need.READ,
        Output(ids.OC_BURN, "figure"),
        Output(ids.OC_FAILING, "figure"),
        Output(ids.OC_UNDELIVERED, "figure"),
        Output(ids.OC_STATUS, "children"),
        Output(ids.OC_NEWEST, "children"),
        Input(ids.OC_WINDOW, "value"),
        Input(ids.REFRESH, "n_intervals"),
    )
    def _update(window: str, _n: int | None) -> tuple[Any, ...]:
        window = window if window in WINDOWS else "1h"
        view = q.slo_view(window, trend=False)
        targets = q.by_target(window)
        total, newest = q.exception_list(status="unresolved", limit=10)
        firing = view.burn[view.burn["firing"]] if not view.burn.empty else view.burn
        status = [
            stat(
                "SLO alerts firing",
                str(firing["name"].nunique()) if not firing.empty else "0",
                key="alerts_firing",
            ),
            stat("failed delivery calls", f"{int(targets['failed'].sum()):,}", key="failed"),
            stat(
                "undelivered",
                f"{int(targets['undelivered'].sum()):,}",
                key="undelivered",
                link=href("exceptions", kind="undelivered"),
            ),
            stat(
                "dead-lettered",
                f"{int(targets['dead_lettered'].sum()):,}",
                key="dead_lettered",
                link=href("exceptions", kind="dead_lettered"),
            ),
            stat(
                "open exceptions",
                f"{total:,}",
                key="open_exceptions",
                link=href("exceptions", status="unresolved"),
            ),
        ]
        return (
            figures.burn_rates(view.burn),
            figures.failing_targets(targets, q.failures(window)),
            figures.undelivered_by_target(targets),
            status,
            _newest(cast(list[dict[str, Any]], newest.to_dict("records"))),
        )

    @callback(
        app,
        Need.READ,
        Output(ids.OC_INGEST, "children"),
        Output(ids.OC_INGEST_SAMPLE, "data"),
        Input(ids.REFRESH, "n_intervals"),
        Input(ids.OC_WINDOW, "value"),
        State(ids.OC_INGEST_SAMPLE, "data"),
    )
    def _ingest(_n: int | None, _w: str, prev: dict[str, Any] | None) -> tuple[Any, ...]:
        sample = q.ingest()
        rates = ingest_rates(prev, sample.counts, sample.at_ns)
        c = sample.counts
        rejected = c["events_rejected"] + c["spans_rejected"]
        children = [
            stat(
                "events received",
                f"{c['events']:,.0f}",
                key="events",
                unit=f" · {_rate(rates['events'])}",
            ),
            stat(
                "spans received",
                f"{c['spans']:,.0f}",
                key="spans",
                unit=f" · {_rate(rates['spans'])}",
            ),
            stat("duplicate events", f"{c['duplicates']:,.0f}", key="duplicates"),
            stat("rejected (bad data)", f"{rejected:,.0f}", key="rejected"),
            stat("refused: queue full (429)", f"{c['dropped']:,.0f}", key="dropped"),
            stat("queue depth", f"{sample.queue_depth:,}", key="queue_depth", unit=" rows"),
        ]
        return children, {"at_ns": sample.at_ns, "counts": c}
