"""``synclens serve`` as a real process: durability, signals, the bind guard."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from collector.testing.wire import (
    BATCH,
    NS,
    PROTOBUF,
    T0,
    attempt_span,
    batch_body,
    cloudevent,
    request,
)
from collector.timefmt import iso
from tests.conftest import ServiceProcess, start_process


def test_acknowledged_data_survives_kill_9(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db, log = tmp_path / "durable.duckdb", tmp_path / "serve.log"
    # with a decode process, which must not outlive its server
    monkeypatch.setenv("SYNCLENS_INGEST__DECODE_WORKERS", "1")
    first = start_process(db, log)
    monkeypatch.delenv("SYNCLENS_INGEST__DECODE_WORKERS")
    events = [cloudevent(f"k9-{i}", sku="KILL9", time=iso(T0)) for i in range(200)]
    spans = [attempt_span(event_id=f"k9-{i}", sku="KILL9", start_ns=T0 + NS) for i in range(200)]
    for i in range(0, 200, 50):
        ack = httpx.post(
            f"{first.url}/v1/events", content=batch_body(*events[i : i + 50]), headers=BATCH
        )
        assert ack.status_code == 200 and ack.json()["accepted"] == 50
        ack = httpx.post(
            f"{first.url}/v1/traces",
            content=request(*spans[i : i + 50]).SerializeToString(),
            headers=PROTOBUF,
        )
        assert ack.status_code == 200
    workers = _children(first.proc.pid)
    assert workers, "ingest.decode_workers = 1 starts a decode process"
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(timeout=10)
    deadline = time.monotonic() + 15
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in workers), "decode workers outlived their server"

    second = start_process(db, log)
    try:
        lineage = httpx.get(
            f"{second.url}/api/v1/lineage", params={"sku": "KILL9"}, timeout=30
        ).json()
        assert len(lineage["events"]) == 200
        assert all(e["attempts_seen"] for e in lineage["events"])
        again = httpx.post(
            f"{second.url}/v1/events", content=batch_body(*events[:10]), headers=BATCH
        )
        assert again.json()["duplicates"] == 10
    finally:
        second.proc.send_signal(signal.SIGTERM)
        assert second.proc.wait(timeout=30) == 0


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigterm_drains_and_exits_cleanly(service_process: ServiceProcess) -> None:
    body = batch_body(*(cloudevent(f"t-{i}") for i in range(20)))
    assert (
        httpx.post(f"{service_process.url}/v1/events", content=body, headers=BATCH).status_code
        == 200
    )
    service_process.proc.send_signal(signal.SIGTERM)
    assert service_process.proc.wait(timeout=30) == 0
    log = service_process.log.read_text()
    assert "synclens ready on http://127.0.0.1:" in log
    assert "decoders: OTLP protobuf: native C extension" in log  # ingest.native_decoder=auto
    assert "auth off: loopback only" in log
    assert "store closed" in log


def test_public_bind_without_auth_is_refused(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "synclens.cli",
            "serve",
            "--host",
            "0.0.0.0",
            "--db",
            str(tmp_path / "x.duckdb"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ},
    )
    assert proc.returncode == 2
    assert "refusing to listen on 0.0.0.0 without auth tokens" in proc.stderr


def test_bad_config_file_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "synclens.yaml"
    config.write_text(json.dumps({"ingest": {"max_body_bytes": -1}}))
    proc = subprocess.run(
        [sys.executable, "-m", "synclens.cli", "serve", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "max_body_bytes" in proc.stderr and "synclens.yaml" in proc.stderr


def test_help_explains_the_commands() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "synclens.cli", "--help"], capture_output=True, text=True, timeout=60
    ).stdout
    for command in ("serve", "demo", "simulate"):
        assert command in out
    serve = subprocess.run(
        [sys.executable, "-m", "synclens.cli", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert "--port" in serve and "--db" in serve and "--config" in serve


def test_demo_stops_its_simulator_before_the_service(tmp_path: Path) -> None:
    # The simulator sends to the service: on Ctrl-C it must stop (and send
    # what it holds) while the service still answers, not retry against a
    # closed port for many seconds after it.
    demo = start_process(
        tmp_path / "demo.duckdb", tmp_path / "demo.log", "--backfill", "1", command="demo"
    )
    proc = demo.proc
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _spans_received(demo.url) < 500:
            time.sleep(0.2)  # in the middle of the backfill
        assert _spans_received(demo.url) >= 500
        # a reconciliation runs during the backfill: mismatch data in the first minute
        while time.monotonic() < deadline + 30 and not _reconciled(demo.url):
            time.sleep(0.5)
        assert _reconciled(demo.url)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = demo.log.read_text()
    assert "Failed to export" not in text and "Connection refused" not in text, text[-3000:]
    assert text.index("simulator stopped: Summary") < text.index("synclens stopping"), text[-3000:]
    assert "stopped cleanly" in text
    assert "stock records during the backfill" in text, text[-3000:]


def _reconciled(url: str) -> bool:
    r = httpx.get(f"{url}/api/v1/reconciliations/latest", params={"limit": 1}, timeout=5)
    return r.status_code == 200 and r.json()["compared"] > 0


def _spans_received(url: str) -> float:
    for line in httpx.get(f"{url}/metrics", timeout=5).text.splitlines():
        if line.startswith("synclens_spans_received_total"):
            return float(line.split()[-1])
    return 0.0
