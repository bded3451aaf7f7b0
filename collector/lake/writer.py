"""Appending rows to a lake table: one Iceberg commit, one Parquet file per
partition, written with encodings chosen per column.

pyiceberg's ``Table.append`` filters the whole chunk once per partition and
writes every column with the same Parquet options.  Here the chunk (in the
table's sort order, ``tables.SORTED_BY``) is ordered by partition with one
stable sort, so each partition is a zero-copy slice still in sort order;
integer and timestamp columns (times, sequence numbers: increasing within
a SKU) are written ``DELTA_BINARY_PACKED`` and the columns whose
values rarely repeat (:data:`PLAIN`) without a dictionary; the other
strings keep Parquet's dictionary.  Files are written in parallel on
pyiceberg's executor, described with the same statistics pyiceberg
computes (``data_file_statistics_from_parquet_metadata``), and appended in
one snapshot carrying ``snapshot_properties`` (the export marks)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import IO, Any, cast

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pyiceberg.io.pyarrow import (
    _get_parquet_writer_kwargs,
    compute_statistics_plan,
    data_file_statistics_from_parquet_metadata,
    parquet_path_to_id_mapping,
    schema_to_pyarrow,
)
from pyiceberg.manifest import DataFile, DataFileContent, FileFormat
from pyiceberg.partitioning import PartitionFieldValue, PartitionKey, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.table import Table, TableProperties
from pyiceberg.table.locations import load_location_provider
from pyiceberg.typedef import Record
from pyiceberg.utils.concurrent import ExecutorFactory
from pyiceberg.utils.properties import property_as_int

__all__ = ["PLAIN", "append_rows", "write_files"]

#: per table, the string columns whose values rarely repeat: no dictionary
PLAIN: dict[str, frozenset[str]] = {
    "events": frozenset({"id", "data", "extensions", "parent_span_id"}),
    "spans": frozenset({"span_id", "links", "span_events", "parent_span_id"}),
}


def _partitions(
    spec: PartitionSpec, schema: Schema, rows: pa.Table
) -> Iterator[tuple[PartitionKey, pa.Table]]:
    """``rows`` split by partition of ``spec``: a stable sort on the partition
    values keeps each slice in the rows' own order."""
    if spec.is_unpartitioned():
        yield PartitionKey([], spec, schema), rows
        return
    names = [f"_p{i}" for i in range(len(spec.fields))]
    keys = {}
    for name, part in zip(names, spec.fields, strict=True):
        source = schema.find_field(part.source_id)
        keys[name] = part.transform.pyarrow_transform(source.field_type)(rows.column(source.name))
    keyed = pa.table(keys)
    order = pc.sort_indices(keyed, sort_keys=[(n, "ascending") for n in names])
    rows, keyed = rows.take(order), keyed.take(order)
    keyed = keyed.append_column("_at", pa.array(range(rows.num_rows), pa.int64()))
    groups = keyed.group_by(names, use_threads=False).aggregate([("_at", "min"), ("_at", "count")])
    for group in groups.to_pylist():
        values = [
            PartitionFieldValue(part, group[name])
            for name, part in zip(names, spec.fields, strict=True)
        ]
        yield PartitionKey(values, spec, schema), rows.slice(group["_at_min"], group["_at_count"])


def _writer_options(table: Table, name: str, arrow: pa.Schema) -> dict[str, Any]:
    kwargs = _get_parquet_writer_kwargs(table.properties)
    plain = PLAIN.get(name, frozenset())
    delta = [f.name for f in arrow if pa.types.is_integer(f.type) or pa.types.is_timestamp(f.type)]
    dictionary = [
        f.name
        for f in arrow
        if f.name not in plain and f.name not in delta and not pa.types.is_boolean(f.type)
    ]
    return kwargs | {
        "use_dictionary": dictionary,
        "column_encoding": dict.fromkeys(delta, "DELTA_BINARY_PACKED"),
    }


def append_rows(
    table: Table, name: str, rows: pa.Table, snapshot_properties: dict[str, str]
) -> int:
    """Append ``rows`` (in the table's schema: ``marks.conform``) as one
    commit; returns the number of data files written."""
    files = write_files(table, name, rows)
    with (
        table.transaction() as txn,
        txn.update_snapshot(snapshot_properties=snapshot_properties).fast_append() as append,
    ):
        for data_file in files:
            append.append_data_file(data_file)
    return len(files)


def write_files(
    table: Table,
    name: str,
    rows: pa.Table,
    *,
    spec: PartitionSpec | None = None,
    row_group: int | None = None,
) -> list[DataFile]:
    """Write ``rows`` as one Parquet file per partition of ``spec`` (the
    table's default spec unless given), row groups of ``row_group`` rows
    (the table's property unless given); commits nothing."""
    spec = spec or table.spec()
    schema = table.schema()
    ids = schema_to_pyarrow(schema, include_field_ids=True)
    for f in ids:  # a column the table gained after this version of synclens: null
        if f.name not in rows.column_names:
            rows = rows.append_column(f.name, pa.nulls(rows.num_rows, f.type))
    # the rows' own types (marks.conform), with the table's field ids
    arrow = pa.schema([rows.schema.field(f.name).with_metadata(f.metadata) for f in ids])
    rows = rows.select(arrow.names).cast(arrow)
    options = _writer_options(table, name, arrow)
    if row_group is None:
        row_group = property_as_int(
            table.properties,
            TableProperties.PARQUET_ROW_GROUP_LIMIT,
            TableProperties.PARQUET_ROW_GROUP_LIMIT_DEFAULT,
        )
    locations = load_location_provider(table.location(), table.properties)
    stats_plan = compute_statistics_plan(schema, table.properties)
    id_mapping = parquet_path_to_id_mapping(schema)
    write_uuid = uuid.uuid4()

    def write(task: tuple[int, PartitionKey, pa.Table]) -> DataFile:
        number, key, part = task
        path = locations.new_data_location(f"00000-{number}-{write_uuid}.parquet", key)
        out = table.io.new_output(path)
        with out.create(overwrite=True) as stream:
            writer = pq.ParquetWriter(cast(IO[Any], stream), schema=arrow, **options)
            writer.write_table(part, row_group_size=row_group)
            writer.close()
        statistics = data_file_statistics_from_parquet_metadata(
            parquet_metadata=writer.writer.metadata,
            stats_columns=stats_plan,
            parquet_column_mapping=id_mapping,
        )
        return DataFile.from_args(
            content=DataFileContent.DATA,
            file_path=path,
            file_format=FileFormat.PARQUET,
            partition=key.partition if key.field_values else Record(),
            file_size_in_bytes=len(out),
            sort_order_id=table.sort_order().order_id,
            spec_id=spec.spec_id,
            equality_ids=None,
            key_metadata=None,
            **statistics.to_serialized_dict(),
        )

    parts = _partitions(spec, schema, rows)
    tasks = [(n, key, part) for n, (key, part) in enumerate(parts)]
    return list(ExecutorFactory.get_or_create().map(write, tasks))
