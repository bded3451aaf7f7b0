"""Named SQL of the metrics layer: ``metrics/sql/<name>.sql``, loaded by name."""

from __future__ import annotations

from collector.queries import sql as _sql

__all__ = ["sql"]


def sql(name: str) -> str:
    """The text of ``metrics/sql/<name>.sql``; KeyError names a missing query."""
    return _sql(name, "metrics")
