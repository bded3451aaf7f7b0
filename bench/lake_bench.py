"""Lake figures: ``python -m bench.lake_bench [--events N] [--spans N] [--queries N]``.

Builds (or reuses) the generated store of :mod:`bench.dataset` and measures

- **export as it runs** beside ingest: the store's rows moved into one day
  (``sql/lake_one_day.sql``: an export interval's rows are of one day),
  exported by :func:`collector.lake.export_all` in commits of
  ``--max-rows`` (``lake.export_max_rows``), to a fresh lake with the
  default parts (SQLite catalog, local warehouse): spans per second and
  events + spans per second (target: keep up with 100,000 spans/s of
  ingest), and bytes per span and per event in that lake (aim < 60 per span);
- **a backfill**: the store's 28 days exported the same way to a second
  lake (its rate and bytes per row too), the lake the queries read; its
  months then rewritten as one file per (month, SKU bucket), as the
  maintenance does once a month is over (``collector/lake/months.py``;
  ``--no-months``: the day files as export left them);
- **SKU lineage over the lake** through the product's path: an empty hot
  store whose ``hot_horizon`` puts every row in the lake, read by
  ``TwoTier.for_sku`` (the SKU's files only) with ``collector.lineage.
  sku_lineage``, p50/p95 (target p95 < 100 ms); order lineage and trace
  views over the whole lake (``TwoTier.reader``) beside it;
- 28-day SLI counts: DuckDB over the Parquet files pyiceberg plans for the
  window, attempts by target and outcome (target < 200 ms).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from bench.dataset import DAY_NS, T_END, T_START, build_store, dataset_sql
from bench.report import Table, machine, summary_ms, write_result
from collector.lake import LakeConfig, LakeService, ensure_tables, export_all, open_catalog
from collector.lake.export import Feed
from collector.lake.months import compact_months
from collector.lake.tables import LakeTables
from collector.lineage import order_lineage, sku_lineage
from collector.locations import LocationMap
from collector.routing import RouteTable
from collector.store import Store
from collector.traces import trace_view
from metrics import STORE_MIGRATIONS
from synclens.settings import load_settings

__all__ = ["main", "run_lake"]

_REPO = Path(__file__).resolve().parent.parent
_RAW = (Feed("events"), Feed("spans"))


def _bytes_per_row(lake: LakeTables, name: str) -> tuple[int, int, float]:
    files = list(lake.table(name).scan().plan_files())
    size = sum(task.file.file_size_in_bytes for task in files)
    rows = sum(task.file.record_count for task in files)
    return size, rows, size / max(rows, 1)


def _export(con: duckdb.DuckDBPyConnection, work: Path, max_rows: int) -> dict[str, Any]:
    """Events and spans of ``con`` to a fresh lake under ``work``: rates and sizes."""
    config = LakeConfig(f"sqlite:///{work / 'catalog.sqlite'}", str(work / "warehouse"))
    lake = ensure_tables(open_catalog(config))
    started = time.perf_counter()
    done = {
        e.table: e
        for e in export_all(
            lambda: contextlib.nullcontext(con),
            lake,
            now_ns=T_END,
            settle_ns=DAY_NS,
            max_rows=max_rows,
            feeds=_RAW,
        )
    }
    seconds = time.perf_counter() - started
    sizes = {name: _bytes_per_row(lake, name) for name in ("events", "spans")}
    rows = done["events"].rows + done["spans"].rows
    return {
        "config": config,
        "seconds": round(seconds, 2),
        "commits": {name: e.commits for name, e in done.items()},
        "rows_per_s": round(rows / seconds),
        "spans_per_s": round(done["spans"].rows / done["spans"].seconds),
        "events_per_s": round(done["events"].rows / done["events"].seconds),
        "bytes_per_event": round(sizes["events"][2], 1),
        "bytes_per_span": round(sizes["spans"][2], 1),
        "data_files": {name: len(list(lake.table(name).scan().plan_files())) for name in sizes},
        "data_bytes": {name: sizes[name][0] for name in sizes},
    }


def _one_day(store: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    quoted = "'" + str(store).replace("'", "''") + "'"
    con.execute(f"ATTACH {quoted} AS hot (READ_ONLY)")
    con.execute(dataset_sql("lake_one_day").format(day0=T_END - DAY_NS, t0=T_START))
    return con


def _timed(calls: list[Callable[[], Any]]) -> dict[str, float]:
    for call in calls[:3]:  # warm: metadata cached as in a running reader
        call()
    times = []
    for call in calls:
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return summary_ms(times)


def _queries(config: LakeConfig, work: Path, events: int, queries: int) -> dict[str, Any]:
    """Lineage and traces over the lake alone (an empty hot store whose
    horizon lies after every row), as the service reads them."""
    hot = Store(work / "hot.duckdb", extra_migrations=STORE_MIGRATIONS)
    try:
        after = T_END + DAY_NS
        hot.run_task(
            lambda cur: cur.execute(
                "INSERT INTO hot_horizon VALUES ('events', $t), ('spans', $t), ('pair_facts', $t)",
                {"t": after},
            )
        ).result()
        tiers = LakeService(hot, config).tiers
        routes, locations = RouteTable(load_settings().routes), LocationMap()
        rnd = random.Random(16)
        skus = [f"SKU-{rnd.randrange(5000):05d}" for _ in range(queries)]
        orders = [f"SO-{rnd.randrange(max(1, events // 15)):08d}" for _ in range(queries)]
        found = {"events": 0, "attempts": 0}

        def sku(key: str) -> None:
            with tiers.for_sku(key)() as cur:
                got = sku_lineage(
                    cur, key, routes=routes, locations=locations, now_ns=after,
                    everywhere=tiers.reader,
                )  # fmt: skip
            found["events"] += len(got["events"])
            found["attempts"] += sum(
                len(t["attempts"]) for e in got["events"] for t in e["targets"]
            )

        def order(key: str) -> None:
            with tiers.reader() as cur:
                order_lineage(cur, key, routes=routes, locations=locations, now_ns=after)

        def trace(n: int) -> None:
            with tiers.reader() as cur:
                trace_id = cur.execute("SELECT md5('e' || $n::VARCHAR)", {"n": n}).fetchall()[0][0]
                assert trace_view(cur, trace_id) is not None  # the generated traces' ids

        by_sku = _timed([lambda k=k: sku(k) for k in skus])
        mean = {k: round(v / max(1, len(skus) + 3), 1) for k, v in found.items()}
        by_order = _timed([lambda k=k: order(k) for k in orders[: max(5, queries // 5)]])
        picked = [rnd.randrange(events) for _ in range(max(5, queries // 5))]
        traces = _timed([lambda n=n: trace(n) for n in picked])
    finally:
        hot.close()
    return {"sku_lineage": by_sku, "sku_mean": mean, "order_lineage": by_order, "trace": traces}


def _sli_28d(lake: LakeTables, con: duckdb.DuckDBPyConnection) -> list[Any]:
    start = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime((T_END - 28 * DAY_NS) // 10**9))
    tasks = lake.tables["spans"].scan(row_filter=f"ts >= '{start}'").plan_files()
    files = [task.file.file_path.removeprefix("file://") for task in tasks]
    return con.execute(dataset_sql("lake_sli_28d"), {"files": files}).fetchall()


def _months(config: LakeConfig) -> dict[str, Any]:
    """Every month of the backfill rewritten by month (the maintenance after
    the last month is over): seconds and files."""
    lake = ensure_tables(open_catalog(config))
    after = datetime.fromtimestamp(T_END // 10**9, UTC)
    month = (after.year - 1970) * 12 + after.month  # the month after T_END's
    started = time.perf_counter()
    done = {
        name: compact_months(lake.table(name), before_month=month) for name in ("events", "spans")
    }
    seconds = time.perf_counter() - started
    files = {name: len(list(lake.table(name).scan().plan_files())) for name in done}
    return {"seconds": round(seconds, 2), "months": done, "data_files": files}


def run_lake(
    events: int,
    spans: int,
    queries: int,
    results_dir: Path,
    max_rows: int = 1_000_000,
    months: bool = True,
) -> dict[str, Any]:
    """``max_rows``: rows per Iceberg commit (``lake.export_max_rows``);
    ``months``: the backfill's months rewritten by month before the reads."""
    started_on = machine()
    store, built = build_store(results_dir / "cache", events, spans)
    work = Path(tempfile.mkdtemp(prefix="synclens-lake-bench-"))
    try:
        con = _one_day(store)
        running = _export(con, work / "one-day", max_rows)
        con.close()
        con = duckdb.connect(str(store), read_only=True)
        backfill = _export(con, work / "backfill", max_rows)
        con.close()
        load_after_export = round(os.getloadavg()[0], 2)
        by_month = _months(backfill["config"]) if months else None
        reads = _queries(backfill["config"], work, events, queries)
        lake = ensure_tables(open_catalog(backfill["config"]))
        con = duckdb.connect()
        sli = []
        for _ in range(5):
            t = time.perf_counter()
            _sli_28d(lake, con)
            sli.append(time.perf_counter() - t)
        con.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for part in (running, backfill):
        del part["config"]
    result = {
        "machine": started_on,
        "loadavg_1m_after_export": load_after_export,
        "loadavg_1m_at_end": round(os.getloadavg()[0], 2),
        "events": events,
        "spans": spans,
        "store_build_s": built,
        "export_max_rows": max_rows,
        "export_one_day": running,
        "export_backfill": backfill,
        "month_compaction": by_month,
        **reads,
        "sli_28d": summary_ms(sli),
    }
    table = Table("lake", ["figure", "one day (as it runs)", "backfill (28 days)"])
    for key in ("spans_per_s", "rows_per_s", "bytes_per_span", "bytes_per_event", "commits"):
        table.add(key, running[key], backfill[key])
    for key in ("sku_lineage", "order_lineage", "trace", "sli_28d"):
        got = result[key]
        table.add(f"{key} p50 / p95 ms", f"{got.get('p50_ms')} / {got.get('p95_ms')}", "")
    if by_month is not None:
        table.add(
            "month rewrite s (data files after)",
            "",
            f"{by_month['seconds']} ({by_month['data_files']})",
        )
    table.print()
    write_result(results_dir, "lake", result)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.lake_bench", description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--spans", type=int, default=3_000_000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--max-rows", type=int, default=1_000_000, help="rows per commit")
    parser.add_argument("--results-dir", type=Path, default=_REPO / "bench" / "results")
    parser.add_argument(
        "--no-months", action="store_true", help="read the day files (no month rewrite)"
    )
    args = parser.parse_args(argv)
    run_lake(
        args.events, args.spans, args.queries, args.results_dir, args.max_rows, not args.no_months
    )


if __name__ == "__main__":
    main()
