"""Shared fixtures: a real synclens service on a free port.

``service`` runs the app in-process under a real uvicorn server (fast, and
the store is at hand); ``service_process`` runs ``synclens serve`` as a
separate process, for signals and ``kill -9``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from prometheus_client.parser import text_string_to_metric_families

from collector.store import Store
from metrics import STORE_MIGRATIONS
from synclens.app import create_app
from synclens.parts import open_store
from synclens.settings import IngestSettings, Settings, load_settings


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A real DuckDB store in a fresh file, with every package's migrations."""
    opened = Store(tmp_path / "store.duckdb", extra_migrations=STORE_MIGRATIONS)
    try:
        yield opened
    finally:
        opened.close()


def pytest_configure(config: pytest.Config) -> None:
    # Every service a test starts, in-process or as `synclens serve`, runs no
    # OTLP/gRPC receiver unless the test asks for one on a free port: two on
    # the default 4317 at once would collide (tests run in parallel).
    os.environ.setdefault("SYNCLENS_GRPC__PORT", "0")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(
    url: str, timeout: float = 60.0, proc: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited early with {proc.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{url} not ready after {timeout}s")


@dataclass
class Service:
    url: str
    store: Store
    settings: Settings
    app: Any

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", timeout=30.0, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return httpx.post(f"{self.url}{path}", timeout=30.0, **kw)

    def metric(self, name: str, **labels: str) -> float:
        """Sum of the samples called ``name`` whose labels include ``labels``."""
        total = 0.0
        for family in text_string_to_metric_families(self.get("/metrics").text):
            for sample in family.samples:
                if sample.name == name and labels.items() <= sample.labels.items():
                    total += sample.value
        return total


class LiveServer:
    """A real uvicorn server in a thread, serving ``create_app(settings)``."""

    def __init__(self, settings: Settings, *, port: int | None = None, **app_kw: Any) -> None:
        self.port = port or free_port()
        self.settings = settings.model_copy(update={"port": self.port})
        self.store = open_store(self.settings)
        self.app = create_app(self.settings, store=self.store, **app_kw)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Service:
        self.thread.start()
        url = f"http://127.0.0.1:{self.port}"
        wait_ready(url)
        return Service(url, self.store, self.settings, self.app)

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.store.close()


@pytest.fixture
def make_service(tmp_path: Path) -> Any:
    """Factory: ``with make_service(**settings) as svc:``."""
    counter = iter(range(1000))

    def make(**overrides: Any) -> LiveServer:
        n = next(counter)
        db = str(tmp_path / f"synclens-{n}.duckdb")
        overrides.setdefault("ops_db", f"sqlite:///{tmp_path / f'ops-{n}.sqlite'}")
        # decode in a thread unless a test asks for worker processes: spawning
        # them costs a second per server (tests/collector/test_decoding.py and
        # the `synclens serve` process tests cover the pool)
        overrides.setdefault("ingest", IngestSettings(decode_workers=0))
        return LiveServer(load_settings(db=db, **overrides))

    return make


@pytest.fixture
def service(make_service: Any) -> Iterator[Service]:
    with make_service() as svc:
        yield svc


@dataclass
class ServiceProcess:
    url: str
    proc: subprocess.Popen[bytes]
    db: Path
    log: Path


def start_process(
    db: Path, log: Path, *extra: str, command: str = "serve", ready_timeout: float = 60.0
) -> ServiceProcess:
    """``synclens <command>`` (serve or demo) on a free port, once it is ready."""
    port = free_port()
    if "--ops-db" not in extra:
        extra = (*extra, "--ops-db", f"sqlite:///{db.with_suffix('.ops.sqlite')}")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "synclens.cli",
                command,
                "--port",
                str(port),
                "--db",
                str(db),
                *extra,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, ready_timeout, proc=proc)
    except (RuntimeError, TimeoutError):
        proc.kill()  # not left serving after the test gave up on it
        proc.wait()
        raise
    return ServiceProcess(url, proc, db, log)


@pytest.fixture
def service_process(tmp_path: Path) -> Iterator[ServiceProcess]:
    sp = start_process(tmp_path / "synclens.duckdb", tmp_path / "serve.log")
    yield sp
    if sp.proc.poll() is None:
        sp.proc.send_signal(signal.SIGTERM)
        sp.proc.wait(timeout=30)
