"""The lake's tables: Arrow schemas, partitioning by day and SKU bucket,
sort order, creation and schema evolution (new columns are added through
Iceberg, never by rewriting data).

Tables bucketed by SKU are sorted by ``(sku, ts)`` (the Iceberg sort order,
and the order export and compaction write in), so that a SKU's rows are a
few Parquet row groups whose statistics let a reader skip the others.  A
lake made before the sort order gains it on open: files written from then
on are sorted; older files stay as they are (still read, only without the
row-group pruning) until compaction rewrites their day.  The Parquet
properties synclens manages (:data:`PROPERTIES`) are set on open too, and
likewise apply to files written from then on."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

import pyarrow as pa
from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import NamespaceAlreadyExistsError, NoSuchTableError
from pyiceberg.table import Table
from pyiceberg.transforms import BucketTransform, DayTransform, IdentityTransform

__all__ = ["PROPERTIES", "SORTED_BY", "TABLES", "TS", "LakeTable", "LakeTables", "ensure_tables"]

log = logging.getLogger(__name__)

TS = pa.timestamp("us", tz="UTC")
_TYPES = {"s": pa.string(), "l": pa.int64(), "i": pa.int32(), "b": pa.bool_(), "d": pa.float64()}


def _schema(spec: str) -> pa.Schema:
    """``"name:t name:t …"`` (t: s string, l int64, i int32, b bool, d double)
    plus ``ts``, the partition time.  Every column is optional, so a column
    added later is null in older files."""
    fields = [pa.field(name, _TYPES[kind]) for name, kind in (p.split(":") for p in spec.split())]
    return pa.schema([*fields, pa.field("ts", TS)])


@dataclass(frozen=True, slots=True)
class LakeTable:
    """One table: its Arrow schema, the nanosecond column ``ts`` is derived
    from, and whether it is bucketed by ``sku``."""

    name: str
    schema: pa.Schema
    time_column: str
    by_sku: bool = True


TABLES: tuple[LakeTable, ...] = (
    LakeTable(
        "events",
        _schema(
            "source:s id:s system:s instance:s type:s time_ns:l sku:s location:s to_location:s "
            "quantity:d stock_status:s uom:s order_id:s channel:s sequence:l lot:s serial:s "
            "reason:s trace_id:s parent_span_id:s data:s extensions:s received_ns:l seq:l"
        ),
        "time_ns",
    ),
    LakeTable(
        "spans",
        _schema(
            "trace_id:s span_id:s parent_span_id:s name:s kind:i start_ns:l end_ns:l "
            "status_code:i status_message:s service_name:s scope_name:s event_id:s "
            "event_source:s sku:s location:s order_id:s target:s attempt:l replay:b "
            "dead_lettered:b duplicate:b error_type:s http_status:l attributes:s resource:s "
            "links:s span_events:s received_ns:l seq:l scope_version:s scope_attributes:s"
        ),
        "start_ns",
    ),
    LakeTable(
        "pair_facts",
        _schema(
            "source:s id:s target:s type:s system:s time_ns:l sku:s location:s warehouse:s "
            "channel:s order_id:s deadline_ns:l objective_ns:l attempts:i failed:i replays:i "
            "applied_ns:l first_pass:b dead_lettered:b applies:i"
        ),
        "time_ns",
    ),
    # per-minute rollups (metrics/facts/rollups.py), by the minute's start
    LakeTable(
        "pair_minutes",
        _schema(
            "minute_ns:l target:s warehouse:s channel:s type:s deadline_ns:l objective_ns:l "
            "pairs:l applied:l latency_good:l first_pass_total:l first_pass_good:l "
            "not_applied:l dead_lettered:l double_applies:l"
        ),
        "minute_ns",
        by_sku=False,
    ),
    LakeTable(
        "latency_minutes",
        _schema("minute_ns:l target:s warehouse:s channel:s type:s deadline_ns:l bucket:i n:l"),
        "minute_ns",
        by_sku=False,
    ),
    LakeTable(
        "attempt_minutes",
        _schema("minute_ns:l target:s warehouse:s channel:s type:s attempts:l failed:l replays:l"),
        "minute_ns",
        by_sku=False,
    ),
    LakeTable(
        "snapshots",
        _schema(
            "snapshot_id:l system:s instance:s channel:s taken_ns:l received_ns:l "
            "row_count:l format:s"
        ),
        "taken_ns",
        by_sku=False,
    ),
    LakeTable(
        "snapshot_rows",
        _schema(
            "snapshot_id:l system:s instance:s channel:s taken_ns:l sku:s location:s "
            "stock_status:s quantity:d"
        ),
        "taken_ns",
    ),
    LakeTable(
        "reconciliation_runs",
        _schema(
            "run_id:l now_ns:l trigger:s duration_s:d snapshots:s compared:l matched:l "
            "transient:l mismatched:l"
        ),
        "now_ns",
        by_sku=False,
    ),
    LakeTable(
        "reconciliation_results",
        _schema(
            "run_id:l run_ns:l system:s instance:s channel:s owner:s sku:s location:s "
            "stock_status:s warehouse:s item_class:s quantity:d owner_quantity:d raw:d "
            "corrected:d tolerance:d result:s"
        ),
        "run_ns",
    ),
)

#: the table properties synclens sets (on creation, and on open when they differ)
PROPERTIES = {
    "write.parquet.compression-codec": "zstd",
    "write.target-file-size-bytes": str(256 * 1024 * 1024),
    # row groups small enough that a SKU's rows skip most of a day's file
    "write.parquet.row-group-limit": str(64 * 1024),
}
#: the sort order of the tables bucketed by SKU (export and compaction write in it)
SORTED_BY = ("sku", "ts")


@dataclass(frozen=True, slots=True)
class LakeTables:
    """The open catalog's tables by name, with their definitions."""

    catalog: Catalog
    namespace: str
    tables: dict[str, Table]

    def table(self, name: str) -> Table:
        found = self.tables[name]
        found.refresh()
        return found


