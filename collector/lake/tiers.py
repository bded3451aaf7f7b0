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

A :class:`Scope` narrows the lake side to the rows one question can need:
:meth:`TwoTier.for_sku` gives a reader whose views hold a SKU's lake rows
only (events of the SKU; spans of the SKU or of none, found through their
event), so a SKU's lineage reads the files of its bucket, not the whole
lake.  Questions that need more (which events exist anywhere) ask an
unscoped reader (``collector.lineage``'s ``everywhere``).

The lake's files are chosen by :class:`~collector.lake.plans.FilePlans`
(pyiceberg's partition and metrics evaluators over manifests cached per
snapshot) and read by DuckDB's ``read_parquet`` when they are local and
have no delete files; otherwise pyiceberg reads them (S3, deletes) into
Arrow.  DuckDB keeps the Parquet footers it read (``parquet_metadata_cache``),
so a reader binds its views without opening every file again.  A lake that
cannot be read (catalog or warehouse down) is logged as a warning and the
answer covers the hot rows only, rather than failing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

import duckdb
from pyiceberg.expressions import (
    AlwaysTrue,
    And,
    BooleanExpression,
    EqualTo,
    IsNull,
    LessThanOrEqual,
    Or,
)
from sqlalchemy.exc import SQLAlchemyError

from collector.lake.plans import FilePlans, Planned
from collector.queries import named
from collector.queries import sql as collector_sql

if TYPE_CHECKING:
    from collector.lake.service import LakeService

__all__ = ["TIERED", "Scope", "TwoTier"]

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


@dataclass(frozen=True, slots=True)
class Scope:
    """The lake rows a question can need, per tiered table (a table not
    named: all of its rows).  A superset is always right: the queries on
    the cursor still filter; the scope only spares reading other files."""

    filters: Mapping[str, BooleanExpression] = field(default_factory=dict)
    #: every row the filters keep has this SKU or none (plans read its bucket only)
    sku: str | None = None

    @classmethod
    def for_sku(cls, sku: str) -> Scope:
        """A SKU's lineage: its events and pair facts, and the spans that
        name it or name no SKU (attempts found through their event)."""
        one = EqualTo(term="sku", value=sku)
        filters = {"events": one, "spans": Or(one, IsNull(term="sku")), "pair_facts": one}
        return cls(filters, sku)


class TwoTier:
    """Readers over the hot store and the lake of ``lake`` together."""

    def __init__(self, lake: LakeService) -> None:
        self.lake = lake
        self._plans: FilePlans | None = None
        self._footers_kept = False

    @property
    def plans(self) -> FilePlans:
        if self._plans is None:
            tables = self.lake.tables
            self._plans = FilePlans(tables.catalog, tables.namespace)
        return self._plans

    def for_sku(self, sku: str) -> Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]:
        """A reader (``collector.queries.Reader``) scoped to ``sku``'s rows."""
        scope = Scope.for_sku(sku)
        return lambda: self.reader(scope)

    @contextmanager
    def reader(self, scope: Scope | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A reader cursor (``Store.reader``) whose ``events``, ``spans`` and
        ``pair_facts`` hold both tiers (see the module docstring), the lake
        side narrowed to ``scope``."""
        scope = scope or Scope()
        with self.lake.store.reader() as cur:
            horizons = dict(cur.execute(collector_sql("hot_horizon")).fetchall())
            horizons |= dict.fromkeys(_BY_COUNT, _NEVER)
            names = tuple(name for name in (*TIERED, *_BY_COUNT) if name in horizons)
            # fetchall: a result left unfinished blocks the cursor's next call
            database = str(cur.execute("SELECT current_database()").fetchall()[0][0])
            if not self._footers_kept:  # a setting of the database: once
                cur.execute("SET parquet_metadata_cache = true").fetchall()
                self._footers_kept = True
            try:
                tables = self.plans.tables(names)
            except (OSError, ValueError, SQLAlchemyError) as exc:
                log.warning("lake: not readable, hot rows only: %s", exc)
                tables = {}
            for name, table in tables.items():
                before = int(horizons[name])
                try:
                    narrowed = scope.filters.get(name)
                    row_filter = _before(before, AlwaysTrue() if narrowed is None else narrowed)
                    sku = scope.sku if narrowed is not None else None
                    planned = self.plans.plan(name, table, row_filter, sku=sku)
                    if planned is not None and planned.files:
                        self._attach(cur, database, name, before, planned, row_filter)
                except (OSError, ValueError, SQLAlchemyError, duckdb.IOException) as exc:
                    # the lake unreachable: answer from the hot store, say so
                    log.warning("lake: %s not readable, hot rows only: %s", name, exc)
            yield cur

    def _attach(
        self,
        cur: duckdb.DuckDBPyConnection,
        database: str,
        name: str,
        before: int,
        planned: Planned,
        row_filter: BooleanExpression,
    ) -> None:
        """Shadow ``name`` on ``cur`` by the view of both tiers."""
        paths = [urlparse(f.file_path) for f in planned.files]
        if not planned.deletes and all(p.scheme in ("", "file") for p in paths):
            files = ", ".join(_quote(unquote(p.path)) for p in paths)
            source = f"read_parquet([{files}], union_by_name = true)"
        else:
            cur.register(f"lake_{name}", planned.table.scan(row_filter=row_filter).to_arrow())
            source = f"lake_{name}"
        hot = f'"{database.replace(chr(34), chr(34) * 2)}".main.{name}'
        cur.execute(sql(f"tier_{name}").format(hot=hot, lake=source, before=before)).fetchall()


def _before(before: int, scope: BooleanExpression) -> BooleanExpression:
    """``scope`` and, unless ``before`` is never, ``ts`` up to ``before``
    (ts is the row's time in microseconds, a span's start: a superset)."""
    if before == _NEVER:
        return scope
    limit = _EPOCH + timedelta(microseconds=before // 1000 + 1)
    return And(LessThanOrEqual(term="ts", value=limit.isoformat()), scope)
