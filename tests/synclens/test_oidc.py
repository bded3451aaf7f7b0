"""OpenID Connect sign-in against a real provider (panva's oidc-provider on
Node, tests/oidc): the code flow with PKCE end to end over HTTP, groups
mapped to roles, and every way the way back can be wrong refused with a
clear 4xx."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from collector.identity.oidc import Flow, OidcConfig, OidcError, OpenIdClient
from collector.identity.roles import GroupRoles
from synclens.settings import ConfigError, load_settings
from tests.conftest import Service
from tests.synclens.oidc_idp import (
    CLIENT_ID,
    CLIENT_SECRET,
    IdP,
    log_in,
    provider,
    service_and_provider,
)

pytestmark = pytest.mark.slow

ACCOUNTS = {
    "otto": {"name": "Otto Operator", "groups": ["staff", "inventory-sre"]},
    "vera": {"name": "Vera Viewer", "groups": ["inventory-execs"]},
    "eve": {"name": "Eve Outsider", "groups": ["contractors"]},
}
GROUPS = {"inventory-sre": "operator", "inventory-execs": "viewer"}


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, IdP]]:
    with service_and_provider(
        tmp_path_factory.mktemp("oidc"),
        ACCOUNTS,
        oidc={"scopes": ["openid", "profile", "email", "groups"], "groups": GROUPS},
        session={"secret": "oidc-test-session-secret", "max_age_s": 3600},
    ) as found:
        yield found


def _start(http: httpx.Client, svc: Service, next_: str = "/dashboards/exceptions") -> str:
    """synclens' redirect to the provider (setting the flow cookie in ``http``)."""
    started = http.get(f"{svc.url}/auth/oidc/start", params={"next": next_})
    assert started.status_code == 303, started.text
    return started.headers["location"]


def _sign_in(svc: Service, login: str) -> httpx.Client:
    http = httpx.Client(timeout=30.0)
    back = log_in(http, _start(http, svc), login)
    assert back.headers["location"].startswith(f"{svc.url}/auth/oidc/callback?")
    done = http.get(back.headers["location"])
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/dashboards/exceptions"
    return http


def test_the_code_flow_signs_people_in_with_their_groups_roles(both: tuple[Service, IdP]) -> None:
    svc, _ = both
    page = httpx.get(f"{svc.url}/dashboards/exceptions", follow_redirects=True, timeout=30)
    assert 'id="sign-in-oidc"' in page.text and "Sign in with Test IdP" in page.text
    assert 'id="password"' not in page.text  # no local users: no password form

    with httpx.Client(timeout=30.0) as fresh:
        target = urlsplit(_start(fresh, svc))
        query = parse_qs(target.query)
        assert query["code_challenge_method"] == ["S256"] and query["response_type"] == ["code"]
        assert {"state", "nonce", "code_challenge"} <= query.keys()
        flow_cookie = fresh.cookies.get("synclens_oidc")
        assert flow_cookie and query["state"][0] not in flow_cookie  # signed, not readable as is

    with closing(_sign_in(svc, "otto")) as otto:
        session = otto.cookies.get("synclens_session")
        assert session and "synclens_oidc" not in otto.cookies  # the flow cookie is spent
        assert otto.get(f"{svc.url}/dashboards/exceptions").status_code == 200
        [exception] = otto.get(f"{svc.url}/api/v1/exceptions").json()["exceptions"]
        acked = otto.post(
            f"{svc.url}/api/v1/exceptions/{exception['id']}/ack",
            json={"note": "looking"},
            headers={"origin": svc.url},
        )
        assert acked.status_code == 200, acked.text
        audit = otto.get(f"{svc.url}/api/v1/exceptions/{exception['id']}/audit").json()["audit"]
        assert (audit[-1]["by"], audit[-1]["by_subject"]) == ("Otto Operator", "oidc:otto")

        with closing(_sign_in(svc, "vera")) as vera:
            assert vera.get(f"{svc.url}/api/v1/exceptions").status_code == 200
            refused = vera.post(
                f"{svc.url}/api/v1/exceptions/{exception['id']}/resolve",
                json={},
                headers={"origin": svc.url},
            )
            assert refused.status_code == 403 and "viewer" in refused.json()["detail"]

        out = otto.post(f"{svc.url}/auth/sign-out", headers={"origin": svc.url})
        assert out.status_code == 303 and "Max-Age=0" in out.headers["set-cookie"]
        assert otto.get(f"{svc.url}/api/v1/exceptions").status_code == 401


def test_a_person_in_no_mapped_group_gets_no_session(both: tuple[Service, IdP]) -> None:
    svc, _ = both
    failed = svc.metric("synclens_sign_ins_total", method="oidc", outcome="failed")
    with httpx.Client(timeout=30.0) as http:
        back = log_in(http, _start(http, svc, next_="//evil.example/"), "eve")
        done = http.get(back.headers["location"])
        assert done.status_code == 403
        assert (
            "Eve Outsider signed in, but no role here" in done.text and "contractors" in done.text
        )
        assert "synclens_session" not in http.cookies
    assert svc.metric("synclens_sign_ins_total", method="oidc", outcome="failed") == failed + 1
    with httpx.Client(timeout=30.0) as http:  # only a path on this site is a place to go on to
        back = log_in(http, _start(http, svc, next_="//evil.example/"), "otto")
        assert http.get(back.headers["location"]).headers["location"] == "/dashboards/"
    assert svc.metric("synclens_sign_ins_total", method="oidc", outcome="ok") >= 1


