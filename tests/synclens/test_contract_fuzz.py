"""The HTTP contract, fuzzed: schemathesis against a live ``synclens serve``.

A real server subprocess on a free port, with an hour's traffic from the
simulator in it first (so ids, SKUs, orders, runs and exceptions exist), is
sent what ``/openapi.json`` allows and what it does not (schemathesis'
``--mode all``: positive and negative data) by a token that may call every
route but the admin one (``read``, ``operate``, ``traces``, ``events:*``,
``snapshots:*``). The admin route (``POST /api/v1/admin/backup``) is fuzzed
too, as a 403: with ``admin`` the fuzzer would write backups into whatever
absolute directory it draws, on the machine running the tests.

The run fails on any 5xx (``not_a_server_error``), any status the route does
not list (``status_code_conformance``), any body or content type that breaks
the published schema (``response_schema_conformance``,
``content_type_conformance``), and any schema-invalid request the service
accepts (``negative_data_rejection``). Not checked: that every schema-valid
request is accepted (``positive_data_acceptance``): the ingest routes'
bodies are protobuf or CloudEvents the document describes loosely, and their
decoders refuse most of what a fuzzer draws from it, rightly. It is bounded by time, not by cases
(``--max-time``: a loaded machine runs fewer cases in the same wall clock),
with a fixed seed and deterministic generation; each failure is printed
with a ``curl`` line that reproduces it.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from simulator.runner import simulate
from tests.conftest import ServiceProcess, start_process

pytestmark = pytest.mark.slow

TOKEN = "t-contract-fuzz"
SCOPES = ["read", "operate", "traces", "events:*", "snapshots:*"]
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
)
SEED = 13
#: the fuzzing budget, seconds of wall clock (schemathesis' --max-time)
BUDGET_S = 100


def _st() -> str:
    found = Path(sys.executable).parent / "st"
    if found.exists():
        return str(found)
    which = shutil.which("st")
    if which is None:
        pytest.fail("schemathesis is not installed: `make install` installs the test extras")
    return which


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    root = tmp_path_factory.mktemp("contract")
    config = root / "synclens.yaml"
    scopes = ", ".join(f'"{s}"' for s in SCOPES)
    config.write_text(
        f"auth:\n  tokens:\n    - {{name: fuzzer, token: {TOKEN}, scopes: [{scopes}]}}\n",
        encoding="utf-8",
    )
    sp = start_process(
        root / "synclens.duckdb",
        root / "serve.log",
        "--config",
        str(config),
        "--grpc-port",
        "0",
        ready_timeout=240,  # a loaded machine: migrations and imports take their time
    )
    try:
        # an hour of the simulated network: events, spans, snapshots, orders
        simulate(sp.url, seed=3, duration_s=3600, token=TOKEN, skus=60, snapshot_interval_s=900)
        # a reconciliation run (and the exceptions it finds) for the id routes
        r = httpx.post(
            f"{sp.url}/api/v1/reconciliations",
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=300,
        )
        assert r.status_code == 200, r.text
        yield sp
    finally:
        if sp.proc.poll() is None:
            sp.proc.send_signal(signal.SIGTERM)
            sp.proc.wait(timeout=60)


def test_the_contract_holds_under_fuzzing(live: ServiceProcess, tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    cmd = [
        _st(),
        "run",
        f"{live.url}/openapi.json",
        "--header",
        f"Authorization: Bearer {TOKEN}",
        "--checks",
        ",".join(CHECKS),
        "--mode",
        "all",
        "--seed",
        str(SEED),
        "--generation-deterministic",
        "--max-time",
        str(BUDGET_S),
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--wait-for-schema",
        "60",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(junit),
    ]
    started = time.monotonic()
    run = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=BUDGET_S + 300,
        cwd=tmp_path,
    )
    took = time.monotonic() - started
    out = run.stdout + run.stderr
    assert run.returncode == 0, f"schemathesis found failures ({took:.0f} s):\n{out[-20000:]}"
    assert live.proc.poll() is None, "the service died under fuzzing"
    # every operation of the document was tested, none errored in the harness
    selected = re.search(r"Selected: (\d+)/(\d+)", out)
    tested = re.search(r"Tested: (\d+)", out)
    assert selected and tested, out[-5000:]
    assert int(tested.group(1)) == int(selected.group(1)) == int(selected.group(2)), out[-5000:]
    suite = ET.parse(junit).getroot()
    cases = list(suite.iter("testcase"))
    assert len(cases) >= 20, out[-5000:]
    broken = [
        c.get("name") for c in cases if c.find("failure") is not None or c.find("error") is not None
    ]
    assert broken == [], out[-5000:]
    generated = re.search(r"Test cases:\s*(\d+) generated", out)
    print(
        f"schemathesis: {len(cases)} operations, {generated and generated.group(1)} cases, {took:.0f} s"
    )
