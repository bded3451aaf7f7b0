"""Every role and every token scope against every route and every Dash
callback, over HTTP on a live service.

The tables below are the access policy written out once more, apart from
the code: a route or callback that is added without a line here fails
``test_every_route_is_in_the_table``, and one whose declared need differs
from the table fails there too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from collector.identity import Need
from collector.identity.passwords import hash_password
from dashboards.access import callback_needs
from synclens.routes_check import route_needs
from synclens.settings import IngestSettings, load_settings
from tests.conftest import LiveServer, Service

PASSWORD = "correct horse battery staple"

#: who -> how they call (a bearer token, or a local user who signs in)
TOKENS = {
    "ingest": {"name": "wms", "token": "t-ingest", "systems": ["wms"]},
    "traces": {"name": "middleware", "token": "t-traces", "scopes": ["traces"]},
    "read": {"name": "grafana", "token": "t-read", "scopes": ["read"]},
    "operate": {"name": "runbook-bot", "token": "t-operate", "scopes": ["operate"]},
}
USERS = {"viewer": "vera", "operator": "otto", "admin": "ada"}
EVERYONE = ("anonymous", *TOKENS, *USERS)

#: the policy: which callers each need lets in
ALLOWED: dict[Need, set[str]] = {
    Need.PUBLIC: set(EVERYONE),
    Need.READ: {"read", "operate", "viewer", "operator", "admin"},
    Need.OPERATE: {"operate", "operator", "admin"},
    Need.ADMIN: {"admin"},
    Need.TRACES: {"traces", "admin"},
    Need.EVENTS: {"ingest", "admin"},
    Need.SNAPSHOTS: {"ingest", "operator", "admin"},
}

R, OP, P = Need.READ, Need.OPERATE, Need.PUBLIC
#: every route: (method, path) -> the needs it must declare
ROUTES: dict[tuple[str, str], set[Need]] = {
    ("POST", "/v1/traces"): {Need.TRACES},
    ("POST", "/v1/events"): {Need.EVENTS},
    ("POST", "/v1/snapshots"): {Need.SNAPSHOTS},
    ("GET", "/api/v1/lineage"): {R},
    ("GET", "/api/v1/orders/{order_id}/lineage"): {R},
    ("GET", "/api/v1/traces/{trace_id}"): {R},
    ("GET", "/api/v1/snapshots"): {R},
    ("GET", "/api/v1/slis"): {R},
    ("GET", "/api/v1/slos"): {R},
    ("GET", "/api/v1/slos/{name}"): {R},
    ("GET", "/api/v1/report"): {R},
    ("GET", "/api/v1/slos/{name}/history"): {R},
    ("GET", "/api/v1/attempts/failed"): {R},
    ("POST", "/api/v1/annotations"): {R, OP},  # a deploy pipeline's operate token
    ("GET", "/api/v1/annotations"): {R},
    ("POST", "/api/v1/reconciliations"): {R, OP},
    ("GET", "/api/v1/reconciliations/latest"): {R},
    ("GET", "/api/v1/reconciliations"): {R},
    ("GET", "/api/v1/reconciliations/{run_id}"): {R},
    ("GET", "/api/v1/exceptions"): {R},
    ("GET", "/api/v1/exceptions/{exception_id}"): {R},
    ("POST", "/api/v1/exceptions/{exception_id}/ack"): {R, OP},
    ("POST", "/api/v1/exceptions/{exception_id}/resolve"): {R, OP},
    ("GET", "/api/v1/exceptions/{exception_id}/audit"): {R},
    ("GET", "/api/v1/orders/impacted"): {R},
    ("POST", "/api/v1/admin/backup"): {Need.ADMIN},
    ("GET", "/healthz"): {P},
    ("GET", "/readyz"): {P},
    ("GET", "/metrics"): {P},  # Prometheus: low-cardinality labels, no SKU or order
    ("GET", "/openapi.json"): {R},
    ("GET", "/docs"): {R},
    ("GET", "/redoc"): {R},
    ("GET", "/auth/sign-in"): {P},
    ("POST", "/auth/sign-in"): {P},
    ("POST", "/auth/sign-out"): {P},
    ("GET", "/auth/oidc/start"): {P},  # OpenID Connect: tests/synclens/test_oidc.py
    ("GET", "/auth/oidc/callback"): {P},
    ("*", "/dashboards"): {R},
    ("*", "/static/docs"): {P},  # Swagger UI's and ReDoc's assets
}

#: every Dash callback, by the first output it writes -> its need
CALLBACKS: dict[str, Need] = {
    "page.children": R,
    "refresh-interval.disabled": R,
    "overview-slo-tiles.children": R,
    "overview-latency.figure": R,
    "overview-months.figure": R,
    "overview-budget-causes.figure": R,
    "url.pathname": R,
    "oncall-burn-rates.figure": R,
    "oncall-ingest.children": R,
    "url.search": R,  # a failing-target bar opens its failed attempts
    "oncall-firing.children": R,
    "oncall-slo-trend.figure": R,  # each SLO over the window, with change markers
    "slo-state.children": R,
    "attempts-table.children": R,
    "attempts-page.data": R,  # Newer / Older: the page number, kept in the URL
    "lineage-summary.children": R,
    "lineage-trace-id.data": R,
    "lineage-trace-title.children": R,
    "lineage-url.search": R,  # the opened trace into the URL
    "exceptions-table.rowData": R,
    "exceptions-selected.data": R,
    "exceptions-detail.children": R,
    "exceptions-message.children": OP,  # acknowledge / resolve
    "report-body.children": R,
}

_SAMPLE = {
    "order_id": "ORD-1",
    "trace_id": "0" * 32,
    "name": "no-such-slo",
    "run_id": "1",
    "exception_id": "1",
}


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    root: Path = tmp_path_factory.mktemp("access")
    hashed = hash_password(PASSWORD)
    settings = load_settings(
        db=str(root / "synclens.duckdb"),
        ops_db=f"sqlite:///{root}/ops.sqlite",
        ingest=IngestSettings(decode_workers=0),
        reconciliation={"interval_s": 86_400},
        exceptions={"detect_interval_s": 86_400},
        auth={
            "tokens": list(TOKENS.values()),
            "users": [
                {
                    "login": login,
                    "name": f"{login.title()} Example",
                    "role": role,
                    "password_hash": hashed,
                }
                for role, login in USERS.items()
            ],
            "session": {"secret": "test-session-secret"},
        },
    )
    with LiveServer(settings) as service:
        yield service


@pytest.fixture(scope="module")
def callers(svc: Service) -> dict[str, dict[str, str]]:
    """who -> the headers they call with (same-site: an Origin of the service)."""
    found: dict[str, dict[str, str]] = {"anonymous": {"origin": svc.url}}
    for who, token in TOKENS.items():
        found[who] = {"authorization": f"Bearer {token['token']}", "origin": svc.url}
    for role, login in USERS.items():
        signed = httpx.post(
            f"{svc.url}/auth/sign-in",
            data={"login": login, "password": PASSWORD, "next": "/dashboards/"},
            headers={"origin": svc.url},
        )
        assert signed.status_code == 303, signed.text
        cookie = signed.headers["set-cookie"].split(";")[0]
        found[role] = {"cookie": cookie, "origin": svc.url}
    return found


def _expect(who: str, needs: set[Need], response: httpx.Response, what: str) -> None:
    status = response.status_code
    if all(who in ALLOWED[n] for n in needs):
        assert status not in (401, 403), f"{who} was refused {what}"
    elif who == "anonymous" and status == 303:  # a page view: off to sign in first
        assert response.headers["location"].startswith("/auth/sign-in?next=")
    else:
        assert status == (401 if who == "anonymous" else 403), f"{who} got {status} for {what}"


def test_every_route_is_in_the_table(svc: Service) -> None:
    declared = {key: set(needs) for key, needs in route_needs(svc.app).items()}
    assert declared == ROUTES


def test_every_callback_is_in_the_table(svc: Service) -> None:
    needs = callback_needs(svc.app.state.dash)
    # "..a.b...c.d.." -> "a.b"; an allow_duplicate output carries "@<hash>"
    by_first_output = {
        re.sub(r"^\.\.", "", key).split("...")[0].split("@")[0]: n for key, n in needs.items()
    }
    assert by_first_output == CALLBACKS


@pytest.mark.parametrize("who", EVERYONE)
def test_every_route_for_every_caller(
    svc: Service, callers: dict[str, dict[str, str]], who: str
) -> None:
    headers = callers[who]
    for (method, template), needs in ROUTES.items():
        if method == "POST" and template.startswith("/auth/"):
            continue  # public, and a wrong password is a 401 of its own: test_sign_in.py
        path = re.sub(r"\{(\w+)\}", lambda m: _SAMPLE[m.group(1)], template)
        if method == "*":
            method, path = "GET", f"{path}/"
        response = httpx.request(
            method, f"{svc.url}{path}", headers=headers, json={} if method == "POST" else None
        )
        _expect(who, needs, response, f"{method} {path}")


def _body(dash: Any, key: str) -> dict[str, Any]:
    """A well-formed update request for the callback ``key``, every value empty."""
    spec = dash.callback_map[key]
    outputs = [
        {"id": o.rsplit(".", 1)[0], "property": o.rsplit(".", 1)[1]}
        for o in key.strip(".").split("...")
    ]
    return {
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],
        "inputs": [{**i, "value": None} for i in spec["inputs"]],
        "state": [{**s, "value": None} for s in spec["state"]],
        "changedPropIds": [],
    }


@pytest.mark.parametrize("who", EVERYONE)
def test_every_callback_for_every_caller(
    svc: Service, callers: dict[str, dict[str, str]], who: str
) -> None:
    dash = svc.app.state.dash
    for key, need in callback_needs(dash).items():
        response = httpx.post(
            f"{svc.url}/dashboards/_dash-update-component",
            json=_body(dash, key),
            headers=callers[who],
            timeout=60.0,  # the first caller let in computes every page cold, on a shared machine
        )
        _expect(who, {Need.READ, need}, response, f"callback {key}")


def test_a_viewer_cannot_resolve_by_calling_the_callback(
    svc: Service, callers: dict[str, dict[str, str]]
) -> None:
    dash = svc.app.state.dash
    [act] = [k for k in callback_needs(dash) if "exceptions-message" in k]
    body = _body(dash, act)
    body["state"][0]["value"] = 1  # the selected exception
    body["changedPropIds"] = ["exceptions-resolve.n_clicks"]
    refused = httpx.post(
        f"{svc.url}/dashboards/_dash-update-component", json=body, headers=callers["viewer"]
    )
    assert refused.status_code == 403 and "operate" in refused.json()["detail"]


def test_pages_hide_what_the_role_cannot_do(
    svc: Service, callers: dict[str, dict[str, str]]
) -> None:
    dash = svc.app.state.dash
    [route] = [k for k in callback_needs(dash) if k.startswith("..page.children")]
    body = _body(dash, route)
    body["inputs"][0]["value"] = "/dashboards/exceptions"
    shown = {}
    for who in ("viewer", "operator"):
        page = httpx.post(
            f"{svc.url}/dashboards/_dash-update-component", json=body, headers=callers[who]
        )
        assert page.status_code == 200
        shown[who] = "exceptions-resolve" in page.text
    assert shown == {"viewer": False, "operator": True}
