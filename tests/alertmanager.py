"""A real Alertmanager on loopback for tests (Debian: prometheus-alertmanager)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

__all__ = ["BINARY", "running_alertmanager"]

BINARY = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")


@contextmanager
def running_alertmanager(config: Path, workdir: Path) -> Iterator[str]:
    """Alertmanager with ``config`` on a free port until the block ends; yields its URL
    (skips the test when Alertmanager is not installed)."""
    if BINARY is None:
        pytest.skip(
            "Alertmanager is not installed (Debian: apt-get install prometheus-alertmanager)"
        )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = workdir / "am.log"
    proc = subprocess.Popen(
        [
            BINARY,
            f"--config.file={config}",
            f"--storage.path={workdir / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(log.read_text()[-2000:])
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
