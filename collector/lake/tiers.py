"""One history, two tiers: a reader of the hot store that also sees the lake.

Hot retention (``store.hot_days``) deletes spans, events and pair facts only
once the lake holds them, and records how far it went in ``hot_horizon``
(migration 0008).  :meth:`TwoTier.reader` gives a reader cursor on which
``events``, ``spans`` and ``pair_facts`` are temporary views (they shadow the
tables on that cursor only): every hot row, plus the lake's rows before the
horizon that the hot store no longer holds, matched by identity
(``sql/tier_*.sql``).  Every query of lineage and the SLIs then reads both
tiers unchanged and answers as a store that kept everything hot.  A table
never pruned has no horizon and reads the hot store alone, at no cost.

The lake's files are planned by pyiceberg (partition pruning on ``ts``) and
read by DuckDB's ``read_parquet`` when they are local and have no delete
files; otherwise pyiceberg reads them (S3, deletes) into Arrow.  A lake
that cannot be read (catalog or warehouse down) is logged as a warning and
the answer covers the hot rows only, rather than failing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

import duckdb
from sqlalchemy.exc import SQLAlchemyError

from collector.queries import named
from collector.queries import sql as collector_sql

if TYPE_CHECKING:
    from collector.lake.service import LakeService

__all__ = ["TIERED", "TwoTier"]

sql = named(__package__)
log = logging.getLogger(__name__)

#: the tables read through both tiers: pruned by time (``hot_horizon``) ...
TIERED = ("events", "spans", "pair_facts")
#: ... and by count (the oldest first): the lake's older ones are read
_BY_COUNT = ("reconciliation_runs",)
_NEVER = 2**63 - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class TwoTier:
    """Readers over the hot store and the lake of ``lake`` together."""

    def __init__(self, lake: LakeService) -> None:
        self.lake = lake

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A reader cursor (``Store.reader``) whose ``events``, ``spans`` and
        ``pair_facts`` hold both tiers (see the module docstring)."""
        with self.lake.store.reader() as cur:
            horizons = dict(cur.execute(collector_sql("hot_horizon")).fetchall())
            horizons |= dict.fromkeys(_BY_COUNT, _NEVER)
            # fetchall: a result left unfinished blocks the cursor's next call
            database = str(cur.execute("SELECT current_database()").fetchall()[0][0])
            for name in (*TIERED, *_BY_COUNT):
                if name in horizons:
                    try:
                        self._attach(cur, database, name, int(horizons[name]))
                    except (OSError, ValueError, SQLAlchemyError, duckdb.IOException) as exc:
                        # the lake unreachable: answer from the hot store, say so
                        log.warning("lake: %s not readable, hot rows only: %s", name, exc)
            yield cur

    def _attach(
        self, cur: duckdb.DuckDBPyConnection, database: str, name: str, before: int
    ) -> None:
        """Shadow ``name`` on ``cur`` by the view of both tiers."""
        catalog = self.lake.tables.catalog
        table = catalog.load_table(f"{self.lake.tables.namespace}.{name}")
        if table.current_snapshot() is None:
            return
        # ts is the row's time in microseconds (a span's start): a superset
        if before == _NEVER:
            scan = table.scan()
        else:
            limit = _EPOCH + timedelta(microseconds=before // 1000 + 1)
            scan = table.scan(row_filter=f"ts <= '{limit.isoformat()}'")
        tasks = list(scan.plan_files())
        if not tasks:
            return
        paths = [urlparse(task.file.file_path) for task in tasks]
        if all(p.scheme in ("", "file") for p in paths) and not any(
            task.delete_files for task in tasks
        ):
            files = ", ".join(_quote(unquote(p.path)) for p in paths)
            source = f"read_parquet([{files}], union_by_name = true)"
        else:
            cur.register(f"lake_{name}", scan.to_arrow())
            source = f"lake_{name}"
        hot = f'"{database.replace(chr(34), chr(34) * 2)}".main.{name}'
        cur.execute(sql(f"tier_{name}").format(hot=hot, lake=source, before=before)).fetchall()
