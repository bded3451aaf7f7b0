"""alerts/alertmanager.example.yml: valid for amtool; pages go to on-call, tickets to the team."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "alerts" / "alertmanager.example.yml"
AMTOOL = shutil.which("amtool")

pytestmark = pytest.mark.skipif(
    AMTOOL is None, reason="amtool is missing (Debian: apt-get install prometheus-alertmanager)"
)


def _route(*labels: str) -> str:
    out = subprocess.run(
        [str(AMTOOL), "config", "routes", "test", f"--config.file={CONFIG}", *labels],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_the_example_is_valid() -> None:
    out = subprocess.run([str(AMTOOL), "check-config", str(CONFIG)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        (("alertname=SynclensErrorBudgetBurn", "slo=first-pass", "severity=page"), "on-call"),
        (
            ("alertname=SynclensErrorBudgetBurn", "slo=first-pass", "severity=ticket"),
            "integration-team",
        ),
        (("alertname=SynclensDown", "severity=page"), "on-call"),
        (("alertname=SynclensReconciliationNotRun", "severity=ticket"), "integration-team"),
        (
            ("alertname=SynclensException", "severity=critical", "owner=inventory-ops"),
            "integration-team",
        ),
    ],
)
def test_routing(labels: tuple[str, ...], receiver: str) -> None:
    assert _route(*labels) == receiver
