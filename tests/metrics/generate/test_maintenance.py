"""Maintenance windows in Prometheus and Alertmanager: the generated
SynclensMaintenance rules pass promtool and their generated tests (weekly,
over Sunday midnight, one-off); a real Alertmanager with the shipped example
inhibits exactly the alerts of the window's scope; generated silences
silence them; ``synclens alerts silences`` prints what amtool imports."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from collector.timefmt import NS_PER_S as NS
from metrics.generate.files import alert_files, write_files
from metrics.generate.maintenance import maintenance_rules, silences
from metrics.generate.options import RuleOptions
from metrics.slo import load_slos
from metrics.slo.maintenance import load_maintenance
from synclens.cli import main
from tests.alertmanager import running_alertmanager

ROOT = Path(__file__).resolve().parents[3]
PROMTOOL = shutil.which("promtool")

WINDOWS = """\
apiVersion: synclens/v1
kind: Maintenance
metadata: {name: erp-sunday-night}
spec:
  targets: [erp]
  recurring: {weekdays: [sun], at: "23:30", duration: 90m}
---
apiVersion: synclens/v1
kind: Maintenance
metadata: {name: wms-weekdays}
spec:
  description: WMS batch window
  targets: [wms]
  warehouses: [DC-EAST]
  recurring: {weekdays: [mon, tue, wed, thu, fri], at: "01:00", duration: 30m}
---
apiVersion: synclens/v1
kind: Maintenance
metadata: {name: early-one-off}
spec:
  warehouses: [DC-WEST]
  start: 1970-01-01T01:00:00Z
  end: 1970-01-01T02:15:00Z
