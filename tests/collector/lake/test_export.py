"""Export to the lake: every row exactly once, read back by plain pyiceberg +
DuckDB; maintenance (compaction, snapshot expiry, retention) keeps them."""

from __future__ import annotations

from typing import Any

from collector.lake import LakeConfig, LakeService, watermark
from collector.testing.wire import T0
from tests.collector.lake.conftest import EVENTS, HOUR, fill, hot_keys, read_outside

NOW = T0 + 30 * 24 * HOUR
DAY = 24 * HOUR


def test_every_row_reaches_the_lake_once_and_upkeep_keeps_it(
    make_service: Any, lake_config: LakeConfig
) -> None:
    with make_service() as svc:
        fill(svc)
        lake = LakeService(
            svc.store,
            lake_config,
            export_max_rows=70,
            pair_facts_settle_s=3600,
            compact_min_files=2,
            snapshot_keep_s=0.001,
        )
        first = {e.table: e for e in lake.export(now_ns=NOW)}
        with svc.store.reader() as cur:
            hot = hot_keys(cur)
            last = cur.execute("SELECT max(seq) FROM spans").fetchone()
        assert len(hot["events"]) == EVENTS and len(hot["spans"]) == 2 * EVENTS
        assert all(hot.values()), {t: len(k) for t, k in hot.items()}
        assert first["spans"].commits > 1, "export_max_rows cuts chunks of whole group commits"
        assert [e.rows for e in lake.export(now_ns=NOW)] == [0] * 10, "nothing goes twice"
        assert read_outside(lake_config) == hot
        spans = lake.tables.table("spans")
        assert last is not None and watermark(spans) == last[0]
        assert [f.name for f in spans.spec().fields] == ["ts_day", "sku_bucket"]
        assert spans.properties["write.parquet.compression-codec"] == "zstd"

        # upkeep: small files of each day rewritten as one, old snapshots gone
        files_before = len(list(spans.scan().plan_files()))
        done = lake.maintain(now_ns=NOW)
        spans = lake.tables.table("spans")
        assert done.compacted_days["spans"] > 0
        assert len(list(spans.scan().plan_files())) < files_before
        assert watermark(spans) == last[0], "compaction carries the export watermark on"
        assert len(spans.snapshots()) == 1, "older snapshots expired"
        assert read_outside(lake_config) == hot
        assert [e.rows for e in lake.export(now_ns=NOW)] == [0] * 10

        # lake retention: the days before NOW - 29 days go, the rest stays
        LakeService(svc.store, lake_config, retention_days=29).maintain(now_ns=NOW)
        kept = lake.tables.table("events").scan().to_arrow()
        assert 0 < kept.num_rows < EVENTS
        assert min(kept.column("time_ns").to_pylist()) >= (NOW // DAY - 29) * DAY
