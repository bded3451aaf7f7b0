"""The lake's data files as the two-tier reader plans them, cached.

Planning a scan with pyiceberg reads the table's metadata file and every
manifest; done for each reader, it dominated a lineage lookup over the lake.
:class:`FilePlans` instead keeps, per table, the table as of its current
metadata file (one catalog query per reader tells whether it changed), the
live data files of each manifest by the manifest's path (manifests are
immutable, so after an export's commit only the manifest it added is read),
and those files by SKU bucket.  A scan's files are chosen from the cache by
the same partition and column-metrics evaluators pyiceberg plans with
(``ManifestGroupPlanner``); given a SKU, only the files of its bucket (and
of no bucket) are evaluated.  The last plans of each snapshot are kept, so
readers asking the same question (the unscoped views, a SKU asked again)
plan nothing.

A table whose current snapshot has delete manifests (a restatement written
merge-on-read by another engine) is planned by pyiceberg every time, with
its deletes, and read into Arrow by the caller."""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pyiceberg.catalog import Catalog
from pyiceberg.catalog.sql import IcebergTables, SqlCatalog
from pyiceberg.expressions import BooleanExpression
from pyiceberg.manifest import DataFile, DataFileContent, ManifestContent, ManifestFile
from pyiceberg.table import ManifestGroupPlanner, Table
from pyiceberg.transforms import BucketTransform
from pyiceberg.types import StringType
from sqlalchemy import select
from sqlalchemy.orm import Session

__all__ = ["FilePlans", "Planned"]

_PLANS_KEPT = 256  # per table: the unscoped views, and the SKUs asked lately


@dataclass(frozen=True, slots=True)
class Planned:
    """The files of one scan: plain data files (read them directly), or,
    when ``deletes`` is true, only readable through pyiceberg (``table``)."""

    table: Table
    files: list[DataFile]
    deletes: bool = False


@dataclass(slots=True)
class _Snapshot:
    """One table snapshot's data files, by SKU bucket, and its plans."""

    snapshot_id: int
    manifests: dict[str, list[DataFile]]
    #: (spec id, SKU bucket or None) -> files; specs without a SKU bucket: key (spec id, "all")
    by_bucket: dict[tuple[int, object], list[DataFile]]
    plans: OrderedDict[str, list[DataFile]] = field(default_factory=OrderedDict)


def _sku_buckets(table: Table) -> dict[int, tuple[int, BucketTransform[Any]] | None]:
    """Per partition spec: the position and transform of its ``sku`` bucket field."""
    if "sku" not in table.schema().column_names:
        return dict.fromkeys(table.specs())
    sku = table.schema().find_field("sku").field_id
    found: dict[int, tuple[int, BucketTransform[Any]] | None] = {}
    for spec_id, spec in table.specs().items():
        found[spec_id] = next(
            (
                (pos, f.transform)
                for pos, f in enumerate(spec.fields)
                if f.source_id == sku and isinstance(f.transform, BucketTransform)
            ),
            None,
        )
    return found


