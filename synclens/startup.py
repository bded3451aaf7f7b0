"""Checks before the service starts, each failure one line (exit status 2).

The store and the operational store are opened at start-up inside uvicorn's
lifespan, where an error ends in a long traceback.  ``synclens serve``
checks first what is most often wrong: the store's directory cannot be
written, the store is in use by another process (DuckDB allows one writer
process per file), the operational store cannot be opened.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb
from sqlalchemy.exc import SQLAlchemyError

from synclens.parts import open_exceptions
from synclens.settings import Settings

__all__ = ["StartupError", "check_stores"]

_PID = re.compile(r"\(PID (\d+)\)")


class StartupError(Exception):
    """The service cannot start; str() is one line naming the problem."""


def check_stores(settings: Settings) -> None:
    """Raise :class:`StartupError` when the service could not open its stores."""
    if settings.db != ":memory:":
        _check_directory(Path(settings.db).parent)
        _check_store(Path(settings.db))
    _check_ops(settings)


def _check_directory(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".synclens-write-check-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise StartupError(
            f"cannot write the store's directory {folder}: {exc.strerror or exc}"
        ) from exc


def _check_store(db: Path) -> None:
    try:
        duckdb.connect(str(db)).close()
    except duckdb.Error as exc:
        text = _first_line(exc)
        if "lock" in text.lower():
            pid = _PID.search(text)
            holder = f"process {pid.group(1)}" if pid else "another process"
            raise StartupError(
                f"the store {db} is in use by {holder} (one synclens per store): "
                "stop it or give another --db"
            ) from exc
        raise StartupError(f"cannot open the store {db}: {text}") from exc


def _check_ops(settings: Settings) -> None:
    try:
        open_exceptions(settings).close()
    except (SQLAlchemyError, OSError) as exc:
        raise StartupError(
            f"cannot open the operational store {settings.ops_db}: {_first_line(exc)}"
        ) from exc


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0].split(" See also ")[0] if text else type(exc).__name__
