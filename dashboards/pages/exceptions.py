"""Exceptions: filter, sort, select one or many, acknowledge or resolve them
with a note, read the audit trail."""

from __future__ import annotations

from typing import Any, cast

import dash_ag_grid as dag
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from collector.identity import Need, Principal, refusal
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
#: status in words and a sign beside its colour (never colour alone)
STATUS_SIGNS = {
    "open": "\u25cf open",
    "acknowledged": "\u25d0 acknowledged",
    "resolved": "\u2713 resolved",
}
_COLUMNS: list[dict[str, Any]] = [
    {"field": "id", "headerName": "#", "type": "numericColumn", "maxWidth": 110},
    {"field": "kind_label", "headerName": "kind"},
    {
        "field": "status_label",
        "headerName": "status",
        "minWidth": 160,
        "cellClassRules": {f"status-{k}": f"params.data.status == '{k}'" for k in STATUS_SIGNS},
    },
    {"field": "error_class", "headerName": "error class"},
    {"field": "warehouse", "headerName": "warehouse"},
    {"field": "target", "headerName": "target"},
    {"field": "sku", "headerName": "SKU"},
    {"field": "location", "headerName": "location"},
    {
        "field": "age_h",
        "headerName": "age (hours)",
        "type": "numericColumn",
        "filter": "agNumberColumnFilter",
    },
    {"field": "owner_team", "headerName": "owner"},
    {"field": "reason", "headerName": "reason", "tooltipField": "reason", "maxWidth": 420},
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
                        [table(), html.Div(id=ids.EX_PICKED, className="hint", role="status")],
                        className="card table-card",
                    ),
                    html.Div(
                        [
                            html.Div(id=ids.EX_DETAIL),
                            html.Div(id=ids.EX_EVIDENCE, className="evidence"),
                            _actions() if may_operate else html.Div(),
                            html.H2("Audit trail"),
                            html.Div(id=ids.EX_AUDIT, className="audit"),
                        ],
                        className="card detail-card",
                    ),
                ],
                className="exceptions-grid",
            ),
        ]
    )


def table() -> dag.AgGrid:
    """The exceptions, on AG Grid: sort and filter by any column, tick rows
    (or Space on a focused row) to act on several at once; Tab leaves the grid."""
    return dag.AgGrid(
        id=ids.EX_TABLE,
        columnDefs=_COLUMNS,
        rowData=[],
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 90},
        columnSize="autoSize",
        dashGridOptions={
            "pagination": True,
            "paginationPageSize": 15,
            "paginationPageSizeSelector": [15, 50, 100],
            "rowSelection": {
                "mode": "multiRow",
                "checkboxes": True,
                "headerCheckbox": True,
                "enableClickSelection": True,
            },
            "ensureDomOrder": True,
            "domLayout": "autoHeight",
            "tooltipShowDelay": 300,
            # Tab moves on out of the grid (arrow keys move inside it), so the
            # actions after the table are reachable from the keyboard
            "tabToNextCell": {"function": "false"},
        },
        getRowId="params.data.id + ''",
        className="ag-theme-alpine",
    )


def grid_rows(df: Any) -> list[dict[str, Any]]:
    """The table's rows: kinds and statuses in plain words beside their codes."""
    rows = cast(list[dict[str, Any]], df.to_dict("records"))
    for r in rows:
        label = KIND_LABELS.get(r["kind"], str(r["kind"]).replace("_", " "))
        r["kind_label"] = label[:1].upper() + label[1:]
        r["status_label"] = STATUS_SIGNS.get(r["status"], r["status"])
    return rows


def _actions() -> html.Div:
    return html.Div(
        [
            html.Label("Note", htmlFor=ids.EX_NOTE),
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
            html.Div(id=ids.EX_MESSAGE, className="message", role="status"),
        ],
        className="actions",
    )


def _detail(x: dict[str, Any] | None) -> tuple[Any, Any]:
    if x is None:
        return html.P("Select exceptions in the table.", className="empty-note"), []
    head = html.Div(
        [
            html.H2(f"#{x['id']} {KIND_LABELS.get(x['kind'], x['kind'])}"),
            html.Span(
                STATUS_SIGNS.get(x["status"], x["status"]),
                className=f"badge {x['status']}",
                **attrs(status=x["status"]),
            ),
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
        Output(ids.EX_TABLE, "rowData"),
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
            grid_rows(df),
            text,
            [{"label": w, "value": w} for w in facets["warehouse"]],
            [{"label": t, "value": t} for t in facets["target"]],
        )

    @callback(
        app,
        Need.READ,
        Output(ids.EX_SELECTED, "data"),
        Output(ids.EX_PICKED, "children"),
        Input(ids.EX_TABLE, "selectedRows"),
        prevent_initial_call=True,
    )
    def _select(rows: list[dict[str, Any]] | None) -> tuple[Any, str]:
        picked = _ids(rows)
        if not picked:
            return no_update, ""
        # the detail shows the newest of the rows ticked last
        return picked[0], f"{len(picked)} selected: " + ", ".join(f"#{i}" for i in picked)

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
        State(ids.EX_TABLE, "selectedRows"),
        prevent_initial_call=True,
    )
    def _act(
        _a: Any,
        _r: Any,
        exception_id: int | None,
        note: str | None,
        changed: int,
        rows: list[dict[str, Any]] | None,
    ) -> tuple[Any, ...]:
        # the rows ticked in the table, else the one shown (a link to ?id=)
        chosen = _ids(rows) or ([int(exception_id)] if exception_id else [])
        if not chosen:
            return "Select an exception first.", no_update
        text = (note or "").strip()
        if len(text.encode()) > MAX_NOTE_BYTES:
            return f"The note is longer than {MAX_NOTE_BYTES} bytes.", no_update
        ack = ctx.triggered_id == ids.EX_ACK
        done, refused = _move_all(q, chosen, current_principal(), ack=ack, note=text)
        lines = [_moved(done, "acknowledged" if ack else "resolved")] if done else []
        lines += refused
        return [html.Div(line) for line in lines], (changed or 0) + (1 if done else 0)


def _ids(rows: list[dict[str, Any]] | None) -> list[int]:
    return sorted(
        {int(r["id"]) for r in rows or [] if str(r.get("id", "")).isdigit()}, reverse=True
    )


def _move_all(
    q: DashboardQueries, chosen: list[int], who: Principal, *, ack: bool, note: str
) -> tuple[list[int], list[str]]:
    """Acknowledge or resolve each of ``chosen`` as ``who`` (the role is checked
    for every row; each move is audited on its own): the ids moved and why the
    others were not."""
    move = q.acknowledge if ack else q.resolve
    done: list[int] = []
    refused: list[str] = []
    for exception_id in chosen:
        why = refusal(who, Need.OPERATE)
        if why is not None:
            refused.append(f"#{exception_id}: {why.message}")
            continue
        try:
            done.append(int(move(exception_id, who, note=note)["id"]))
        except (NotFound, InvalidTransition) as exc:
            refused.append(f"#{exception_id}: {exc}")
    return done, refused


def _moved(done: list[int], status: str) -> str:
    if len(done) == 1:
        return f"#{done[0]} is now {status}."
    return f"{len(done)} exceptions are now {status}: " + ", ".join(f"#{i}" for i in done) + "."
