"""People sign in (local users with argon2 hashes, or a trusted proxy's
headers) and the audit records who really acted."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest

from collector.identity.passwords import hash_password, verify_password
from collector.identity.principal import Principal
from collector.identity.sessions import SessionCodec
from synclens.cli import main
from synclens.settings import ConfigError, load_settings
from tests.conftest import Service
from tests.metrics.feed import snapshot

PASSWORD = "s3cret-enough"


def _mismatch(svc: Service, headers: dict[str, str]) -> int:
    """One open mismatch exception (ERP says 4, WMS 3); its id."""
    snapshot(svc, "wms/dc-east", 1, {("A", "DC-EAST/1", "on_hand"): 3}, headers=headers)
    snapshot(svc, "erp/s4", 2, {("A", "DC-EAST/1", "on_hand"): 4}, headers=headers)
    assert svc.post("/api/v1/reconciliations", headers=headers).status_code == 200
    found = svc.get("/api/v1/exceptions", headers=headers).json()["exceptions"]
    return int(found[0]["id"])


def _sign_in(svc: Service, login: str, password: str, next_: str = "/dashboards/") -> Any:
    return httpx.post(
        f"{svc.url}/auth/sign-in",
        data={"login": login, "password": password, "next": next_},
        headers={"origin": svc.url},
    )


def test_local_users_sign_in_and_out(make_service: Any) -> None:
    users = [
        {
            "login": "otto",
            "name": "Otto Operator",
            "role": "operator",
            "password_hash": hash_password(PASSWORD),
        },
        {"login": "vera", "role": "viewer", "password_hash": hash_password(PASSWORD)},
    ]
    auth = {"users": users, "session": {"secret": "k" * 32, "max_age_s": 3600}}
    with make_service(auth=auth) as svc:
        assert svc.get("/api/v1/exceptions").status_code == 401
        page = svc.get("/dashboards/", follow_redirects=False)
        assert page.status_code == 303
        assert page.headers["location"] == "/auth/sign-in?next=%2Fdashboards%2F"
        form = svc.get("/auth/sign-in", params={"next": "/dashboards/exceptions"})
        assert 'name="next" value="/dashboards/exceptions"' in form.text

        wrong = _sign_in(svc, "otto", "nope")
        assert wrong.status_code == 401 and "Wrong user or password" in wrong.text
        assert "set-cookie" not in wrong.headers
        assert _sign_in(svc, "nobody", PASSWORD).status_code == 401
        # only a path on this site is a place to go on to
        assert _sign_in(svc, "vera", PASSWORD, "//evil.example/").headers["location"] == (
            "/dashboards/"
        )

        signed = _sign_in(svc, "otto", PASSWORD, "/dashboards/exceptions")
        assert signed.status_code == 303
        assert signed.headers["location"] == "/dashboards/exceptions"
        cookie = signed.headers["set-cookie"]
        flags = {f.strip().split("=")[0] for f in cookie.split(";")}
        assert {"HttpOnly", "SameSite", "Max-Age", "Path"} <= flags
        assert "SameSite=Lax" in cookie and "Max-Age=3600" in cookie
        assert "Secure" not in flags  # plain HTTP here; tests/synclens/test_edge.py: TLS
        otto = {"cookie": cookie.split(";")[0], "origin": svc.url}
        assert svc.get("/dashboards/", headers=otto).status_code == 200

        exception_id = _mismatch(svc, otto)
        acked = svc.post(
            f"/api/v1/exceptions/{exception_id}/ack",
            json={"by": "ceo@example.com", "note": "on it"},
            headers=otto,
        )
        assert acked.status_code == 200, acked.text
        last = svc.get(f"/api/v1/exceptions/{exception_id}/audit", headers=otto).json()["audit"]
        assert (last[-1]["by"], last[-1]["by_subject"]) == ("Otto Operator", "user:otto")

        vera = {"cookie": _sign_in(svc, "vera", PASSWORD).headers["set-cookie"].split(";")[0]}
        # a browser's write without an Origin is refused as CSRF, whoever sent it
        no_origin = svc.post(f"/api/v1/exceptions/{exception_id}/resolve", json={}, headers=vera)
        assert no_origin.status_code == 403 and "CSRF" in no_origin.json()["detail"]
        vera["origin"] = svc.url
        resolve = svc.post(f"/api/v1/exceptions/{exception_id}/resolve", json={}, headers=vera)
        assert resolve.status_code == 403 and "viewer" in resolve.json()["detail"]

        tampered = {"cookie": otto["cookie"][:-2] + "xx"}
        assert svc.get("/api/v1/exceptions", headers=tampered).status_code == 401
        out = svc.post("/auth/sign-out", headers=otto, follow_redirects=False)
        assert out.status_code == 303 and "Max-Age=0" in out.headers["set-cookie"]


def test_sessions_expire() -> None:
    person = Principal.person("user:ana", "Ana", "viewer")
    assert SessionCodec("k", 60).decode(SessionCodec("k", 60).encode(person)) == person
    assert SessionCodec("k", -1).decode(SessionCodec("k", 60).encode(person)) is None
    assert SessionCodec("other", 60).decode(SessionCodec("k", 60).encode(person)) is None


def test_trusted_proxy_headers(make_service: Any) -> None:
    auth = {
        "proxy": {"trusted": ["127.0.0.1/32"]},
        "groups": {"sre": "operator", "execs": "viewer"},
    }
    with make_service(auth=auth) as svc:
        ana = {
            "x-forwarded-user": "ana",
            "x-forwarded-email": "ana@example.com",
            "x-forwarded-groups": "staff,sre",
        }
        exception_id = _mismatch(svc, ana)
        acked = svc.post(f"/api/v1/exceptions/{exception_id}/ack", json={}, headers=ana)
        assert acked.status_code == 200
        audit = svc.get(f"/api/v1/exceptions/{exception_id}/audit", headers=ana).json()["audit"]
        assert (audit[-1]["by"], audit[-1]["by_subject"]) == ("ana@example.com", "proxy:ana")
        boss = {"x-forwarded-user": "bo", "x-forwarded-groups": "execs"}
        assert svc.get("/dashboards/", headers=boss).status_code == 200
        assert (
            svc.post(
                f"/api/v1/exceptions/{exception_id}/resolve", json={}, headers=boss
            ).status_code
            == 403
        )
        nobody = {"x-forwarded-user": "eve", "x-forwarded-groups": "contractors"}
        assert svc.get("/api/v1/exceptions", headers=nobody).status_code == 403


def test_proxy_headers_from_elsewhere_are_ignored(make_service: Any) -> None:
    auth = {"proxy": {"trusted": ["10.0.0.0/8"]}, "groups": {"sre": "admin"}}
    with make_service(auth=auth) as svc:
        spoofed = {"x-forwarded-user": "mallory", "x-forwarded-groups": "sre"}
        assert svc.get("/api/v1/exceptions", headers=spoofed).status_code == 401


def test_a_token_acts_under_its_own_name(make_service: Any) -> None:
    tokens = [
        {"name": "runbook-bot", "token": "t-op", "scopes": ["operate", "snapshots:*"]},
    ]
    with make_service(auth={"tokens": tokens}) as svc:
        bot = {"authorization": "Bearer t-op"}
        exception_id = _mismatch(svc, bot)
        assert (
            svc.post(f"/api/v1/exceptions/{exception_id}/resolve", json={}, headers=bot).status_code
            == 200
        )
        audit = svc.get(f"/api/v1/exceptions/{exception_id}/audit", headers=bot).json()["audit"]
        assert (audit[-1]["by"], audit[-1]["by_subject"]) == ("runbook-bot", "token:runbook-bot")


def test_users_hash_helper(capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("hunter2\n"))
    assert main(["users", "hash", "--stdin"]) == 0
    hashed = capsys.readouterr().out.strip()
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "hunter2") and not verify_password(hashed, "hunter3")


def test_bcrypt_hashes_sign_in_beside_argon2(
    make_service: Any, capsys: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n"))
    assert main(["users", "hash", "--scheme", "bcrypt", "--stdin"]) == 0
    made = capsys.readouterr().out.strip()
    assert made.startswith("$2b$12$") and len(made) == 60
    assert verify_password(made, PASSWORD) and not verify_password(made, PASSWORD + "!")
    # Apache's `htpasswd -B` writes $2y$: the same algorithm
    htpasswd = "$2y$" + hash_password("apache-pw", "bcrypt")[4:]
    users = [
        {"login": "bea", "name": "Bea Bcrypt", "role": "operator", "password_hash": made},
        {"login": "hal", "role": "viewer", "password_hash": htpasswd},
        {"login": "ana", "role": "viewer", "password_hash": hash_password(PASSWORD)},
    ]
    with make_service(auth={"users": users}) as svc:
        for login, password in (("bea", PASSWORD), ("hal", "apache-pw"), ("ana", PASSWORD)):
            signed = _sign_in(svc, login, password)
            assert signed.status_code == 303, (login, signed.text)
        assert _sign_in(svc, "bea", PASSWORD[:-1]).status_code == 401
        assert _sign_in(svc, "hal", "apache-pw" + "x" * 80).status_code == 401  # over 72 bytes

    too_long = io.StringIO("é" * 40 + "\n")  # 80 bytes: bcrypt would silently cut it
    monkeypatch.setattr("sys.stdin", too_long)
    assert main(["users", "hash", "--scheme", "bcrypt", "--stdin"]) == 1
    assert "at most 72 bytes" in capsys.readouterr().err


def test_a_password_hash_of_no_known_scheme_is_a_config_error() -> None:
    for bogus in ("s3cret", "$1$md5$crypt", "$2b$12$short"):
        with pytest.raises(
            ConfigError, match=r"auth\.users\.0\.password_hash: .*synclens users hash"
        ):
            load_settings(auth={"users": [{"login": "x", "password_hash": bogus}]})
