"""The SLI queries (``sql/*.sql``) and how they are run."""

from __future__ import annotations

import re
from typing import Any

import duckdb

from collector.queries import bind, dict_rows, named

__all__ = ["rows", "sql"]

sql = named("metrics.slis")

_MAINTENANCE_JOIN = re.compile(r"^-- maintenance:.*?^-- :maintenance\n", re.M | re.S)


def rows(cur: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """A named query's rows; with no maintenance (``params["excluding"]``
    false) its join on the ``maintenance`` table is left out, as it costs
    ~1.5x even against an empty table."""
    text = sql(name)
    if not params.get("excluding"):
        text = _MAINTENANCE_JOIN.sub("", text)
    return dict_rows(cur.execute(text, bind(text, params)))
