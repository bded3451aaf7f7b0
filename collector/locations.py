"""Which warehouse a location is in (SPEC 1.4 ``locations``).

The configured map wins; otherwise the warehouse is the part of the
location before the first ``/``. SQL joins the map as the registered table
``location_map(location, warehouse)`` and falls back the same way:
``coalesce(m.warehouse, split_part(location, '/', 1))``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import duckdb
import pyarrow as pa

__all__ = ["LocationMap"]

_SCHEMA = pa.schema([("location", pa.string()), ("warehouse", pa.string())])


class LocationMap:
    """location -> warehouse, for Python and for SQL."""

    def __init__(self, warehouses: Mapping[str, str] | None = None) -> None:
        self._warehouses = dict(warehouses or {})

    def warehouse(self, location: str | None) -> str | None:
        if location is None:
            return None
        return self._warehouses.get(location) or location.split("/", 1)[0]

    def items(self) -> list[tuple[str, str]]:
        """The configured overrides, sorted (for fingerprints)."""
        return sorted(self._warehouses.items())

    def table(self) -> pa.Table:
        return pa.table(
            {"location": list(self._warehouses), "warehouse": list(self._warehouses.values())},
            schema=_SCHEMA,
        )

    @contextmanager
    def registered(self, cur: duckdb.DuckDBPyConnection) -> Iterator[None]:
        """The map as the table ``location_map`` on ``cur`` while the block runs."""
        cur.register("location_map", self.table())
        try:
            yield
        finally:
            cur.unregister("location_map")
