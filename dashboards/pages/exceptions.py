"""Exceptions: filter, sort, acknowledge or resolve with a note, read the audit trail."""

from __future__ import annotations

from typing import Any, cast

from dash import Dash, Input, Output, State, ctx, dash_table, dcc, html, no_update

from collector.identity import Need
from dashboards import ids
from dashboards.access import callback, current_principal
from dashboards.components import attrs, href
from dashboards.figures import KIND_LABELS
from dashboards.queries import DashboardQueries
from metrics.exceptions import MAX_NOTE_BYTES, InvalidTransition, NotFound

__all__ = ["layout", "register"]

_STATUSES = [
    ("unresolved", "open or acknowledged"),
    ("open", "open"),
    ("acknowledged", "acknowledged"),
    ("resolved", "resolved"),
]
_FONT = "Inter, Segoe UI, Helvetica, Arial, sans-serif"
_COLUMNS = [
    ("id", "#", "numeric"),
    ("kind", "kind", "text"),
    ("status", "status", "text"),
    ("warehouse", "warehouse", "text"),
    ("target", "target", "text"),
    ("sku", "SKU", "text"),
    ("location", "location", "text"),
    ("age_h", "age (hours)", "numeric"),
    ("owner_team", "owner", "text"),
    ("reason", "reason", "text"),
]


def _dropdown(id_: str, placeholder: str, options: list[dict[str, str]], value: str | None) -> Any:
    return dcc.Dropdown(
        id=id_,
        options=options,
        value=value,
        placeholder=placeholder,
        clearable=True,
        className="filter",
    )


def _given(value: str | None) -> list[dict[str, str]]:
    return [{"label": value, "value": value}] if value else []


def layout(params: dict[str, str], *, may_operate: bool = False) -> html.Div:
    """``may_operate``: show acknowledge / resolve (the callback checks again)."""
    selected = params.get("id")
    return html.Div(
        [
            html.Div([html.H1("Exceptions")], className="page-head"),
            html.Div(
                [
                    _dropdown(
                        ids.EX_KIND,
                        "any kind",
                        [{"label": v, "value": k} for k, v in KIND_LABELS.items()],
                        params.get("kind"),
                    ),
                    _dropdown(
                        ids.EX_STATUS,
                        "any status",
                        [{"label": v, "value": k} for k, v in _STATUSES],
                        params.get("status", None if selected else "unresolved"),
                    ),
                    # a value from the URL is an option from the start (a dropdown
                    # drops a value its options lack); the table callback fills the rest
                    _dropdown(
                        ids.EX_WAREHOUSE,
                        "any warehouse",
                        _given(params.get("warehouse")),
                        params.get("warehouse"),
                    ),
                    _dropdown(
                        ids.EX_TARGET,
                        "any target",
                        _given(params.get("target")),
                        params.get("target"),
                    ),
                ],
                className="filters",
            ),
            html.Div(id=ids.EX_SUMMARY, className="summary"),
            dcc.Store(
                id=ids.EX_SELECTED, data=int(selected) if selected and selected.isdigit() else None
            ),
            dcc.Store(id=ids.EX_CHANGED, data=0),
            html.Div(
                [
                    html.Div(
                        dash_table.DataTable(  # type: ignore[attr-defined]
                            id=ids.EX_TABLE,
                            columns=[{"id": c, "name": n, "type": t} for c, n, t in _COLUMNS],
                            data=[],
                            sort_action="native",
                            filter_action="native",
                            page_action="native",
                            page_size=15,
                            row_selectable="single",
                            style_as_list_view=True,
                            style_table={"overflowX": "auto"},
                            style_cell={
                                "textAlign": "left",
                                "padding": "6px",
                                "fontSize": "13px",
                                "fontFamily": _FONT,
                                "maxWidth": "260px",
                                "overflow": "hidden",
                                "textOverflow": "ellipsis",
                            },
                            style_header={"fontWeight": "600", "backgroundColor": "#f3f4f6"},
                            tooltip_duration=None,
                        ),
                        className="card table-card",
                    ),
                    html.Div(
                        [
                            html.Div(id=ids.EX_DETAIL),
                            html.Div(id=ids.EX_EVIDENCE, className="evidence"),
                            _actions() if may_operate else html.Div(),
                            html.H3("Audit trail"),
                            html.Div(id=ids.EX_AUDIT, className="audit"),
                        ],
                        className="card detail-card",
                    ),
                ],
                className="exceptions-grid",
            ),
        ]
    )


def _actions() -> html.Div:
    return html.Div(
        [
            dcc.Textarea(
                id=ids.EX_NOTE,
                placeholder="note (why, what was done)",
                maxLength=MAX_NOTE_BYTES // 4,  # UTF-8: the server counts bytes
            ),
            html.Div(
                [
                    html.Button("Acknowledge", id=ids.EX_ACK, className="primary"),
                    html.Button("Resolve", id=ids.EX_RESOLVE),
                ],
                className="buttons",
            ),
            html.Div(id=ids.EX_MESSAGE, className="message"),
        ],
        className="actions",
    )