class FilePlans:
    """Tables and their manifests' data files, cached (see the module docstring)."""

    def __init__(self, catalog: Catalog, namespace: str) -> None:
        self.catalog = catalog
        self.namespace = namespace
        self._lock = threading.Lock()
        self._tables: dict[str, tuple[str, Table]] = {}
        self._snapshots: dict[str, _Snapshot] = {}

    def _locations(self) -> dict[str, str] | None:
        """Each table's current metadata file, by one catalog query (None:
        not a SQL catalog, load the tables every time)."""
        if not isinstance(self.catalog, SqlCatalog):
            return None
        query = select(IcebergTables.table_name, IcebergTables.metadata_location).where(
            IcebergTables.catalog_name == self.catalog.name,
            IcebergTables.table_namespace == self.namespace,
        )
        with Session(self.catalog.engine) as session:
            return {name: location for name, location in session.execute(query) if location}

    def tables(self, names: tuple[str, ...]) -> dict[str, Table]:
        """The current version of each of ``names`` (a table not in the catalog is left out)."""
        locations = self._locations()
        found: dict[str, Table] = {}
        for name in names:
            location = None if locations is None else locations.get(name)
            if locations is not None and location is None:
                continue
            with self._lock:
                cached = self._tables.get(name)
            if cached is not None and location is not None and cached[0] == location:
                found[name] = cached[1]
                continue
            table = self.catalog.load_table(f"{self.namespace}.{name}")
            with self._lock:
                self._tables[name] = (table.metadata_location, table)
            found[name] = table
        return found

    def plan(
        self, name: str, table: Table, row_filter: BooleanExpression, *, sku: str | None = None
    ) -> Planned | None:
        """The data files of ``table`` (called ``name``) that may hold rows
        matching ``row_filter``; None when the table has no snapshot.
        ``sku``: every matching row has that SKU or none (only the files of
        its bucket and of no bucket are evaluated)."""
        snapshot = table.current_snapshot()
        if snapshot is None:
            return None
        manifests = snapshot.manifests(table.io)
        if any(m.content != ManifestContent.DATA for m in manifests):
            tasks = table.scan(row_filter=row_filter).plan_files()
            return Planned(table, [t.file for t in tasks], deletes=True)
        with self._lock:
            state = self._snapshots.get(name)
        if state is None or state.snapshot_id != snapshot.snapshot_id:
            state = self._index(table, snapshot.snapshot_id, manifests, state)
            with self._lock:
                self._snapshots[name] = state
        key = repr(row_filter)
        with self._lock:
            chosen = state.plans.get(key)
            if chosen is not None:
                state.plans.move_to_end(key)
                return Planned(table, chosen)
        chosen = self._choose(table, state, row_filter, sku)
        with self._lock:
            state.plans[key] = chosen
            while len(state.plans) > _PLANS_KEPT:
                state.plans.popitem(last=False)
        return Planned(table, chosen)

    @staticmethod
    def _index(
        table: Table, snapshot_id: int, manifests: list[ManifestFile], known: _Snapshot | None
    ) -> _Snapshot:
        """The data files of a snapshot, reading only manifests not seen before."""
        seen = {} if known is None else known.manifests
        entries: dict[str, list[DataFile]] = {}
        for manifest in manifests:
            files = seen.get(manifest.manifest_path)
            if files is None:
                files = [
                    entry.data_file
                    for entry in manifest.fetch_manifest_entry(table.io, discard_deleted=True)
                    if entry.data_file.content == DataFileContent.DATA
                ]
            entries[manifest.manifest_path] = files
        buckets = _sku_buckets(table)
        by_bucket: dict[tuple[int, object], list[DataFile]] = defaultdict(list)
        for files in entries.values():
            for data_file in files:
                found = buckets.get(data_file.spec_id)
                value = "all" if found is None else data_file.partition[found[0]]
                by_bucket[(data_file.spec_id, value)].append(data_file)
        return _Snapshot(snapshot_id, entries, dict(by_bucket))

    @staticmethod
    def _choose(
        table: Table, state: _Snapshot, row_filter: BooleanExpression, sku: str | None
    ) -> list[DataFile]:
        if sku is None:
            candidates = [f for files in state.by_bucket.values() for f in files]
        else:
            buckets = _sku_buckets(table)
            candidates = []
            for (spec_id, value), files in state.by_bucket.items():
                found = buckets.get(spec_id)
                if found is None or value is None or value == _bucket(found[1], sku):
                    candidates.extend(files)
        planner = ManifestGroupPlanner(table.metadata, table.io, row_filter)
        metrics = planner._build_metrics_evaluator()
        by_spec: dict[int, Callable[[DataFile], bool]] = {}
        chosen: list[DataFile] = []
        for data_file in candidates:
            spec_id = data_file.spec_id
            if spec_id not in by_spec:
                by_spec[spec_id] = planner._build_partition_evaluator(spec_id)
            if by_spec[spec_id](data_file) and metrics(data_file):
                chosen.append(data_file)
        return chosen


def _bucket(transform: BucketTransform[Any], sku: str) -> int | None:
    value: int | None = transform.transform(StringType())(sku)
    return value
