"""A live service on an injected clock, for tests that feed it from the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from collector.testing.clock import ManualClock
from synclens.settings import load_settings
from tests.conftest import LiveServer, Service

__all__ = ["START_NS", "live_service"]

START_NS = 1_795_000_000_000_000_000


@contextmanager
def live_service(tmp_path: Path) -> Iterator[tuple[Service, ManualClock]]:
    """DuckDB and SQLite under ``tmp_path``; the clock starts at ``START_NS``."""
    clock = ManualClock(START_NS)
    settings = load_settings(
        db=str(tmp_path / "t.duckdb"), ops_db=f"sqlite:///{tmp_path / 'ops.sqlite'}"
    )
    with LiveServer(settings, clock=clock) as svc:
        yield svc, clock
