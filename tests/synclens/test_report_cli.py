"""``synclens report``'s refusals, before any service or browser starts:
a bad period (exit 2) and a missing Chromium (exit 1), each one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from synclens.cli import main
from tests.conftest import ServiceProcess


def _report(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "synclens.cli", "report", *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, check=False, env=env
    )


def test_a_bad_period_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--period", "2026-13", "--out", str(tmp_path / "r.pdf")]) == 2
    err = capsys.readouterr().err
    assert err == "synclens report: month 13 is not between 01 and 12\n"


def test_no_chromium_says_how_to_get_one(tmp_path: Path) -> None:
    out = tmp_path / "r.pdf"
    done = _report("--period", "2026-11", "--out", str(out), "--chromium", "/no/such/chromium")
    assert done.returncode == 1
    assert done.stderr == "synclens report: no Chromium at '/no/such/chromium'\n"
    env = {**os.environ, "PATH": str(tmp_path)}  # a PATH with no browser on it
    done = _report("--period", "2026-11", "--out", str(out), env=env)
    assert done.returncode == 1
    assert "no Chromium found (looked for chromium, chromium-browser" in done.stderr
    assert "apt-get install chromium" in done.stderr
    assert not out.exists()


def test_help_says_what_the_report_holds() -> None:
    done = _report("--help")
    assert done.returncode == 0
    for words in ("2026-W48", "2026-11", "2026-Q4", "--url", "SYNCLENS_TOKEN", "Chromium"):
        assert words in done.stdout


def test_a_store_held_by_a_running_synclens_points_at_url(
    service_process: ServiceProcess, tmp_path: Path
) -> None:
    """Without --url on the store a `synclens serve` holds: one line, exit 1."""
    db = service_process.db
    ops = f"sqlite:///{db.with_suffix('.ops.sqlite')}"
    out = tmp_path / "r.pdf"
    # any executable passes for Chromium here: the store is refused before printing
    args = ("--db", str(db), "--ops-db", ops, "--chromium", sys.executable)
    done = _report("--period", "2026-W48", "--out", str(out), *args)
    assert done.returncode == 1
    assert "is in use by process" in done.stderr and "--url" in done.stderr
    assert done.stderr.count("\n") == 1 and not out.exists()
