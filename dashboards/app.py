"""The Dash app factory: the shell (navigation, live refresh) and the four pages.

``create_dash(queries)`` builds a fresh app around a :class:`DashboardQueries`;
nothing is built at import time, and callbacks are registered on the app
itself (never on Dash's global registry), so several apps can live in one
process (tests run many services).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl

import dash
import flask
from dash import Input, Output, State, dcc, html
from werkzeug.wrappers import Response as WerkzeugResponse

from collector.identity import Need, Principal
from dashboards import ids
from dashboards.access import callback, current_principal, guard
from dashboards.components import PREFIX
from dashboards.pages import attempts, exceptions, lineage, oncall, overview, report, slo
from dashboards.queries import DashboardQueries

__all__ = ["OLD_PATHS", "PAGES", "create_dash"]

_ASSETS = Path(__file__).parent / "assets"
#: path (below the prefix) -> (navigation label, page module)
PAGES: dict[str, tuple[str, ModuleType]] = {
    "": ("Overview", overview),
    "oncall": ("On-call", oncall),
    "lineage": ("Lineage", lineage),
    "exceptions": ("Exceptions", exceptions),
    "report": ("Report", report),
    "slo": ("SLO history", slo),
    "attempts": ("Failed attempts", attempts),
}
#: pages reached by a link, not listed in the navigation
_LINKED_ONLY = {"slo", "attempts"}

#: paths people type or bookmarked -> the page's path; answered with a redirect
OLD_PATHS: dict[str, str] = {
    "on-call": "oncall",
    "overview": "",
    "executive": "",
    "lineage-explorer": "lineage",
    "exception": "exceptions",
}


def _add_redirects(server: flask.Flask, prefix: str) -> None:
    def redirect(old: str) -> WerkzeugResponse:
        query = flask.request.query_string.decode()
        target = prefix + OLD_PATHS[old] + (f"?{query}" if query else "")
        return flask.redirect(target, code=301)

    for old in OLD_PATHS:
        server.add_url_rule(
            f"/{old}", f"redirect-{old}", redirect, defaults={"old": old}, strict_slashes=False
        )


def _nav(active: str) -> list[Any]:
    return [
        dcc.Link(label, href=PREFIX + path, className="active" if path == active else "")
        for path, (label, _) in PAGES.items()
        if path not in _LINKED_ONLY or path == active
    ]


def create_dash(
    queries: DashboardQueries,
    *,
    requests_pathname_prefix: str = PREFIX,
    refresh_s: float = 15.0,
    max_body_bytes: int = 1 << 20,
) -> dash.Dash:
    """The dashboards over ``queries``; serve ``app.server`` (a Flask WSGI app)
    mounted at ``requests_pathname_prefix``."""
    app = dash.Dash(
        "synclens.dashboards",
        requests_pathname_prefix=requests_pathname_prefix,
        routes_pathname_prefix="/",
        assets_folder=str(_ASSETS),
        title="synclens",
        update_title="",
        suppress_callback_exceptions=True,
        serve_locally=True,
    )
    # the page's language, for screen readers and axe's html-has-lang
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)

    def shell() -> html.Div:  # per page load: the header names who is signed in
        return html.Div(
            [
                dcc.Location(id=ids.URL, refresh=False),
                html.Header(
                    [
                        html.A("synclens", href=PREFIX, className="brand"),
                        html.Nav(_nav(""), id=ids.NAV),
                        html.Div(
                            [
                                html.Span("live", id=ids.REFRESH_STATE, className="live"),
                                html.Button("Pause", id=ids.PAUSE, n_clicks=0),
                            ],
                            className="refresh",
                        ),
                        _who(current_principal()),
                    ],
                    className="top",
                ),
                dcc.Interval(id=ids.REFRESH, interval=int(refresh_s * 1000), n_intervals=0),
                html.Main(id=ids.PAGE),
            ]
        )

    app.layout = shell

    @callback(
        app,
        Need.READ,
        Output(ids.PAGE, "children"),
        Output(ids.NAV, "children"),
        Input(ids.URL, "pathname"),
        State(ids.URL, "search"),
    )
    def _route(pathname: str | None, search: str | None) -> tuple[Any, Any]:
        path = app.strip_relative_path(pathname or PREFIX) or ""
        params = dict(parse_qsl((search or "").lstrip("?")))
        if path not in PAGES:
            return html.P(f"No page {path!r} here.", className="empty-note"), _nav("")
        if path == "exceptions":
            may_operate = current_principal().can(Need.OPERATE)
            return exceptions.layout(params, may_operate=may_operate), _nav(path)
        if path == "report":
            return report.layout(params, now_ns=queries.now()), _nav(path)
        return PAGES[path][1].layout(params), _nav(path)

    @callback(
        app,
        Need.READ,
        Output(ids.REFRESH, "disabled"),
        Output(ids.PAUSE, "children"),
        Output(ids.REFRESH_STATE, "children"),
        Output(ids.REFRESH_STATE, "className"),
        Input(ids.PAUSE, "n_clicks"),
    )
    def _pause(n: int | None) -> tuple[bool, str, str, str]:
        paused = bool((n or 0) % 2)
        if paused:
            return True, "Resume", "paused", "paused"
        return False, "Pause", f"live · every {refresh_s:g} s", "live"

    for _, page in PAGES.values():
        page.register(app, queries)
    _add_redirects(app.server, requests_pathname_prefix)
    guard(app, max_body_bytes)
    return app


def _who(principal: Principal) -> html.Div:
    """Who is signed in, and the way out (a form: sign-out changes state)."""
    if principal.kind != "person":
        return html.Div(principal.name if principal.kind == "token" else "", id=ids.WHO)
    return html.Div(
        [
            html.Span(f"{principal.name} · {principal.role or 'no role'}", className="who"),
            html.Form(
                html.Button("Sign out", type="submit", id=ids.SIGN_OUT),
                method="post",
                action="/auth/sign-out",
            ),
        ],
        id=ids.WHO,
        className="who",
    )
