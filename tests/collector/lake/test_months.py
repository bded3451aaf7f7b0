"""Finished months rewritten as one file per (month, SKU bucket): the same
rows, far fewer files, the day spec still the default (export writes days),
late rows of a rewritten month rewritten again, the export marks kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pyiceberg.table import Table

from collector.lake import TABLES, LakeConfig, ensure_tables, open_catalog
from collector.lake.export import conform
from collector.lake.maintenance import maintain
from collector.lake.marks import WATERMARK, watermark
from collector.lake.months import MONTH_ROW_GROUP, compact_month
from collector.lake.writer import append_rows

EVENTS = next(t for t in TABLES if t.name == "events")
OCTOBER = (2026 - 1970) * 12 + 9
START = datetime(2026, 10, 20, tzinfo=UTC)


def _rows(first: int, n: int, start: datetime) -> pa.Table:
    """``n`` events from ``start``, one an hour, over 40 SKUs."""
    times = [start + timedelta(hours=i) for i in range(n)]
    row = {name: [None] * n for name in EVENTS.schema.names if name != "ts"}
    row |= {
        "source": ["wms"] * n,
        "id": [f"e{first + i}" for i in range(n)],
        "sku": [f"S-{(first + i) % 40:02d}" for i in range(n)],
        "time_ns": [int(t.timestamp()) * 10**9 for t in times],
    }
    return conform(pa.table(row), EVENTS).sort_by([("sku", "ascending"), ("ts", "ascending")])


def _all(table: Table) -> list[tuple[str, str]]:
    rows = table.scan().to_arrow()
    return sorted(zip(rows.column("id").to_pylist(), rows.column("sku").to_pylist(), strict=True))


def _files(table: Table) -> list[tuple[int, str]]:
    return [(t.file.spec_id, t.file.file_path) for t in table.scan().plan_files()]


def test_a_finished_month_is_rewritten_as_one_file_per_bucket_with_the_same_rows(
    tmp_path: Path,
) -> None:
    lake = ensure_tables(
        open_catalog(LakeConfig(f"sqlite:///{tmp_path / 'c.sqlite'}", str(tmp_path / "wh")))
    )
    table = lake.table("events")
    for k in range(4):  # 4 commits of 150 rows: 20 Oct - 13 Nov
        append_rows(
            table,
            "events",
            _rows(150 * k, 150, START + timedelta(hours=150 * k)),
            {WATERMARK: str(k + 1)},
        )
    table = lake.table("events")
    before, day_spec = _all(table), table.spec().spec_id
    day_files = len(_files(table))

    written = compact_month(table, OCTOBER)
    table = lake.table("events")
    assert _all(table) == before
    assert table.spec().spec_id == day_spec, "export still writes days"
    month_files = [p for spec, p in _files(table) if spec != day_spec]
    assert 0 < written == len(month_files) <= 16  # one per SKU bucket
    assert len(_files(table)) < day_files
    assert watermark(table) == 4
    for path in month_files:  # sorted by SKU, in small row groups
        parquet = pq.ParquetFile(path.removeprefix("file://"))
        assert parquet.metadata.row_group(0).num_rows <= MONTH_ROW_GROUP
        skus = parquet.read(columns=["sku"]).column("sku").to_pylist()
        assert skus == sorted(skus)
    november = [p for spec, p in _files(table) if spec == day_spec]
    assert november and all("ts_day=2026-11" in p for p in november)

    # a late row of October lands in a day file; the next pass rewrites October again
    append_rows(table, "events", _rows(10_000, 1, START), {WATERMARK: "5"})
    table = lake.table("events")
    specs = len(table.specs())
    done = maintain(lake, now_ns=int(datetime(2026, 11, 20, tzinfo=UTC).timestamp()) * 10**9)
    table = lake.table("events")
    assert done.compacted_months["events"] == 1
    assert ("e10000", "S-00") in _all(table) and len(_all(table)) == len(before) + 1
    assert not [p for spec, p in _files(table) if spec == day_spec and "2026-10" in p]
    assert len(table.specs()) == specs, "the month spec is made once"
    assert watermark(table) == 5
