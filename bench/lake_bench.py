"""Lake figures: ``python -m bench.lake_bench [--events N] [--spans N] [--queries N]``.

Builds (or reuses) the generated store of :mod:`bench.dataset`, exports it
to a fresh lake (SQLite catalog, local warehouse: the defaults) with
:func:`collector.lake.export_all`, and measures

- the export rate, rows per second (events and spans; target: keep up with
  100,000 spans/s of ingest);
- bytes per event and per span in the lake (data files / rows; aim < 60 per span);
- SKU lineage over the lake: a random SKU's events and attempts, each a
  pyiceberg scan filtered by SKU (the bucket partition and Parquet
  statistics prune files), p50/p95 (target p95 < 100 ms);
- 28-day SLI counts: DuckDB over the Parquet files pyiceberg plans for the
  window, attempts by target and outcome (target < 200 ms).
"""

from __future__ import annotations

import argparse
import contextlib
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from bench.dataset import DAY_NS, T_END, build_store, dataset_sql
from bench.report import Table, machine, summary_ms, write_result
from collector.lake import LakeConfig, ensure_tables, export_all, open_catalog
from collector.lake.tables import LakeTables

__all__ = ["main", "run_lake"]

_REPO = Path(__file__).resolve().parent.parent


def _bytes_per_row(lake: LakeTables, name: str) -> tuple[int, int, float]:
    files = list(lake.table(name).scan().plan_files())
    size = sum(task.file.file_size_in_bytes for task in files)
    rows = sum(task.file.record_count for task in files)
    return size, rows, size / max(rows, 1)


def _lineage(lake: LakeTables, sku: str) -> int:
    condition = f"sku == '{sku}'"
    events = lake.tables["events"].scan(row_filter=condition).to_arrow()
    spans = lake.tables["spans"].scan(row_filter=condition).to_arrow()
    return events.num_rows + spans.num_rows


def _sli_28d(lake: LakeTables, con: duckdb.DuckDBPyConnection) -> list[Any]:
    start = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime((T_END - 28 * DAY_NS) // 10**9))
    tasks = lake.tables["spans"].scan(row_filter=f"ts >= '{start}'").plan_files()
    files = [task.file.file_path.removeprefix("file://") for task in tasks]
    return con.execute(dataset_sql("lake_sli_28d"), {"files": files}).fetchall()


def run_lake(
    events: int, spans: int, queries: int, results_dir: Path, chunk_rows: int | None = None
) -> dict[str, Any]:
    """``chunk_rows``: rows per Iceberg commit; by default a day's rows (the
    generated traffic spans 28 days), as a running export commits recent
    rows, not 28 days at once."""
    chunk = chunk_rows or max(1, (events + spans) // 28 // 2)
    started_on = machine()
    store, built = build_store(results_dir / "cache", events, spans)
    work = Path(tempfile.mkdtemp(prefix="synclens-lake-bench-"))
    try:
        config = LakeConfig(f"sqlite:///{work / 'catalog.sqlite'}", str(work / "warehouse"))
        lake = ensure_tables(open_catalog(config))
        hot = duckdb.connect(str(store), read_only=True)
        t0 = time.perf_counter()
        exported = export_all(
            lambda: contextlib.nullcontext(hot),
            lake,
            now_ns=T_END,
            settle_ns=DAY_NS,
            max_rows=chunk,
        )
        export_s = time.perf_counter() - t0
        rows = {e.table: e.rows for e in exported}
        skus = [r[0] for r in hot.execute("SELECT DISTINCT sku FROM events").fetchall()]
        hot.close()
        sizes = {name: _bytes_per_row(lake, name) for name in ("events", "spans")}
        rnd = random.Random(16)
        picked = [rnd.choice(skus) for _ in range(queries)]
        for sku in picked[:3]:
            _lineage(lake, sku)  # warm: metadata cached as in a running reader
        times = []
        for sku in picked:
            t = time.perf_counter()
            _lineage(lake, sku)
            times.append(time.perf_counter() - t)
        con = duckdb.connect()
        sli_times = []
        for _ in range(5):
            t = time.perf_counter()
            _sli_28d(lake, con)
            sli_times.append(time.perf_counter() - t)
        result = {
            "machine": started_on,
            "events": events,
            "spans": spans,
            "store_build_s": built,
            "export_s": round(export_s, 2),
            "export_max_rows": chunk,
            "export_commits": {e.table: e.commits for e in exported},
            "export_rows": rows,
            "export_rows_per_s": round((rows["events"] + rows["spans"]) / export_s),
            "bytes_per_event": round(sizes["events"][2], 1),
            "bytes_per_span": round(sizes["spans"][2], 1),
            "data_files": {"events": sizes["events"][0], "spans": sizes["spans"][0]},
            "sku_lineage": summary_ms(times),
            "sli_28d": summary_ms(sli_times),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table = Table("lake", ["figure", "value"])
    table.add("export rows/s (events + spans)", result["export_rows_per_s"])
    table.add("bytes per event / span", f"{result['bytes_per_event']} / {result['bytes_per_span']}")
    table.add("SKU lineage p50 / p95 ms", f"{times and result['sku_lineage']['p50_ms']} / "
              f"{result['sku_lineage'].get('p95_ms')}")  # fmt: skip
    table.add("28 d SLI counts p50 ms", result["sli_28d"].get("p50_ms"))
    table.print()
    write_result(results_dir, "lake", result)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.lake_bench", description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--spans", type=int, default=3_000_000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--chunk-rows", type=int, help="rows per commit (default: a day's)")
    parser.add_argument("--results-dir", type=Path, default=_REPO / "bench" / "results")
    args = parser.parse_args(argv)
    run_lake(args.events, args.spans, args.queries, args.results_dir, args.chunk_rows)


if __name__ == "__main__":
    main()
