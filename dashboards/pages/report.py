"""The period report, for executives: a week, a month or a quarter on one
page that prints (``synclens report`` prints it to PDF).

Every number comes from :meth:`DashboardQueries.report`, the function
``GET /api/v1/report`` answers with.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dash import Dash, Input, Output, dcc, html

from collector.identity import Need
from dashboards import ids, report_figures
from dashboards.access import callback
from dashboards.components import attrs, graph, note, pct, section, stat
from dashboards.queries import DashboardQueries
from metrics.report import Period, PeriodError, parse_period, period_at, recent_periods

__all__ = ["layout", "period_name", "register"]

_STATUS = {"met": "met", "missed": "missed", "no_data": "no data", "not_historical": "not kept"}
_BADGE = {"met": "ok", "missed": "page", "no_data": "no_data", "not_historical": "no_data"}


def period_name(period: Period) -> str:
    """``Week 48, 2026 (23 Nov - 29 Nov)``, ``November 2026``, ``Q4 2026``."""
    if period.kind == "month":
        return period.first.strftime("%B %Y")
    if period.kind == "quarter":
        return f"{period.label[-2:]} {period.first.year}"
    last = period.after.toordinal() - 1
    span = f"{period.first:%d %b} - {datetime.fromordinal(last):%d %b}"
    return f"Week {int(period.label[-2:])}, {period.label[:4]} ({span})"


def layout(params: dict[str, str], *, now_ns: int) -> html.Div:
    periods = recent_periods(now_ns)
    chosen = params.get("period") or period_at("month", now_ns).label
    options = [{"label": period_name(p), "value": p.label} for p in periods]
    try:
        picked = parse_period(chosen)
        if picked not in periods:
            options.insert(0, {"label": period_name(picked), "value": picked.label})
        chosen = picked.label
    except PeriodError:
        options.insert(0, {"label": chosen, "value": chosen})  # the callback says why
    return html.Div(
        [
            html.Div(
                [
                    html.H1("Service report"),
                    dcc.Dropdown(
                        id=ids.RP_PERIOD,
                        options=options,
                        value=chosen,
                        clearable=False,
                        className="period-picker",
                    ),
                ],
                className="page-head",
            ),
            dcc.Loading(html.Div(id=ids.RP_BODY), type="dot"),
        ]
    )


def _when(iso: str | None) -> str:
    return "" if not iso else iso[:16].replace("T", " ") + " UTC"


def _duration(seconds: int) -> str:
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def _slo_table(report: dict[str, Any]) -> html.Table:
    head = [
        "SLO",
        "objective",
        "attained",
        "period before",
        "error budget spent",
        "good / total",
        "",
    ]
    rows = []
    for r in report["slos"]:
        status = str(r["status"])
        counts = "" if r["total"] is None else f"{int(r['good']):,} / {int(r['total']):,}"
        spent = r["budget_spent"]
        rows.append(
            html.Tr(
                [
                    html.Td(r["display_name"] or r["name"]),
                    html.Td(pct(r["objective"], 2), className="num"),
                    html.Td(pct(r["attainment"], 3), className="num attained"),
                    html.Td(
                        "" if r["status"] == "not_historical" else pct(r["previous_attainment"], 3),
                        className="num previous",
                    ),
                    html.Td("" if spent is None else pct(spent, 0), className="num budget-spent"),
                    html.Td(counts, className="num counts"),
                    html.Td(html.Span(_STATUS[status], className=f"badge {_BADGE[status]}")),
                ],
                **attrs(slo=r["name"], status=status),
            )
        )
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
        id=ids.RP_SLOS,
        className="report-table",
    )


def _peak(episode: dict[str, Any]) -> str:
    peak = episode["peak_burn_rate"]
    return "total outage" if peak is None else f"{peak:.1f}\u00d7"


def _alerts(report: dict[str, Any]) -> Any:
    episodes = report["alerts"]
    if not episodes:
        return note("No burn-rate alert fired in this period.")
    rows = [
        html.Tr(
            [
                html.Td(e["display_name"] or e["slo"]),
                html.Td(html.Span(e["severity"], className=f"badge {e['severity']}")),
                html.Td(", ".join(f"{k} {v}" for k, v in (e["group"] or {}).items())),
                html.Td(_when(e["started_at"])),
                html.Td(_when(e["ended_at"]) or "still firing"),
                html.Td(_duration(int(e["duration_s"])), className="num"),
                html.Td(_peak(e), className="num"),
            ],
            **attrs(alert=e["slo"], severity=e["severity"]),
        )
        for e in episodes
    ]
    head = ["SLO", "severity", "for", "from", "until", "lasted", "peak burn rate"]
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
        id=ids.RP_ALERTS,
        className="report-table",
    )


def _summary(report: dict[str, Any]) -> html.Div:
    measured = [r for r in report["slos"] if r["met"] is not None]
    met = sum(1 for r in measured if r["met"])
    pages = sum(1 for e in report["alerts"] if e["severity"] == "page")
    tickets = len(report["alerts"]) - pages
    opened = report["exceptions"] or {}
    impacted = report["orders_impacted"]
    return html.Div(
        [
            stat("SLOs met", f"{met} of {len(measured)}", key="slos_met"),
            stat("pages", f"{pages:,}", key="pages"),
            stat("tickets", f"{tickets:,}", key="tickets"),
            stat("problems opened", f"{opened.get('opened', 0):,}", key="exceptions_opened"),
            stat(
                "orders impacted",
                "n/a" if impacted is None else f"{impacted:,}",
                key="orders_impacted",
            ),
        ],
        className="stats",
    )


def body(report: dict[str, Any]) -> html.Div:
    """The report's sections (a pure function of the report)."""
    period = report["period"]
    progress = "" if period["complete"] else f", to {_when(period['until'])} (in progress)"
    slos = report_figures.slo_frame(report)
    objectives = dict(zip(slos["name"], slos["objective"], strict=True))
    by_kind = (report["exceptions"] or {}).get("by_kind", {})
    return html.Div(
        [
            html.P(
                f"{period_name(parse_period(period['label']))}: {_when(period['from'])} "
                f"to {_when(period['to'])}{progress}. Computed {_when(report['computed_at'])}.",
                className="hint",
            ),
            _summary(report),
            html.Div(
                [
                    section("Objectives", _slo_table(report), wide=True),
                    section(
                        "Attainment against objective",
                        graph(ids.RP_ATTAINMENT, report_figures.attainment_bars(slos)),
                        hint="Share of good events in the period; the black mark is the objective.",
                    ),
                    section(
                        "Week over week",
                        graph(
                            ids.RP_TREND,
                            report_figures.trend_lines(
                                report_figures.trend_frame(report), objectives
                            ),
                        ),
                        hint="Attainment of each ISO week; dashed: the objectives.",
                    ),
                    section(
                        "Where the error budget went",
                        graph(
                            ids.RP_COSTS,
                            report_figures.cost_bars(report_figures.cost_frame(report)),
                        ),
                        hint="Targets and warehouses by their share of the period's error budget.",
                        wide=True,
                    ),
                    section(
                        "Alerts that fired",
                        _alerts(report),
                        html.P(
                            "Problems opened: "
                            + (", ".join(f"{k} {n:,}" for k, n in by_kind.items()) or "none"),
                            className="hint",
                        ),
                        hint="Burn-rate and total-outage alerts, replayed from the store step by step.",
                        wide=True,
                    ),
                ],
                className="grid",
            ),
        ],
        **attrs(report=period["label"]),
    )


def register(app: Dash, queries: DashboardQueries) -> None:
    @callback(app, Need.READ, Output(ids.RP_BODY, "children"), Input(ids.RP_PERIOD, "value"))
    def _show(label: str | None) -> Any:
        try:
            report = queries.report(label or "")
        except ValueError as exc:  # PeriodError, ReportError: said as they are
            return note(str(exc))
        return body(report)
