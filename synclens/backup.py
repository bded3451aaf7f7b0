"""Consistent backups of a running service, and restores into a fresh path.

DuckDB allows one process per store file, so the running service makes the
backup itself (``POST /api/v1/admin/backup``, called by ``synclens
backup``): ``EXPORT DATABASE`` on a reader cursor, inside one transaction,
so the copy is the store as of one moment (every row acknowledged before
the backup began is in it) while ingest goes on beside it; the operational
store, when it is SQLite, is copied with SQLite's online backup API.
``synclens restore`` imports a backup into a new store file, offline.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy.engine import make_url

from collector.clock import Clock
from collector.store import Store
from collector.timefmt import iso

__all__ = ["MANIFEST", "BackupError", "backup", "restore"]

MANIFEST = "manifest.json"
_STORE_DIR = "store"
_OPS_FILE = "ops.sqlite"


class BackupError(Exception):
    """The backup or restore cannot be made; str() says why, in one line."""


def _literal(path: Path) -> str:
    # EXPORT/IMPORT DATABASE take no parameters: a quoted literal, quotes doubled
    return "'" + str(path).replace("'", "''") + "'"


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database)


def backup(store: Store, ops_url: str, to: Path, clock: Clock) -> dict[str, Any]:
    """Write a backup of ``store`` and the operational store under ``to`` (a
    new or empty directory); returns the manifest."""
    if not to.is_absolute():
        raise BackupError(f"backup directory {to} must be an absolute path")
    if to.exists() and any(to.iterdir()):
        raise BackupError(f"backup directory {to} is not empty")
    began = time.monotonic()
    to.mkdir(parents=True, exist_ok=True)
    with store.reader() as cur:
        cur.begin()  # one snapshot for the export and the counts
        try:
            cur.execute(f"EXPORT DATABASE {_literal(to / _STORE_DIR)} (FORMAT parquet)")
            counts = {
                table: int(cur.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
                for table in ("spans", "events")
            }
            last_seq = cur.execute("SELECT max(seq) FROM events").fetchall()[0][0]
        finally:
            cur.rollback()
    ops = _sqlite_path(ops_url)
    if ops is not None and ops.exists():
        src, dst = sqlite3.connect(ops), sqlite3.connect(to / _OPS_FILE)
        try:
            src.backup(dst)  # SQLite's online backup: a consistent copy while others write
        finally:
            src.close()
            dst.close()
    manifest = {
        "created": iso(clock()),
        "rows": counts,
        "last_events_seq": last_seq,
        "store": _STORE_DIR,
        "ops": _OPS_FILE if ops is not None else None,
        "ops_note": None if ops is not None else "not SQLite: back it up with its own tools",
        "seconds": round(time.monotonic() - began, 3),
    }
    (to / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def restore(source: Path, db: Path, ops_url: str | None) -> dict[str, Any]:
    """Import the backup at ``source`` into the new store file ``db`` (and the
    operational store into ``ops_url``'s SQLite file); returns the manifest."""
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} holds no synclens backup ({MANIFEST}: {exc})") from exc
    if db.exists():
        raise BackupError(f"{db} exists: restore into a new store path")
    ops = _sqlite_path(ops_url) if ops_url else None
    if ops is not None and manifest.get("ops") and ops.exists():
        raise BackupError(f"{ops} exists: restore into a new operational store path")
    db.parent.mkdir(parents=True, exist_ok=True)
    try:
        with duckdb.connect(str(db)) as con:
            con.execute(f"IMPORT DATABASE {_literal(source / manifest['store'])}")
    except duckdb.Error as exc:
        db.unlink(missing_ok=True)
        raise BackupError(f"cannot import {source}: {str(exc).splitlines()[0]}") from exc
    if ops is not None and manifest.get("ops"):
        ops.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / manifest["ops"], ops)
    return manifest
