"""Operational-store URLs: SQLite always, the machine's PostgreSQL when it answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg import fresh_database, pg_reason


@pytest.fixture(scope="session")
def pg_unavailable() -> str | None:
    return pg_reason()


@pytest.fixture(params=["sqlite", "postgresql"])
def ops_url(
    request: pytest.FixtureRequest, tmp_path: Path, pg_unavailable: str | None
) -> Iterator[str]:
    """A fresh, empty operational database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ops.sqlite'}"
        return
    if pg_unavailable:
        pytest.skip(pg_unavailable)
    with fresh_database() as url:
        yield url
