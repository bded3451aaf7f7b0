"""Finished months of a lake table rewritten as one file per (month, SKU bucket).

Export and the daily compaction write one file per (day, SKU bucket); a
SKU's history over months then reads one file per day, and a reader's time
goes per file (``bench/README.md``, "Lake, SKU lineage").  Once a month is
over, :func:`compact_month` rewrites its rows as files partitioned by
``month(ts)`` and the table's other fields (a second partition spec, made
once), sorted by ``(sku, ts)`` in row groups of :data:`MONTH_ROW_GROUP`
rows, so that row-group statistics skip the other SKUs of a file; it reads
one SKU bucket's files at a time (memory: a bucket's month) and replaces
the month's files in one commit.  The
table's default spec stays the day spec (export writes days): pyiceberg
commits added files under the default spec only, so the one transaction
makes the month spec the default, replaces the month's files, and makes
the day spec the default again.  Rows that arrive later for a rewritten
month land in day files, and the next pass rewrites that month again."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime

from pyiceberg.io.pyarrow import ArrowScan
from pyiceberg.manifest import DataFile
from pyiceberg.partitioning import PartitionSpec
from pyiceberg.table import FileScanTask, Table
from pyiceberg.table.update import SetDefaultSpecUpdate
from pyiceberg.transforms import BucketTransform, DayTransform, MonthTransform

from collector.lake.marks import carried
from collector.lake.tables import SORTED_BY
from collector.lake.writer import write_files

__all__ = ["MONTH_ROW_GROUP", "compact_month", "compact_months"]

log = logging.getLogger(__name__)

#: rows per row group in a month's files (a month of a bucket holds many SKUs)
MONTH_ROW_GROUP = 8192
_MONTH_FIELD = "ts_month"


def _day_field(spec: PartitionSpec) -> str | None:
    return next((f.name for f in spec.fields if isinstance(f.transform, DayTransform)), None)


def _month_start(month: int) -> datetime:
    """The first instant of ``month`` (months since 1970-01)."""
    return datetime(1970 + month // 12, month % 12 + 1, 1, tzinfo=UTC)


def _day_months(table: Table) -> set[int]:
    """The months that have files of the day spec (the default spec)."""
    spec = table.spec()
    field = _day_field(spec)
    if field is None:
        return set()
    at = [f.name for f in spec.fields].index(field)
    months: set[int] = set()
    for task in table.scan().plan_files():
        if task.file.spec_id == spec.spec_id:
            day = _month_start(0).toordinal() + int(task.file.partition[at])
            moment = datetime.fromordinal(day)
            months.add((moment.year - 1970) * 12 + moment.month - 1)
    return months


def _bucket_of(table: Table) -> Callable[[FileScanTask], object]:
    """A data file's SKU bucket (its spec's bucket field on ``sku``; None)."""
    sku = (
        table.schema().find_field("sku").field_id if "sku" in table.schema().column_names else None
    )
    at: dict[int, int | None] = {}
    for spec_id, spec in table.specs().items():
        fields = [i for i, f in enumerate(spec.fields) if f.source_id == sku]
        at[spec_id] = next(
            (i for i in fields if isinstance(spec.fields[i].transform, BucketTransform)), None
        )

    def bucket(task: FileScanTask) -> object:
        position = at.get(task.file.spec_id)
        return None if position is None else task.file.partition[position]

    return bucket


def compact_month(table: Table, month: int) -> int:
    """Rewrite ``month``'s rows of ``table`` (partitioned by day) as files
    partitioned by month, one SKU bucket at a time (memory: a bucket's
    month); returns the number of files written."""
    day_spec = table.spec()
    day_field = _day_field(day_spec)
    if day_field is None:
        return 0
    start, end = _month_start(month), _month_start(month + 1)
    within = f"ts >= '{start.isoformat()}' AND ts < '{end.isoformat()}'"
    scan = table.scan(row_filter=within)
    tasks = list(scan.plan_files())
    if not tasks:
        return 0
    bucket = _bucket_of(table)
    by_bucket: dict[object, list[FileScanTask]] = defaultdict(list)
    for task in tasks:
        by_bucket[bucket(task)].append(task)
    name = table.name()[-1]
    reader = ArrowScan(table.metadata, table.io, table.schema(), scan.row_filter)
    with table.transaction() as txn:
        with txn.update_spec() as update:
            update.remove_field(day_field)
            update.add_field("ts", MonthTransform(), _MONTH_FIELD)
        month_spec = txn.table_metadata.spec()
        written: list[DataFile] = []
        for group in by_bucket.values():
            rows = reader.to_table(group)
            if "sku" in rows.column_names:  # the sort order (tables.SORTED_BY)
                rows = rows.sort_by([(column, "ascending") for column in SORTED_BY])
            written += write_files(table, name, rows, spec=month_spec, row_group=MONTH_ROW_GROUP)
        with txn.update_snapshot(snapshot_properties=carried(table)).overwrite() as overwrite:
            for task in tasks:
                overwrite.delete_data_file(task.file)
            for data_file in written:
                overwrite.append_data_file(data_file)
        # export writes days: the day spec is the default again, in the same commit
        txn._apply((SetDefaultSpecUpdate(spec_id=day_spec.spec_id),))
    return len(written)


def compact_months(table: Table, *, before_month: int) -> int:
    """Rewrite every month before ``before_month`` that still has day files;
    returns the number of months rewritten."""
    done = 0
    for month in sorted(m for m in _day_months(table) if m < before_month):
        written = compact_month(table, month)
        log.info(
            "lake: %s month %s as %d file(s)", table.name(), _month_start(month).date(), written
        )
        done += 1
    return done
