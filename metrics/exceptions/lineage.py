"""The exceptions of a SKU or an order, for the lineage view (SPEC 5)."""

from __future__ import annotations

from typing import Any

from collector.lineage import LineageExtra
from collector.locations import LocationMap
from metrics.exceptions.store import ExceptionStore

__all__ = ["lineage_exceptions"]

_LIMIT = 200


def lineage_exceptions(store: ExceptionStore, locations: LocationMap) -> LineageExtra:
    """``{"exceptions": [...]}`` for the lineage keys, newest first, any status:
    those at a key's location or at its warehouse (``locations``)."""

    def extra(keys: list[tuple[str, str | None]]) -> dict[str, Any]:
        found: dict[int, dict[str, Any]] = {}
        for sku, location in keys:
            for row in store.search(sku=sku, limit=_LIMIT)[1]:
                where = row.get("location")
                if location is None or where in (location, locations.warehouse(location)):
                    found[int(row["id"])] = row
        return {"exceptions": [found[i] for i in sorted(found, reverse=True)][:_LIMIT]}

    return extra
