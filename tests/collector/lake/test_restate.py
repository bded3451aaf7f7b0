"""Pair facts that change after their export are restated in the lake (one
transaction: the old rows out, the current ones in, no duplicate), and hot
retention keeps the facts of an event it keeps."""

from __future__ import annotations

from typing import Any

from collector.lake import LakeConfig, LakeService
from collector.lake.marks import RESTATED, watermark
from collector.testing.wire import PROTOBUF, T0, attempt_span, request
from synclens.scheduler import apply_retention
from tests.collector.lake.conftest import EVENTS, HOUR, SKUS, fill, read_outside

NOW = T0 + 30 * 24 * HOUR
FACT = (
    "SELECT source, id, target, attempts, failed, replays, applied_ns, first_pass, "
    "dead_lettered, applies FROM {} WHERE id = 'lake-0' ORDER BY ALL"
)


def _lake_facts(lake: LakeService) -> Any:
    import duckdb

    found = lake.tables.table("pair_facts").scan().to_arrow()  # noqa: F841
    return duckdb.connect().execute(FACT.format("found")).fetchall()


def test_a_late_attempt_restates_the_exported_pair_facts(
    make_service: Any, lake_config: LakeConfig
) -> None:
    with make_service() as svc:
        fill(svc)
        lake = LakeService(svc.store, lake_config, pair_facts_settle_s=3600)
        lake.export(now_ns=NOW)
        pairs = len(read_outside(lake_config)["pair_facts"])
        with svc.store.reader() as cur:
            before = cur.execute(FACT.format("pair_facts")).fetchall()
        assert _lake_facts(lake) == before

        # a failed attempt of the first event arrives a month late
        late = attempt_span(
            event_id="lake-0", sku=SKUS[0], target="erp", attempt=3, start_ns=T0 + HOUR,
            error="timeout",
        )  # fmt: skip
        body = request(late).SerializeToString()
        assert svc.post("/v1/traces", content=body, headers=PROTOBUF).status_code == 200
        assert svc.get("/api/v1/slis").status_code == 200  # derives the pair facts again
        with svc.store.reader() as cur:
            after = cur.execute(FACT.format("pair_facts")).fetchall()
        assert after != before
        done = {e.table: e for e in lake.export(now_ns=NOW)}
        assert done["pair_facts"].commits == 1
        assert _lake_facts(lake) == after, "the lake holds the pair's current facts"
        assert len(read_outside(lake_config)["pair_facts"]) == pairs, "no pair twice"
        assert watermark(lake.tables.table("pair_facts"), RESTATED) > 0
        assert lake.export(now_ns=NOW)[-1].rows == 0, "a restatement goes once"

        # upkeep carries the restatement mark on
        mark = watermark(lake.tables.table("pair_facts"), RESTATED)
        LakeService(svc.store, lake_config, compact_min_files=2).maintain(now_ns=NOW)
        assert watermark(lake.tables.table("pair_facts"), RESTATED) == mark


def test_hot_retention_keeps_the_facts_of_an_event_it_keeps(
    make_service: Any, lake_config: LakeConfig
) -> None:
    with make_service() as svc:
        fill(svc)
        lake = LakeService(svc.store, lake_config, pair_facts_settle_s=3600, hot_days=1)
        lake.export(now_ns=NOW)
        held = lake.hot()
        # as if the last group commit of events had not reached the lake yet
        with svc.store.reader() as cur:
            last = cur.execute("SELECT max(seq) FROM events").fetchall()[0][0]
            kept = {
                r[0] for r in cur.execute(f"SELECT id FROM events WHERE seq = {last}").fetchall()
            }
        held = type(held)(held.days, last - 1, held.facts_exported_ns, held.spans_exported_seq,
                          held.duplicates_days)  # fmt: skip
        facts = svc.app.state.slis.refresher
        apply_retention(svc.store, facts, svc.settings.retention, now_ns=NOW, hot=held)
        with svc.store.reader() as cur:
            events = {r[0] for r in cur.execute("SELECT id FROM events").fetchall()}
            with_facts = {
                r[0] for r in cur.execute("SELECT DISTINCT id FROM pair_facts").fetchall()
            }
            horizon = dict(cur.execute("SELECT name, before_ns FROM hot_horizon").fetchall())
        assert events == kept and 0 < len(kept) < EVENTS
        assert with_facts == kept, "an event held for export keeps its pair facts"
        assert set(horizon) == {"events", "spans", "pair_facts"}
