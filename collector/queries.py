"""Named SQL: every known query lives in ``collector/sql/<name>.sql``."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from functools import cache
from importlib import resources
from typing import Any

import duckdb

__all__ = ["Reader", "bind", "dict_rows", "migrations", "named", "sql"]

Reader = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]
"""A reader cursor for a while: ``Store.reader``, or ``TwoTier.reader`` (the
hot store and the lake together, ``collector/lake/tiers.py``)."""

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
# what is not SQL to run: a comment to the end of its line, a string literal
_NOT_CODE = re.compile(r"--[^\n]*|'(?:[^']|'')*'")


@cache
def sql(name: str, package: str = "collector") -> str:
    """The text of ``<package>/sql/<name>.sql``; KeyError names a missing query."""
    path = resources.files(package).joinpath("sql", f"{name}.sql")
    if not path.is_file():
        raise KeyError(f"no SQL file named {name}.sql")
    return path.read_text(encoding="utf-8")


def named(package: str) -> Callable[[str], str]:
    """``sql`` bound to ``package``: each package with a ``sql/`` folder of its
    own keeps ``sql = named(__package__)`` beside the modules that read it."""

    def load(name: str) -> str:
        return sql(name, package)

    return load


def migrations(package: str = "collector") -> list[tuple[int, str, str]]:
    """``(version, name, text)`` of ``<package>/migrations/NNNN_name.sql``, in order."""
    folder = resources.files(package).joinpath("migrations")
    if not folder.is_dir():
        return []
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number, _, rest = entry.name.partition("_")
            found.append((int(number), rest.removesuffix(".sql"), entry.read_text("utf-8")))
    return sorted(found)


def bind(text: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The subset of ``params`` that ``text`` names as ``$name`` (DuckDB
    refuses extra named parameters); KeyError for one it names but lacks.
    A ``$name`` in a comment or a string literal is not a parameter."""
    names = set(_PARAM.findall(_NOT_CODE.sub(" ", text)))
    missing = names - set(params)
    if missing:
        raise KeyError(f"query needs parameter(s) {', '.join(sorted(missing))}")
    return {name: params[name] for name in names}


def dict_rows(result: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every row of an executed query as a dict by column name (fetches all:
    an unfinished result would hold its transaction open)."""
    columns = [d[0] for d in result.description or ()]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]