def _detail(x: dict[str, Any] | None) -> tuple[Any, Any]:
    if x is None:
        return html.P("Select an exception in the table.", className="empty-note"), []
    head = html.Div(
        [
            html.H3(f"#{x['id']} {KIND_LABELS.get(x['kind'], x['kind'])}"),
            html.Span(x["status"], className=f"badge {x['status']}", **attrs(status=x["status"])),
            html.P(x["reason"]),
            _correction(x),
            html.P(f"owner: {x['owner_team']} · severity: {x['severity']}", className="hint"),
        ]
    )
    links: list[Any] = []
    if x.get("sku"):
        links.append(
            dcc.Link(
                f"lineage of {x['sku']}" + (f" at {x['location']}" if x.get("location") else ""),
                href=href("lineage", sku=x["sku"], location=x.get("location")),
            )
        )
    for order in (x.get("order_ids") or [])[:5]:
        links.append(dcc.Link(f"order {order}", href=href("lineage", order=order)))
    for trace in (x.get("trace_ids") or [])[:5]:
        links.append(
            dcc.Link(f"trace {trace[:12]}…", href=href("lineage", sku=x.get("sku"), trace=trace))
        )
    return head, html.Div(links, className="links") if links else []


def _correction(x: dict[str, Any]) -> Any:
    """A mismatch's proposed correction (synclens never applies it itself)."""
    c = (x.get("detail") or {}).get("correction")
    if not c:
        return None
    label = "Short ship, reversal: " if c["case"] == "short_ship" else "Correction: "
    return html.P([html.Strong(label), c["text"]], className="correction", **attrs(case=c["case"]))


def _audit(rows: list[dict[str, Any]]) -> Any:
    if not rows:
        return html.P("Nothing recorded yet.", className="empty-note")
    return html.Ol(
        [
            html.Li(
                [
                    html.Div(
                        [
                            html.Strong(r["action"]),
                            f" by {r['by']}",
                            html.Span(f" · {r['from'] or '—'} → {r['to']}", className="hint"),
                        ]
                    ),
                    html.Div(r["when"], className="hint"),
                    html.Div(r["note"], className="note") if r["note"] else None,
                ]
            )
            for r in rows
        ],
        className="audit-list",
    )


def register(app: Dash, q: DashboardQueries) -> None:
    @callback(
        app,
        Need.READ,
        Output(ids.EX_TABLE, "data"),
        Output(ids.EX_SUMMARY, "children"),
        Output(ids.EX_WAREHOUSE, "options"),
        Output(ids.EX_TARGET, "options"),
        Input(ids.EX_KIND, "value"),
        Input(ids.EX_STATUS, "value"),
        Input(ids.EX_WAREHOUSE, "value"),
        Input(ids.EX_TARGET, "value"),
        Input(ids.EX_CHANGED, "data"),
        Input(ids.REFRESH, "n_intervals"),
    )
    def _table(
        kind: str | None,
        status: str | None,
        warehouse: str | None,
        target: str | None,
        _changed: int,
        _n: int | None,
    ) -> tuple[Any, ...]:
        total, df = q.exception_list(status=status, kind=kind, warehouse=warehouse, target=target)
        facets = q.exception_facets()
        shown = "" if total <= len(df) else f" (the newest {len(df)} are listed)"
        text = (
            html.P(f"{total} exceptions match{shown}.", **attrs(total=str(total)))
            if total
            else html.P(
                "No exceptions match these filters.", className="empty-note", **attrs(total="0")
            )
        )
        return (
            df.to_dict("records"),
            text,
            [{"label": w, "value": w} for w in facets["warehouse"]],
            [{"label": t, "value": t} for t in facets["target"]],
        )

    @callback(
        app,
        Need.READ,
        Output(ids.EX_SELECTED, "data"),
        Input(ids.EX_TABLE, "selected_row_ids"),
        prevent_initial_call=True,
    )
    def _select(row_ids: list[int] | None) -> Any:
        return int(row_ids[0]) if row_ids else no_update

    @callback(
        app,
        Need.READ,
        Output(ids.EX_DETAIL, "children"),
        Output(ids.EX_EVIDENCE, "children"),
        Output(ids.EX_AUDIT, "children"),
        Input(ids.EX_SELECTED, "data"),
        Input(ids.EX_CHANGED, "data"),
    )
    def _show(exception_id: int | None, _changed: int) -> tuple[Any, ...]:
        found = q.exception(exception_id) if exception_id else None
        head, links = _detail(found)
        audit = q.audit(exception_id).to_dict("records") if found and exception_id else []
        return head, links, _audit(cast(list[dict[str, Any]], audit))

    @callback(
        app,
        Need.OPERATE,
        Output(ids.EX_MESSAGE, "children"),
        Output(ids.EX_CHANGED, "data"),
        Input(ids.EX_ACK, "n_clicks"),
        Input(ids.EX_RESOLVE, "n_clicks"),
        State(ids.EX_SELECTED, "data"),
        State(ids.EX_NOTE, "value"),
        State(ids.EX_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def _act(
        _a: Any, _r: Any, exception_id: int | None, note: str | None, changed: int
    ) -> tuple[Any, ...]:
        if not exception_id:
            return "Select an exception first.", no_update
        text = (note or "").strip()
        if len(text.encode()) > MAX_NOTE_BYTES:
            return f"The note is longer than {MAX_NOTE_BYTES} bytes.", no_update
        move = q.acknowledge if ctx.triggered_id == ids.EX_ACK else q.resolve
        try:
            done = move(int(exception_id), current_principal(), note=text)
        except (NotFound, InvalidTransition) as exc:
            return str(exc), no_update
        return f"#{done['id']} is now {done['status']}.", (changed or 0) + 1
