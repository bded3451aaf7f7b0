"""The per-minute rollups go to the lake whole minutes at a time, and a minute
that a late attempt changes after its export is restated there: the lake's
rollups are the hot store's, row for row, after every export."""

from __future__ import annotations

from typing import Any

import duckdb

from collector.lake import LakeConfig, LakeService
from collector.lake.rollups import ROLLUPS
from collector.testing.wire import PROTOBUF, T0, attempt_span, request
from tests.collector.lake.conftest import HOUR, SKUS, fill

NOW = T0 + 30 * 24 * HOUR


def _rows(lake: LakeService, svc: Any, name: str) -> tuple[list[Any], list[Any]]:
    """``(hot rows, lake rows)`` of the rollup ``name``, in the lake's columns."""
    found = lake.tables.table(name).scan().to_arrow().drop_columns(["ts"])
    columns = ", ".join(found.column_names)
    in_lake = duckdb.connect().execute(f"SELECT {columns} FROM found ORDER BY ALL").fetchall()
    with svc.store.reader() as cur:
        hot = cur.execute(f"SELECT {columns} FROM {name} ORDER BY ALL").fetchall()
    return hot, in_lake


def test_rollups_reach_the_lake_and_late_minutes_are_restated(
    make_service: Any, lake_config: LakeConfig
) -> None:
    with make_service() as svc:
        fill(svc)
        lake = LakeService(svc.store, lake_config, pair_facts_settle_s=3600)
        lake.export(now_ns=NOW)
        for name in ROLLUPS:
            hot, in_lake = _rows(lake, svc, name)
            assert hot and in_lake == hot, name

        # a late success of the first event, a month after its minute was exported
        late = attempt_span(
            event_id="lake-0", sku=SKUS[0], target="commerce", attempt=1,
            start_ns=T0 + 2 * HOUR,
        )  # fmt: skip
        body = request(late).SerializeToString()
        assert svc.post("/v1/traces", content=body, headers=PROTOBUF).status_code == 200
        before = _rows(lake, svc, "attempt_minutes")[1]
        assert svc.get("/api/v1/slis").status_code == 200  # the refresh
        done = {e.table: e for e in lake.export(now_ns=NOW)}
        assert done["pair_minutes"].commits == done["attempt_minutes"].commits == 1
        for name in ROLLUPS:
            hot, in_lake = _rows(lake, svc, name)
            assert in_lake == hot, name
        assert _rows(lake, svc, "attempt_minutes")[1] != before
        again = {e.table: e.rows for e in lake.export(now_ns=NOW)}
        assert all(again[name] == 0 for name in ROLLUPS), "a restatement goes once"
