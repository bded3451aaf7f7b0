"""The edge, against the real uvicorn configuration ``synclens serve`` uses:
allowed hosts, security headers, CSRF, body limits and read deadlines on
every route (the Dash callback endpoint too), slowloris bounded, TLS with a
certificate made by the test."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme
import uvicorn

from collector.identity.passwords import hash_password
from synclens.app import create_app
from synclens.parts import open_store
from synclens.server import uvicorn_config
from synclens.settings import IngestSettings, Settings, load_settings
from tests.conftest import free_port

MiB = 1 << 20


@contextmanager
def _serve(settings: Settings, scheme: str = "http", **client: Any) -> Iterator[str]:
    """``synclens serve``'s uvicorn set-up in a thread; yields the base URL."""
    store = open_store(settings)
    server = uvicorn.Server(uvicorn_config(settings, create_app(settings, store=store)))
    server.config.log_level = "warning"
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"{scheme}://127.0.0.1:{settings.port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=1, **client).status_code == 200:
                break
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.05)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        store.close()


def _settings(root: Path, **overrides: Any) -> Settings:
    return load_settings(
        db=str(root / "synclens.duckdb"),
        ops_db=f"sqlite:///{root}/ops.sqlite",
        port=free_port(),
        ingest=IngestSettings(decode_workers=0),
        reconciliation={"interval_s": 86_400},
        exceptions={"detect_interval_s": 86_400},
        **overrides,
    )


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """No auth configured (the newcomer's loopback instance), short deadlines."""
    edge = {"header_timeout_s": 1.0, "body_timeout_s": 1.0, "max_body_bytes": MiB}
    with _serve(_settings(tmp_path_factory.mktemp("edge"), edge=edge)) as base:
        yield base


def test_other_hosts_get_400(url: str) -> None:
    port = url.rsplit(":", 1)[1]
    assert httpx.get(f"{url}/healthz").status_code == 200
    assert httpx.get(f"{url}/healthz", headers={"host": f"localhost:{port}"}).status_code == 200
    rebound = httpx.get(f"{url}/api/v1/exceptions", headers={"host": f"attacker.example:{port}"})
    assert rebound.status_code == 400 and "allowed_hosts" in rebound.text
    assert rebound.headers["x-content-type-options"] == "nosniff"


def test_security_headers_everywhere(url: str) -> None:
    for path in ("/healthz", "/api/v1/exceptions", "/dashboards/", "/auth/sign-in", "/nowhere"):
        headers = httpx.get(f"{url}{path}").headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert headers["referrer-policy"] == "same-origin", path


def test_cross_site_writes_are_refused(url: str) -> None:
    evil = {"origin": "http://attacker.example"}
    ack = httpx.post(f"{url}/api/v1/exceptions/1/ack", json={}, headers=evil)
    assert ack.status_code == 403 and "CSRF" in ack.text
    callback = httpx.post(f"{url}/dashboards/_dash-update-component", json={}, headers=evil)
    assert callback.status_code == 403
    fetched = {"sec-fetch-site": "cross-site"}
    assert httpx.post(f"{url}/api/v1/reconciliations", headers=fetched).status_code == 403
    # the site's own pages, and clients that are no browser, go through
    own = httpx.post(f"{url}/api/v1/exceptions/1/ack", json={}, headers={"origin": url})
    assert own.status_code == 404
    assert httpx.post(f"{url}/api/v1/exceptions/1/ack", json={}).status_code == 404
    # reading is no state change
    assert httpx.get(f"{url}/api/v1/exceptions", headers=evil).status_code == 200


def test_body_limit_on_the_dash_endpoint(url: str) -> None:
    big = b"x" * (2 * MiB)
    declared = httpx.post(f"{url}/dashboards/_dash-update-component", content=big)
    assert declared.status_code == 413 and "edge.max_body_bytes" in declared.text

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it comes
        for _ in range(64):
            yield b"y" * 65536

    streamed = httpx.post(f"{url}/dashboards/_dash-update-component", content=chunks())
    assert streamed.status_code == 413
    assert httpx.post(f"{url}/api/v1/exceptions/1/ack", content=big).status_code == 413
    assert httpx.get(f"{url}/healthz").status_code == 200


def _open(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def test_slowloris_is_bounded(url: str) -> None:
    started = time.monotonic()
    socks = [_open(url) for _ in range(40)]
    for sock in socks:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-a: 1\r\n")
    time.sleep(0.6)
    for sock in socks:
        sock.sendall(b"X-b: 2\r\n")  # a header line now and then
    for sock in socks:
        assert sock.recv(1024) == b""  # closed by the server
        sock.close()
    assert time.monotonic() - started < 5
    assert httpx.get(f"{url}/healthz").status_code == 200


def test_a_body_that_never_comes_gets_408(url: str) -> None:
    sock = _open(url)
    sock.sendall(
        b"POST /api/v1/exceptions/1/ack HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
    )
    answer = sock.recv(4096)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 408")


def test_tls(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_and_cert_chain_pem.write_to_path(str(root / "server.pem"))
    ca.cert_pem.write_to_path(str(root / "ca.pem"))
    verify = ssl.create_default_context(cafile=str(root / "ca.pem"))
    users = [{"login": "ana", "role": "viewer", "password_hash": hash_password("pw-ana-123")}]
    settings = _settings(
        root,
        edge={"tls_cert_file": str(root / "server.pem"), "tls_key_file": str(root / "server.pem")},
        auth={"users": users, "session": {"secret": "s" * 32}},
    )
    with _serve(settings, "https", verify=verify) as base:
        health = httpx.get(f"{base}/healthz", verify=verify)
        assert health.status_code == 200
        assert health.headers["strict-transport-security"].startswith("max-age=")
        signed = httpx.post(
            f"{base}/auth/sign-in",
            data={"login": "ana", "password": "pw-ana-123"},
            headers={"origin": base},
            verify=verify,
        )
        assert signed.status_code == 303
        assert "Secure" in [f.strip() for f in signed.headers["set-cookie"].split(";")]
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{base}/healthz")  # not trusted without the test's CA
