"""Named SQL of the metrics layer: ``metrics/sql/<name>.sql``, loaded by name."""

from __future__ import annotations

from functools import cache
from importlib import resources

__all__ = ["sql"]


@cache
def sql(name: str) -> str:
    """The text of ``metrics/sql/<name>.sql``; KeyError names a missing query."""
    path = resources.files("metrics.sql").joinpath(f"{name}.sql")
    if not path.is_file():
        raise KeyError(f"no SQL file named {name}.sql")
    return path.read_text(encoding="utf-8")
