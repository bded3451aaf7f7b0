"""Operational-store URLs: SQLite always, the machine's PostgreSQL when it answers."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

PG_ADMIN = os.environ.get("SYNCLENS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_reason() -> str | None:
    try:
        engine = create_engine(PG_ADMIN, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure means: skip, and say why
        return f"PostgreSQL at {PG_ADMIN} not usable: {type(exc).__name__}: {str(exc)[:200]}"
    return None


@pytest.fixture(scope="session")
def pg_unavailable() -> str | None:
    return _pg_reason()


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
    name = f"synclens_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