"""


def _folder(tmp_path: Path, text: str = WINDOWS) -> Path:
    folder = tmp_path / "slos"
    folder.mkdir()
    (folder / "maintenance.yaml").write_text(text)
    (folder / "fp.yaml").write_text(
        "apiVersion: synclens/v1\nkind: SLO\nmetadata: {name: fp}\n"
        "spec: {sli: first_pass, objective: 0.99, window: 28d, groupBy: target}\n"
    )
    return folder


@pytest.mark.skipif(PROMTOOL is None, reason="promtool is missing (Debian: prometheus)")
def test_generated_rules_and_tests_pass_promtool(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    windows = load_maintenance(folder)
    files = alert_files(load_slos(folder), RuleOptions(), windows)
    assert "maintenance.rules.yml" in files and "tests/maintenance.test.yml" in files
    out = tmp_path / "alerts"
    write_files(files, out)
    check = subprocess.run(
        [str(PROMTOOL), "check", "rules", str(out / "maintenance.rules.yml")],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    test = subprocess.run(
        [str(PROMTOOL), "test", "rules", "maintenance.test.yml"],
        capture_output=True,
        text=True,
        cwd=out / "tests",
        timeout=300,
    )
    assert test.returncode == 0, test.stdout + test.stderr
    # one case per window: each is on in its first occurrence after the epoch
    assert len(yaml.safe_load(files["tests/maintenance.test.yml"])["tests"]) == 3
    rules = maintenance_rules(windows, RuleOptions())["groups"][0]["rules"]
    labels = sorted((r["labels"]["maintenance"], r["labels"]["maintenance_scope"]) for r in rules)
    assert labels == [
        ("early-one-off", "warehouse"),
        ("erp-sunday-night", "target"),
        ("wms-weekdays", "target_warehouse"),
    ]


def test_no_windows_no_maintenance_files() -> None:
    files = alert_files(load_slos(), RuleOptions())
    assert not any("maintenance" in name for name in files)


def _post(url: str, labels: dict[str, str]) -> None:
    now = datetime.now(UTC)
    body = [
        {
            "labels": labels,
            "startsAt": now.isoformat(),
            "endsAt": (now + timedelta(hours=1)).isoformat(),
        }
    ]
    assert httpx.post(f"{url}/api/v2/alerts", json=body, timeout=5).status_code == 200


def _states(url: str, want: int) -> dict[str, dict[str, Any]]:
    deadline = time.monotonic() + 30
    while True:
        alerts = httpx.get(f"{url}/api/v2/alerts", timeout=5).json()
        named = {a["labels"].get("case", ""): a["status"] for a in alerts if "case" in a["labels"]}
        if len(named) >= want or time.monotonic() > deadline:
            return named
        time.sleep(0.2)


def test_the_example_inhibits_the_scope_and_only_it(tmp_path: Path) -> None:
    config = ROOT / "alerts" / "alertmanager.example.yml"
    with running_alertmanager(config, tmp_path) as url:
        _post(url, {"alertname": "SynclensMaintenance", "severity": "none",
                    "maintenance": "erp-sunday-night", "maintenance_scope": "target",
                    "target": "erp"})  # fmt: skip
        _post(url, {"alertname": "SynclensMaintenance", "severity": "none",
                    "maintenance": "wms-weekdays", "maintenance_scope": "target_warehouse",
                    "target": "wms", "warehouse": "DC-EAST"})  # fmt: skip
        burn = {"alertname": "SynclensErrorBudgetBurn", "severity": "page", "slo": "fp"}
        cases = {
            "erp": {**burn, "target": "erp"},
            "erp-outage": {
                "alertname": "SynclensTargetOutage",
                "severity": "page",
                "target": "erp",
            },
            "commerce": {**burn, "target": "commerce"},
            "overall": {**burn, "slo": "overall"},
            "wms-only": {**burn, "target": "wms"},
            "wms-dc-east": {**burn, "target": "wms", "warehouse": "DC-EAST"},
        }
        for case, labels in cases.items():
            _post(url, {**labels, "case": case})
        states = _states(url, len(cases))
    inhibited = {case for case, status in states.items() if status["inhibitedBy"]}
    assert inhibited == {"erp", "erp-outage", "wms-dc-east"}
    assert all(states[c]["state"] == "active" for c in ("commerce", "overall", "wms-only"))


def test_generated_silences_silence_the_scope(tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    text = WINDOWS.replace("1970-01-01T01:00:00Z", (now - timedelta(minutes=5)).isoformat())
    text = text.replace("1970-01-01T02:15:00Z", (now + timedelta(hours=1)).isoformat())
    windows = load_maintenance(_folder(tmp_path, text))
    now_ns = int(now.timestamp()) * NS
    made = silences(windows, now_ns, now_ns + 7 * 86_400 * NS)
    # a week: 1 Sunday night, 5 weekday windows, the one-off
    assert len(made) == 7
    one_off = [s for s in made if "early-one-off" in s["comment"]]
    assert one_off[0]["matchers"] == [
        {"name": "warehouse", "value": "DC-WEST", "isRegex": False, "isEqual": True}
    ]
    config = tmp_path / "am.yml"
    config.write_text("route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n")
    with running_alertmanager(config, tmp_path) as url:
        for silence in one_off:
            assert httpx.post(f"{url}/api/v2/silences", json=silence, timeout=5).status_code == 200
        _post(url, {"alertname": "SynclensErrorBudgetBurn", "warehouse": "DC-WEST", "case": "west"})
        _post(url, {"alertname": "SynclensErrorBudgetBurn", "warehouse": "DC-EAST", "case": "east"})
        states = _states(url, 2)
    assert states["west"]["state"] == "suppressed" and states["west"]["silencedBy"]
    assert states["east"]["state"] == "active"


def test_the_silences_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path)
    argv = ["alerts", "silences", "--slo-dir", str(folder), "--from", "2026-12-06T00:00:00Z"]
    assert main([*argv, "--for", "1d"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [(s["startsAt"], s["endsAt"]) for s in printed] == [
        ("2026-12-06T23:30:00Z", "2026-12-07T01:00:00Z")
    ]
    assert printed[0]["matchers"][0] == {
        "name": "target",
        "value": "erp",
        "isRegex": False,
        "isEqual": True,
    }
    assert main([*argv, "--for", "soon"]) == 2
    assert "duration" in capsys.readouterr().err
