"""What most often keeps the service from starting is one line and exit 2:
a store in use by another process, a directory it cannot write, a bad
config file (the real CLI, in a process of its own)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.collector.disk import small_fs
from tests.conftest import ServiceProcess, free_port


def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "synclens.cli", "serve", "--port", str(free_port()), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _one_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr[-2000:]
    assert lines[0].startswith("synclens: ")
    return lines[0]


def test_a_second_serve_on_the_same_store(service_process: ServiceProcess, tmp_path: Path) -> None:
    line = _one_line(
        _serve("--db", str(service_process.db), "--ops-db", f"sqlite:///{tmp_path / 'o2.sqlite'}")
    )
    assert f"the store {service_process.db} is in use by process {service_process.proc.pid}" in line
    assert service_process.proc.poll() is None  # the first one serves on


def test_a_store_directory_it_cannot_write(tmp_path: Path) -> None:
    with small_fs(tmp_path / "ro", 1, read_only=True) as ro:
        line = _one_line(_serve("--db", str(ro / "data" / "s.duckdb")))
        assert f"cannot write the store's directory {ro / 'data'}: Read-only file system" in line
        ops = f"sqlite:///{ro / 'ops.sqlite'}"
        line = _one_line(_serve("--db", str(tmp_path / "s.duckdb"), "--ops-db", ops))
        assert f"cannot open the operational store {ops}" in line


def test_a_bad_config_file(tmp_path: Path) -> None:
    config = tmp_path / "synclens.yaml"
    config.write_text("ingest: {max_body_bytes: -1, colour: blue}\n")
    line = _one_line(_serve("--config", str(config)))
    assert f"invalid config file {config}" in line
    assert "ingest.max_body_bytes: Input should be greater than 0" in line
    assert "ingest.colour: Extra inputs are not permitted" in line
    config.write_text("ingest: [\n  a: b\n")
    line = _one_line(_serve("--config", str(config)))
    assert f"config file {config} is not valid YAML" in line and "line 3" in line