def test_oidc_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"client_id is needed"):
        load_settings(auth={"oidc": {"issuer": "https://idp.example.com"}})
    with pytest.raises(ConfigError, match=r"must include 'openid'"):
        load_settings(
            auth={"oidc": {"issuer": "https://i.example", "client_id": "c", "scopes": ["email"]}}
        )
    with pytest.raises(ConfigError, match=r"auth\.oidc\.issuer"):
        load_settings(auth={"oidc": {"issuer": "idp.example.com", "client_id": "c"}})
    on = load_settings(auth={"oidc": {"issuer": "https://idp.example.com", "client_id": "c"}})
    assert on.auth_enabled  # a public bind is allowed: people must sign in


def _tampered_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return parts._replace(query=httpx.QueryParams(query).__str__()).geturl()


def test_a_wrong_state_or_nonce_or_no_flow_is_refused(both: tuple[Service, IdP]) -> None:
    svc, _ = both
    # the provider sends back a state this browser never started with
    with httpx.Client(timeout=30.0) as http:
        back = log_in(http, _tampered_query(_start(http, svc), state="forged"), "otto")
        done = http.get(back.headers["location"])
        assert done.status_code == 400 and "state" in done.text
        assert "synclens_session" not in http.cookies
    # the ID token carries a nonce this sign-in did not ask for (code injection)
    with httpx.Client(timeout=30.0) as http:
        back = log_in(http, _tampered_query(_start(http, svc), nonce="replayed"), "otto")
        done = http.get(back.headers["location"])
        assert done.status_code == 401 and "nonce does not match" in done.text
        assert "synclens_session" not in http.cookies
    # a code and state carried to another browser (no flow cookie there)
    with httpx.Client(timeout=30.0) as http:
        back = log_in(http, _start(http, svc), "otto")
        stolen = httpx.get(back.headers["location"], timeout=30)
        assert stolen.status_code == 400 and "no sign-in is under way" in stolen.text
        # ... and the flow cookie with a forged signature is no flow either
        http.cookies.set(
            "synclens_oidc", "x" + http.cookies["synclens_oidc"][1:], path="/auth/oidc"
        )
        assert http.get(back.headers["location"]).status_code == 400
    # the provider refuses (the person cancels at its login page)
    with httpx.Client(timeout=30.0) as http:
        login_page = http.get(_start(http, svc), follow_redirects=True)
        abort = login_page.url.copy_with(path=f"{login_page.url.path}/abort")
        back = http.get(abort, follow_redirects=False)
        while back.is_redirect and not back.headers["location"].startswith(svc.url):
            back = http.get(back.headers["location"], follow_redirects=False)
        done = http.get(back.headers["location"])
        assert done.status_code == 401 and "provider refused" in done.text


# -- the ID token itself -----------------------------------------------------------


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _client(issuer: str, **kw: Any) -> OpenIdClient:
    config = OidcConfig(
        issuer, CLIENT_ID, CLIENT_SECRET, GroupRoles(GROUPS), scopes=("openid", "groups")
    )
    return OpenIdClient(config, **kw)


def test_a_tampered_expired_or_foreign_id_token_is_refused(tmp_path: Path) -> None:
    redirect = "http://127.0.0.1:9/auth/oidc/callback"  # never reached: the code is taken here
    with (
        provider(redirect, ACCOUNTS, id_token_claims=True) as idp,
        httpx.Client(timeout=30.0) as http,
    ):
        client = _client(idp.issuer)
        flow = Flow.begin("/")
        back = log_in(http, asyncio.run(client.authorization_url(flow, redirect)), "otto")
        code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
        meta = asyncio.run(client.metadata())
        tokens = http.post(
            meta["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect,
                "code_verifier": flow.verifier,
            },
            auth=(CLIENT_ID, CLIENT_SECRET),
        ).json()
        raw: str = tokens["id_token"]
        claims = asyncio.run(client.verify(raw, flow.nonce))
        assert claims["sub"] == "otto" and "inventory-sre" in claims["groups"]
        assert client.principal(claims).role == "operator"

        header, payload, signature = raw.split(".")
        body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))

        def refused(token: str, nonce: str = flow.nonce, checker: OpenIdClient = client) -> str:
            with pytest.raises(OidcError) as caught:
                asyncio.run(checker.verify(token, nonce))
            assert caught.value.status == 401
            return caught.value.message

        flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
        assert "signature does not verify" in refused(f"{header}.{payload}.{flipped}")
        promoted = _b64({**body, "groups": ["synclens-admins"], "sub": "mallory"})
        assert "signature does not verify" in refused(f"{header}.{promoted}.{signature}")
        unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}."
        assert "'none' is not accepted" in refused(unsigned)
        hmac_signed = jwt.encode(body, CLIENT_SECRET, algorithm="HS256")
        assert "'HS256' is not accepted" in refused(hmac_signed)
        assert "nonce does not match" in refused(raw, nonce="another")
        later = _client(idp.issuer, now=lambda: time.time() + 2 * 3600)
        assert "expired" in refused(raw, checker=later)
        other = OpenIdClient(OidcConfig(idp.issuer, "another-client", None, GroupRoles(GROUPS)))
        assert "audience" in refused(raw, checker=other).lower()
        assert "malformed" in refused("not.a.jwt")