def ensure_tables(
    catalog: Catalog,
    namespace: str = "synclens",
    *,
    sku_buckets: int = 16,
    tables: tuple[LakeTable, ...] = TABLES,
) -> LakeTables:
    """Create the namespace and every missing table; add the columns a table
    lacks (schema evolution in the catalog: older files read them as null)."""
    with contextlib.suppress(NamespaceAlreadyExistsError):
        catalog.create_namespace(namespace)
    opened: dict[str, Table] = {}
    for spec in tables:
        identifier = f"{namespace}.{spec.name}"
        try:
            table = catalog.load_table(identifier)
        except NoSuchTableError:
            table = _create(catalog, identifier, spec, sku_buckets)
        missing = [f.name for f in spec.schema if f.name not in table.schema().column_names]
        if missing:
            with table.update_schema() as update:
                update.union_by_name(spec.schema)
            log.info("lake: %s gained column(s) %s", identifier, ", ".join(missing))
        _upgrade(table, spec)
        opened[spec.name] = table
    return LakeTables(catalog, namespace, opened)


def _upgrade(table: Table, spec: LakeTable) -> None:
    """Bring a table made by an older synclens to today's properties and
    sort order (both apply to the files written from now on)."""
    changed = {k: v for k, v in PROPERTIES.items() if table.properties.get(k) != v}
    if changed:
        with table.transaction() as txn:
            txn.set_properties(changed)
        log.info("lake: %s properties set: %s", table.name(), changed)
    if spec.by_sku and table.sort_order().is_unsorted:
        with table.update_sort_order() as order:
            for column in SORTED_BY:
                order.asc(column, IdentityTransform())
        log.info("lake: %s sorted by %s from now on", table.name(), ", ".join(SORTED_BY))


def _create(catalog: Catalog, identifier: str, spec: LakeTable, sku_buckets: int) -> Table:
    properties = {"format-version": "2", **PROPERTIES}
    with catalog.create_table_transaction(
        identifier, schema=spec.schema, properties=properties
    ) as txn:
        with txn.update_spec() as update:
            update.add_field("ts", DayTransform(), "ts_day")
            if spec.by_sku:
                update.add_field("sku", BucketTransform(sku_buckets), "sku_bucket")
        if spec.by_sku:
            with txn.update_sort_order() as order:
                for column in SORTED_BY:
                    order.asc(column, IdentityTransform())
    log.info("lake: created %s", identifier)
    return catalog.load_table(identifier)
