"""End to end: a short accelerated run against a live ``synclens serve``.

Every event of the truth file must be in the lineage API with the attempts
(and trace ids) the truth says.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from simulator.model import FlowKnobs
from simulator.runner import simulate
from simulator.truth import load_truth

pytestmark = pytest.mark.slow

_SERVE = Path(sys.executable).with_name("synclens")


def _serve_available() -> bool:
    if not (_SERVE.exists() or shutil.which("synclens")):
        return False
    out = subprocess.run(
        [sys.executable, "-m", "synclens.cli", "serve", "--help"], capture_output=True, timeout=60
    )
    return out.returncode == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def collector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh ``synclens serve`` process on a free port and an empty database."""
    assert _serve_available(), f"{_SERVE} is missing: install synclens (make install)"
    tmp = tmp_path_factory.mktemp("e2e")
    port = _free_port()
    log = (tmp / "serve.log").open("wb")
    proc = subprocess.Popen(
        [str(_SERVE), "serve", "--port", str(port), "--db", str(tmp / "e2e.duckdb")],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            pytest.fail(
                f"synclens serve exited with {proc.returncode}: {(tmp / 'serve.log').read_text()}"
            )
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("synclens serve not ready after 60 s")
        time.sleep(0.1)
    try:
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _lineage(url: str, skus: set[str]) -> dict[tuple[str, str], dict[str, Any]]:
    events: dict[tuple[str, str], dict[str, Any]] = {}
    with httpx.Client(base_url=url, timeout=60) as client:
        for sku in sorted(skus):
            resp = client.get("/api/v1/lineage", params={"sku": sku, "limit": 10_000})
            assert resp.status_code == 200, resp.text
            for e in resp.json()["events"]:
                events[(e["source"], e["id"])] = e
    return events


def _targets(event: dict[str, Any]) -> dict[str, dict[str, Any]]:
    targets = event["targets"]
    if isinstance(targets, dict):
        return targets
    return {t["target"]: t for t in targets}


def test_every_truth_event_is_in_the_lineage_with_its_attempts(
    collector: str, tmp_path: Path
) -> None:
    truth_path = tmp_path / "truth.json"
    summary = simulate(
        collector,
        seed=5,
        profile="chaos",
        duration_s=2 * 3600,
        truth_path=truth_path,
        skus=40,
        warehouses=2,
        knobs=FlowKnobs(orders_per_hour=200, return_rate=0.2),
    )
    truth = load_truth(truth_path)
    assert summary.events == len(truth["events"]) > 300
    lineage = _lineage(collector, {e["sku"] for e in truth["events"]})
    pairs: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for p in truth["pairs"]:
        pairs.setdefault((p["source"], p["id"]), {})[p["target"]] = p
    checked_attempts = 0
    for e in truth["events"]:
        key = (e["source"], e["id"])
        if e["lost"]:
            assert key not in lineage, f"lost event {key} reached synclens"
            continue
        assert key in lineage, f"event {key} missing from the lineage"
        got = lineage[key]
        assert got["type"] == e["type"] and got["location"] == e["location"]
        got_targets = _targets(got)
        for target, want in pairs.get(key, {}).items():
            attempts = got_targets.get(target, {}).get("attempts", [])
            simple = [
                (a["attempt"], a["replay"], a["outcome"] == "success", a["dead_lettered"],
                 a["duplicate"], a["error_type"], a["trace_id"], a["span_id"])
                for a in attempts
            ]  # fmt: skip
            expected = [
                (a["attempt"], a["replay"], a["success"], a["dead_lettered"],
                 a["duplicate"], a["error_type"], a["trace_id"], a["span_id"])
                for a in want["attempts"]
            ]  # fmt: skip
            assert simple == expected, f"{key} -> {target}"
            checked_attempts += len(expected)
            if want["latency_s"] is not None:
                assert got_targets[target]["latency_s"] == pytest.approx(
                    want["latency_s"], abs=1e-6
                )
    assert checked_attempts == summary.attempts
    stored = httpx.get(f"{collector}/api/v1/snapshots", params={"limit": 1000}, timeout=60)
    if stored.status_code == 404:
        return  # GET /api/v1/snapshots not there yet
    snaps = stored.json()["snapshots"]
    assert len(snaps) == summary.snapshots
    latest = truth["latest_reconciliation"]
    for snap in snaps:
        inst = f"{snap['system']}/{snap['instance']}"
        if snap["taken_ns"] == latest["taken_at_ns"][inst]:
            assert snap["rows"] == len(latest["snapshots"][inst]), inst


def test_cli_simulate_prints_a_summary_and_writes_the_truth(collector: str, tmp_path: Path) -> None:
    truth = tmp_path / "t.json"
    out = subprocess.run(
        [str(_SERVE), "simulate", "--target", collector, "--seed", "9", "--profile", "none",
         "--duration", "20m", "--skus", "30", "--warehouses", "1", "--truth", str(truth)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("simulated 0.33 h (none, seed 9)")
    data = load_truth(truth)
    assert data["config"]["seed"] == 9 and data["events"]


def _expected_undelivered(truth: dict[str, Any], now_ns: int) -> int:
    times = {(e["source"], e["id"]): e["time_ns"] for e in truth["events"]}
    return sum(
        1
        for p in truth["pairs"]
        if p["applied_ns"] is None and times[(p["source"], p["id"])] + 900 * 10**9 < now_ns
    )


def test_slis_equal_the_truth(collector: str, tmp_path: Path) -> None:
    assert httpx.get(f"{collector}/api/v1/slis", params={"window": "1h"}).status_code == 200
    truth_path = tmp_path / "truth.json"
    simulate(
        collector,
        seed=6,
        profile="chaos",
        duration_s=3600,
        truth_path=truth_path,
        skus=40,
        warehouses=2,
        knobs=FlowKnobs(orders_per_hour=200),
    )
    truth = load_truth(truth_path)
    resp = httpx.get(f"{collector}/api/v1/slis", params={"window": "3h"}, timeout=60)
    now_ns = time.time_ns()
    assert resp.status_code == 200, resp.text
    got = resp.json()["slis"]
    want = truth["slis"]
    assert (got["first_pass"]["good"], got["first_pass"]["total"]) == (
        want["first_pass"]["good"], want["first_pass"]["total"],
    )  # fmt: skip
    assert (got["latency"]["good"], got["latency"]["total"]) == (
        want["latency"]["good"], want["latency"]["total"],
    )  # fmt: skip
    assert (got["api_failure"]["failed"], got["api_failure"]["total"]) == (
        want["api_failure"]["failed"], want["api_failure"]["total"],
    )  # fmt: skip
    for name in ("replays", "duplicates", "double_applies"):
        assert got[name] == want[name], name
    assert got["undelivered"] == _expected_undelivered(truth, now_ns)
