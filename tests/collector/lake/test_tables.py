"""The lake's tables: partitioning, sort order and properties, and schema
evolution through Iceberg."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyarrow as pa
from pyiceberg.transforms import BucketTransform, DayTransform

from collector.lake import TABLES, LakeConfig, ensure_tables, open_catalog
from collector.lake.export import conform
from collector.lake.tables import PROPERTIES, SORTED_BY

EVENTS = next(t for t in TABLES if t.name == "events")


def test_a_new_column_is_added_through_iceberg_and_old_rows_read_null(tmp_path: Path) -> None:
    config = LakeConfig(f"sqlite:///{tmp_path / 'c.sqlite'}", str(tmp_path / "wh"))
    catalog = open_catalog(config)
    older = replace(EVENTS, schema=EVENTS.schema.remove(EVENTS.schema.get_field_index("lot")))
    old = ensure_tables(catalog, tables=(older,)).table("events")
    row = {name: [None] for name in older.schema.names if name != "ts"}
    row |= {"source": ["wms"], "id": ["e1"], "sku": ["S-1"], "time_ns": [1_795_162_502 * 10**9]}
    old.append(conform(pa.table(row), older))
    files = {task.file.file_path for task in old.scan().plan_files()}
    assert [f.name for f in old.spec().fields] == ["ts_day", "sku_bucket"]

    evolved = ensure_tables(catalog, tables=(EVENTS,)).table("events")
    assert "lot" in evolved.schema().column_names
    assert {task.file.file_path for task in evolved.scan().plan_files()} == files, "no rewrite"
    rows = evolved.scan().to_arrow()
    assert rows.column("lot").to_pylist() == [None] and rows.column("id").to_pylist() == ["e1"]
    new = {name: [None] for name in EVENTS.schema.names if name != "ts"}
    new |= {"source": ["wms"], "id": ["e2"], "sku": ["S-1"], "lot": ["L7"], "time_ns": [10**18]}
    evolved.append(conform(pa.table(new), EVENTS))
    assert sorted(evolved.scan().to_arrow().column("lot").to_pylist(), key=str) == ["L7", None]


def test_a_lake_made_before_the_sort_order_gains_it_and_keeps_its_files(tmp_path: Path) -> None:
    config = LakeConfig(f"sqlite:///{tmp_path / 'c.sqlite'}", str(tmp_path / "wh"))
    catalog = open_catalog(config)
    catalog.create_namespace("synclens")
    with (
        catalog.create_table_transaction(
            "synclens.events", schema=EVENTS.schema, properties={"format-version": "2"}
        ) as txn,
        txn.update_spec() as update,
    ):  # as an older synclens made it: unsorted, default Parquet properties
        update.add_field("ts", DayTransform(), "ts_day")
        update.add_field("sku", BucketTransform(16), "sku_bucket")
    old = catalog.load_table("synclens.events")
    row = {name: [None] for name in EVENTS.schema.names if name != "ts"}
    row |= {"source": ["wms"], "id": ["e1"], "sku": ["S-1"], "time_ns": [1_795_162_502 * 10**9]}
    old.append(conform(pa.table(row), EVENTS))
    files = {task.file.file_path for task in old.scan().plan_files()}
    assert old.sort_order().is_unsorted

    opened = ensure_tables(catalog, tables=(EVENTS,)).table("events")
    assert [opened.schema().find_column_name(f.source_id) for f in opened.sort_order().fields] == [
        *SORTED_BY
    ]
    assert all(opened.properties.get(k) == v for k, v in PROPERTIES.items())
    assert {task.file.file_path for task in opened.scan().plan_files()} == files, "no rewrite"
    assert opened.scan().to_arrow().column("id").to_pylist() == ["e1"]
    again = ensure_tables(catalog, tables=(EVENTS,)).table("events")
    assert again.metadata_location == opened.metadata_location, "nothing left to change"
