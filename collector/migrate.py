"""The store's schema: each package's ``migrations/NNNN_name.sql``, applied in
order and recorded in ``schema_migrations`` (package, version)."""

from __future__ import annotations

import logging

import duckdb

from collector.queries import migrations, sql

__all__ = ["migrate"]

log = logging.getLogger(__name__)


def migrate(con: duckdb.DuckDBPyConnection, package: str) -> None:
    """Apply ``<package>/migrations/NNNN_name.sql`` not yet recorded in
    ``schema_migrations``, each in a transaction of its own."""
    con.execute(sql("migrations_table"))
    done = {
        row[0]
        for row in con.execute(
            "SELECT version FROM schema_migrations WHERE package = ?", [package]
        ).fetchall()
    }
    for version, name, text in migrations(package):
        if version in done:
            continue
        log.info("applying store migration %s %04d_%s", package, version, name)
        con.begin()
        con.execute(text)
        con.execute(
            "INSERT INTO schema_migrations (package, version, name) VALUES (?, ?, ?)",
            [package, version, name],
        )
        con.commit()
