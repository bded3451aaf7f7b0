"""Failed delivery attempts: what every on-call count and failing-target bar
drills down to (target, failure class, HTTP status, time, trace), filtered
and paged, the filters and the page in the URL (a link shows the same rows)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pandas as pd
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from collector.identity import Need
from collector.timefmt import iso, parse_rfc3339_ns
from dashboards import ids, triage
from dashboards.access import callback
from dashboards.components import attrs, href, named
from dashboards.pages.oncall import WINDOWS
from dashboards.queries import DashboardQueries
from metrics.slis.attempts import AttemptFilter

__all__ = ["FILTERS", "PAGE_ROWS", "layout", "register", "search", "wanted"]

PAGE_ROWS = 50
_HEAD = ("time", "target", "failure", "HTTP status", "warehouse", "SKU", "attempt", "trace")
#: URL parameter -> (the filter's input id, its label); the window and page apart
FILTERS: dict[str, tuple[str, str]] = {
    "target": (ids.AT_TARGET, "target"),
    "error_class": (ids.AT_CLASS, "failure"),
    "http_status": (ids.AT_STATUS, "HTTP status"),
    "sku": (ids.AT_SKU, "SKU"),
    "since": (ids.AT_SINCE, "from (UTC, RFC 3339)"),
    "until": (ids.AT_UNTIL, "until (UTC, RFC 3339)"),
}
_EXAMPLE_TIME = "e.g. 2026-12-03T14:00:00Z"
_PAGER_NAME: dict[str, Any] = {"aria-label": "pages of failed attempts"}


def _page(text: str | None) -> int:
    return int(text) if text and text.isdigit() and int(text) > 0 else 1


def _input(name: str, value: str) -> html.Label:
    id_, label = FILTERS[name]
    extra: dict[str, Any] = (
        {"type": "number", "min": 100, "max": 599, "step": 1}
        if name == "http_status"
        else {"type": "text", "placeholder": _EXAMPLE_TIME if name in ("since", "until") else ""}
    )
    return html.Label([f"{label} ", dcc.Input(id=id_, value=value, debounce=True, **extra)])


def layout(params: dict[str, str]) -> html.Div:
    window = params.get("window", "1h")
    return html.Div(
        [
            dcc.Location(id=ids.AT_URL, refresh=False),
            dcc.Store(id=ids.AT_PAGE, data=_page(params.get("page"))),
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
                [_input(name, params.get(name, "")) for name in FILTERS],
                className="attempt-filters",
            ),
            html.P(
                "The window counts back from now, or from \u201cuntil\u201d; \u201cfrom\u201d "
                "replaces its start. Each filter and the page are kept in the address: a link "
                "shows the same rows.",
                className="hint",
            ),
            html.Div(id=ids.AT_SUMMARY, className="summary", role="status"),
            html.Div(
                [
                    html.Button("\u2190 Newer", id=ids.AT_PREV, n_clicks=0, disabled=True),
                    html.Span(id=ids.AT_PAGER),
                    html.Button("Older \u2192", id=ids.AT_NEXT, n_clicks=0, disabled=True),
                ],
                className="pager",
                role="group",
                **_PAGER_NAME,
            ),
            html.Div(id=ids.AT_TABLE, className="attempts"),
        ]
    )


def wanted(values: dict[str, Any], page: int) -> AttemptFilter | str:
    """The filter the inputs ask for (``values``: URL parameter -> the
    input's value), or what is wrong with them, in words."""
    text = {k: str(v).strip() if v is not None else "" for k, v in values.items()}
    status = text.get("http_status", "")
    if status and not (status.isdigit() and 100 <= int(status) <= 599):
        return f"HTTP status {status!r} is not a status code (100 to 599)"
    times: dict[str, int | None] = {}
    for name in ("since", "until"):
        try:
            times[name] = parse_rfc3339_ns(text[name]) if text.get(name) else None
        except ValueError as exc:
            return f"{FILTERS[name][1]}: {exc}"
    since, until = times["since"], times["until"]
    if since is not None and until is not None and since >= until:
        return "\u201cuntil\u201d must come after \u201cfrom\u201d"
    window = text.get("window", "1h")
    return AttemptFilter(
        window if window in WINDOWS else "1h",
        text.get("target") or None,
        text.get("error_class") or None,
        text.get("sku") or None,
        limit=PAGE_ROWS,
        offset=(max(1, page) - 1) * PAGE_ROWS,
        http_status=int(status) if status else None,
        since_ns=since,
        until_ns=until,
    )


def search(values: dict[str, Any], page: int) -> str:
    """The URL's query of these filters and page (empty ones left out)."""
    kept = {k: str(v).strip() for k, v in values.items() if v is not None and str(v).strip()}
    if page > 1:
        kept["page"] = str(page)
    return "?" + urlencode(kept) if kept else ""


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


def _when(ns: int) -> str:
    return (iso(ns) or "")[:19].replace("T", " ") + " UTC"


def register(app: Dash, q: DashboardQueries) -> None:
    filters = [Input(id_, "value") for id_, _ in FILTERS.values()]

    @callback(
        app,
        Need.READ,
        Output(ids.AT_PAGE, "data"),
        Input(ids.AT_PREV, "n_clicks"),
        Input(ids.AT_NEXT, "n_clicks"),
        Input(ids.AT_WINDOW, "value"),
        *filters,
        State(ids.AT_PAGE, "data"),
        prevent_initial_call=True,
    )
    def _turn(*args: Any) -> int:
        page = int(args[-1] or 1)
        if ctx.triggered_id == ids.AT_PREV:
            return max(1, page - 1)
        if ctx.triggered_id == ids.AT_NEXT:
            return page + 1
        return 1  # other filters: from the first page

    @callback(
        app,
        Need.READ,
        Output(ids.AT_TABLE, "children"),
        Output(ids.AT_SUMMARY, "children"),
        Output(ids.AT_PAGER, "children"),
        Output(ids.AT_PREV, "disabled"),
        Output(ids.AT_NEXT, "disabled"),
        Output(ids.AT_URL, "search"),
        Input(ids.AT_PAGE, "data"),
        Input(ids.AT_WINDOW, "value"),
        *filters,
        Input(ids.REFRESH, "n_intervals"),
        State(ids.AT_URL, "search"),
    )
    def _update(page: int | None, window: str, *rest: Any) -> tuple[Any, ...]:
        values = {"window": window, **dict(zip(FILTERS, rest[: len(FILTERS)], strict=True))}
        current = rest[-1]
        page = max(1, int(page or 1))
        found = wanted(values, page)
        if isinstance(found, str):
            summary = html.P(found, className="empty-note", **attrs(total="-1"))
            return "", summary, "", True, True, no_update
        total, frame, (start, end) = triage.attempts(q, found)
        pages = max(1, -(-total // PAGE_ROWS))
        if page > pages:  # past the end (fewer now, or a stale link): the last page
            page = pages
            found = wanted(values, page)
            assert not isinstance(found, str)
            total, frame, (start, end) = triage.attempts(q, found)
        shown = (
            f"{total:,} failed attempt{'s' if total != 1 else ''} "
            f"from {_when(start)} to {_when(end)}"
        )
        if total > len(frame):
            first = (page - 1) * PAGE_ROWS + 1
            shown += f"; {first:,} to {first + len(frame) - 1:,} shown, newest first"
        summary = html.P(shown, **attrs(total=total, page=page))
        wanted_search = search(values, page)
        return (
            table(frame),
            summary,
            f"page {page} of {pages}",
            page <= 1,
            page >= pages,
            wanted_search if wanted_search != (current or "") else no_update,
        )
