"""The machine's PostgreSQL for tests: whether it answers, and fresh databases."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

__all__ = ["PG_ADMIN", "fresh_database", "pg_reason"]

PG_ADMIN = os.environ.get("SYNCLENS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pg_reason() -> str | None:
    """None when PostgreSQL answers, else why not (a reason to skip)."""
    try:
        engine = create_engine(PG_ADMIN, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure means: skip, and say why
        return f"PostgreSQL at {PG_ADMIN} not usable: {type(exc).__name__}: {str(exc)[:200]}"
    return None


@contextmanager
def fresh_database(prefix: str = "synclens_test") -> Iterator[str]:
    """The URL of a new, empty database, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
