"""A real OpenID provider for the sign-in tests: panva's ``oidc-provider``
(tests/oidc, installed by ``make js-deps``) run by Node on a free loopback
port, and a way through its development login and consent pages."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest

from synclens.settings import IngestSettings, load_settings
from tests.conftest import LiveServer, Service, free_port
from tests.metrics.feed import snapshot

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "OPS", "IdP", "log_in", "provider", "service_and_provider"]

HERE = Path(__file__).resolve().parents[1] / "oidc"
CLIENT_ID = "synclens-tests"
CLIENT_SECRET = "a-client-secret-for-the-tests-only"
#: an operating token, to set the scene and read the audit
OPS = {"authorization": "Bearer t-ops"}


@dataclass(frozen=True)
class IdP:
    issuer: str
    log: list[str]


@contextmanager
def provider(
    redirect_uri: str, accounts: dict[str, Any], *, id_token_claims: bool = False
) -> Iterator[IdP]:
    """The provider, with one confidential client that may come back to
    ``redirect_uri``; ``accounts`` gives logins their name, email and groups."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the OpenID Connect tests run oidc-provider on it")
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        pytest.fail(f"{HERE}/node_modules is missing: run `make js-deps` (npm ci in tests/oidc)")
    env = {
        **os.environ,
        "OIDC_CLIENT": json.dumps(
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [redirect_uri],
            }
        ),
        "OIDC_ACCOUNTS": json.dumps(accounts),
    }
    if id_token_claims:
        env["OIDC_ID_TOKEN_CLAIMS"] = "1"
    proc = subprocess.Popen(
        [node, str(HERE / "provider.js")],
        cwd=HERE,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    log: list[str] = []
    assert proc.stderr is not None and proc.stdout is not None
    drain = threading.Thread(target=lambda: log.extend(proc.stderr or ()), daemon=True)
    drain.start()
    try:
        line = proc.stdout.readline()  # the provider says where it listens, once it does
        if not line:
            proc.wait(timeout=30)
            drain.join(timeout=5)
            pytest.fail(f"oidc-provider did not start: {''.join(log)}")
        yield IdP(json.loads(line)["issuer"], log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


@contextmanager
def service_and_provider(
    root: Path, accounts: dict[str, Any], **auth: Any
) -> Iterator[tuple[Service, IdP]]:
    """synclens signing people in through the provider (``auth`` adds to the
    auth settings; ``auth["oidc"]`` to the OpenID Connect ones), with one open
    mismatch exception."""
    port = free_port()
    oidc = auth.pop("oidc", {})
    with provider(f"http://127.0.0.1:{port}/auth/oidc/callback", accounts) as idp:
        settings = load_settings(
            db=str(root / "synclens.duckdb"),
            ops_db=f"sqlite:///{root}/ops.sqlite",
            ingest=IngestSettings(decode_workers=0),
            reconciliation={"interval_s": 86_400},
            exceptions={"detect_interval_s": 86_400},
            auth={
                "tokens": [{"name": "ops", "token": "t-ops", "scopes": ["operate", "snapshots:*"]}],
                "oidc": {
                    "issuer": idp.issuer,
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "display_name": "Test IdP",
                    **oidc,
                },
                "session": {"secret": "oidc-test-session-secret"},
                **auth,
            },
        )
        with LiveServer(settings, port=port) as svc:
            snapshot(svc, "wms/dc-east", 1, {("A", "DC-EAST/1", "on_hand"): 3}, headers=OPS)
            snapshot(svc, "erp/s4", 2, {("A", "DC-EAST/1", "on_hand"): 4}, headers=OPS)
            assert svc.post("/api/v1/reconciliations", headers=OPS).status_code == 200
            yield svc, idp


_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*method="post"', re.IGNORECASE)


def _form_action(page: httpx.Response) -> str:
    found = _FORM.search(page.text)
    assert found, f"no form on the provider's page {page.url}: {page.text[:500]}"
    return urljoin(str(page.url), unescape(found.group(1)))


def log_in(http: httpx.Client, authorization_url: str, login: str) -> httpx.Response:
    """Through the provider's development login and consent pages, as a
    browser would (``http`` keeps the cookies); the answer that sends the
    browser back to the relying party, not followed."""
    here = httpx.URL(authorization_url)
    answer = http.get(authorization_url, follow_redirects=True)
    assert answer.status_code == 200, answer.text
    answer = http.post(
        _form_action(answer),
        data={"prompt": "login", "login": login, "password": "any"},
        follow_redirects=False,
    )
    for _ in range(10):  # the provider's own redirects, and its consent page
        target = httpx.URL(urljoin(str(answer.url), answer.headers.get("location", "")))
        if answer.status_code == 200 and 'name="prompt" value="consent"' in answer.text:
            answer = http.post(
                _form_action(answer), data={"prompt": "consent"}, follow_redirects=False
            )
        elif answer.is_redirect and target.netloc == here.netloc:
            answer = http.get(target, follow_redirects=False)
        else:
            return answer
    raise AssertionError(f"the provider went round in circles: {answer.url}")
