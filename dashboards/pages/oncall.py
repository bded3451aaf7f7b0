"""On-call: what is burning, which target fails, is ingest healthy, what is new."""

from __future__ import annotations

from typing import Any, cast

from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from collector.identity import Need
from collector.timefmt import NS_PER_S
from dashboards import drills, figures, ids, triage, triage_figures
from dashboards.access import callback
from dashboards.components import attrs, graph, href, named, section, stat
from dashboards.frames import to_time
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
            html.Div(id=ids.OC_FIRING, className="firing-strip", role="status"),
            html.Div(id=ids.OC_STATUS, className="headline"),
            html.Div(
                [
                    section(
                        "Burn rate per SLO and alert window",
                        graph(ids.OC_BURN),
                        html.Div(id=ids.OC_BURN_LINKS),
                        hint="How fast each SLO spends its error budget (1\u00d7 = exactly on budget). "
                        "An alert fires when both the long and the short window exceed the threshold. "
                        "Click a bar (or follow a link below) for the SLO's history.",
                        wide=True,
                    ),
                    section(
                        "Each SLO over the window",
                        graph(ids.OC_TREND),
                        hint="Share of good events per step. Dotted lines: deploys, configuration "
                        "reloads and SLO edits (listed under \u201cWhat changed\u201d).",
                        wide=True,
                    ),
                    section(
                        "Failing targets",
                        graph(ids.OC_FAILING),
                        html.Div(id=ids.OC_FAILING_LINKS),
                        hint="Delivery calls that failed (API errors, 429s, timeouts, dead letters). "
                        "Click a bar (or follow a link below) for the failed attempts.",
                    ),
                    section(
                        "Undelivered and dead letters by target",
                        graph(ids.OC_UNDELIVERED),
                        html.Div(id=ids.OC_UNDELIVERED_LINKS),
                    ),
                    section(
                        "Ingest health",
                        html.Div(id=ids.OC_INGEST, className="stats"),
                        hint="Since the service started; rates over the last refresh.",
                    ),
                    section("Newest open exceptions", html.Div(id=ids.OC_NEWEST)),
                    section(
                        "What changed",
                        html.Div(id=ids.OC_MARKERS),
                        hint="Deploys and notes posted to /api/v1/annotations, configuration "
                        "reloads and SLO edits; each is a dotted line on the time charts.",
                    ),
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


def firing_strip(firing: list[dict[str, Any]], window: str) -> Any:
    """Each firing SLO: severity (in words), name, burn rate, since when;
    each links to the SLO's history."""
    if not firing:
        return html.P("No SLO alert is firing.", className="firing-none", **attrs(firing="0"))
    items = []
    for f in firing:
        since = (
            "since: unknown (measured now, no history)"
            if f["since_ns"] is None
            else f"for over {WINDOWS.get(window, window)}"
            if f["since_start"]
            else f"since {to_time(int(f['since_ns'])).strftime('%H:%M UTC')}"
        )
        burn = "no data" if f["burn_rate"] is None else f"{f['burn_rate']:.1f}\u00d7"
        items.append(
            html.Div(
                [
                    html.Span(f["severity"].upper(), className=f"badge {f['severity']}"),
                    dcc.Link(
                        f["title"],
                        href=href("slo", name=f["name"], window=window),
                        className="firing-name",
                        title="burn-rate and budget history",
                    ),
                    html.Span(
                        f"burning {burn} over {f['windows']} (alert above {f['factor']:g}\u00d7)",
                        className="firing-burn",
                    ),
                    html.Span(since, className="firing-since"),
                ],
                className=f"firing-item {f['severity']}",
                **attrs(slo=f["name"], severity=f["severity"]),
            )
        )
    return html.Div(items, **attrs(firing=str(len(firing))))


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
        Output(ids.OC_BURN_LINKS, "children"),
        Output(ids.OC_FAILING_LINKS, "children"),
        Output(ids.OC_UNDELIVERED_LINKS, "children"),
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
            stat(
                "failed delivery calls",
                f"{int(targets['failed'].sum()):,}",
                key="failed",
                link=href("attempts", window=window),
            ),
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
        failures = q.failures(window)
        return (
            figures.burn_rates(view.burn),
            figures.failing_targets(targets, failures),
            figures.undelivered_by_target(targets),
            status,
            _newest(cast(list[dict[str, Any]], newest.to_dict("records"))),
            drills.drill_list(
                ids.OC_BURN, drills.burn_drills(view.burn, window), what="Burn-rate history of"
            ),
            drills.drill_list(
                ids.OC_FAILING,
                drills.failing_drills(targets, failures, window),
                what="Failed attempts of",
            ),
            drills.drill_list(ids.OC_UNDELIVERED, drills.undelivered_drills(targets), what="Open"),
        )

    @callback(
        app,
        Need.READ,
        Output(ids.OC_TREND, "figure"),
        Input(ids.OC_WINDOW, "value"),
        Input(ids.REFRESH, "n_intervals"),
    )
    def _trend(window: str, _n: int | None) -> Any:
        # its own callback: the steps across the window are computed once
        # each and reused (q.slo_view), but a first view need not wait for them
        window = window if window in WINDOWS else "1h"
        view = q.slo_view(window)
        titles = dict(zip(view.tiles["name"], view.tiles["title"], strict=True))
        return triage_figures.slo_trend(view.trend, titles, triage.markers(q, window))

    @callback(
        app,
        Need.READ,
        Output(ids.OC_FIRING, "children"),
        Output(ids.OC_MARKERS, "children"),
        Input(ids.OC_WINDOW, "value"),
        Input(ids.REFRESH, "n_intervals"),
    )
    def _firing(window: str, _n: int | None) -> tuple[Any, ...]:
        # its own callback: since when each SLO fires takes its history, and
        # the counts and charts need not wait for it
        window = window if window in WINDOWS else "1h"
        view = q.slo_view(window, trend=False)
        return (
            firing_strip(triage.firing(q, view.evaluated, window), window),
            triage_figures.marker_list(triage.markers(q, window)),
        )

    @callback(
        app,
        Need.READ,
        # the shell's location: what the clicked bar counts
        Output(ids.URL, "search", allow_duplicate=True),
        Output(ids.URL, "pathname", allow_duplicate=True),
        Input(ids.OC_FAILING, "clickData"),
        Input(ids.OC_BURN, "clickData"),
        Input(ids.OC_UNDELIVERED, "clickData"),
        State(ids.OC_WINDOW, "value"),
        prevent_initial_call=True,
    )
    def _drill(
        failing: dict[str, Any] | None,
        burn: dict[str, Any] | None,
        undelivered: dict[str, Any] | None,
        window: str | None,
    ) -> tuple[Any, Any]:
        link = drill_link(ctx.triggered_id, failing or burn or undelivered, window)
        if link is None:
            return no_update, no_update
        path, _, query = link.partition("?")
        return f"?{query}", path

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


def drill_link(source: Any, click: dict[str, Any] | None, window: str | None) -> str | None:
    """Where a click on an on-call chart leads: a failing-target bar to its
    failed attempts (of its failure class), a burn-rate bar to its SLO's
    history, an undelivered bar to those exceptions of its target."""
    point = ((click or {}).get("points") or [None])[0]
    if not point:
        return None
    data = point.get("customdata")
    if source == ids.OC_BURN:  # [firing in words, the SLO's name]
        name = data[1] if isinstance(data, list) and len(data) > 1 else None
        return href("slo", name=name, window=window) if isinstance(name, str) else None
    if source == ids.OC_UNDELIVERED:
        kind = data if data in ("undelivered", "dead_lettered") else None
        return href("exceptions", kind=kind, target=point.get("x"), status="unresolved")
    if not point.get("y"):
        return None
    error_class = data[1] if isinstance(data, list) and len(data) > 1 else None
    return href("attempts", window=window, target=point["y"], error_class=error_class)
