"""Small layout pieces the pages share: sections, tiles, number formats."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import plotly.graph_objects as go
from dash import dcc, html

__all__ = [
    "attrs",
    "graph",
    "href",
    "named",
    "note",
    "pct",
    "section",
    "stat",
]

PREFIX = "/dashboards/"
_GRAPH_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "displayModeBar": False,
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}


def href(page: str, **params: Any) -> str:
    """A dashboards URL: ``href("lineage", sku="A")`` -> ``/dashboards/lineage?sku=A``."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return PREFIX + page + (f"?{query}" if query else "")


def attrs(**values: object) -> dict[str, Any]:
    """``data-*`` attributes (``attrs(slo="x")`` -> ``{"data-slo": "x"}``) that tests read."""
    return {f"data-{k.replace('_', '-')}": str(v) for k, v in values.items()}


def pct(value: float | None, digits: int = 2) -> str:
    return "no data" if value is None else f"{value * 100:.{digits}f}%"


def section(title: str, *children: Any, hint: str = "", wide: bool = False) -> html.Section:
    head = [html.H2(title)] + ([html.P(hint, className="hint")] if hint else [])
    return html.Section([*head, *children], className="card wide" if wide else "card")


def graph(id_: str, figure: go.Figure | None = None, **kw: Any) -> dcc.Graph:
    kw.setdefault("config", _GRAPH_CONFIG)
    return dcc.Graph(id=id_, figure=figure or {}, **kw)


def named(label: str, control: Any) -> html.Div:
    """A group of radios or checkboxes with a name screen readers announce
    (Dash's RadioItems and Checklist take none; assets/a11y.js drops their
    listbox roles, so the native inputs inside say the rest)."""
    aria: dict[str, Any] = {"aria-label": label}
    return html.Div(control, role="group", className="named-group", **aria)


def note(text: str) -> html.P:
    """A sentence shown instead of a chart when there is nothing to draw."""
    return html.P(text, className="empty-note")


def stat(label: str, value: str, *, key: str, link: str | None = None, unit: str = "") -> html.Div:
    """A labelled number; ``key`` becomes ``data-stat`` (tests read it), and a
    ``link`` makes the number one click away from its evidence."""
    number: Any = html.Span(value, className="stat-value")
    if link:
        # a "#section" of the same page is a plain anchor: dcc.Link would route
        number = (
            html.A(number, href=link, className="stat-link")
            if link.startswith("#")
            else dcc.Link(number, href=link, className="stat-link")
        )
    return html.Div(
        [number, html.Span(unit, className="stat-unit"), html.Div(label, className="stat-label")],
        className="stat",
        **attrs(stat=key),
    )
