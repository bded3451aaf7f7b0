"""A SKU's lineage over the lake reads the files of its bucket only
(``Scope.for_sku``, ``FilePlans``) and answers as the hot store did: with an
attempt that names one SKU but belongs to another SKU's event (found
through the unscoped reader), before and after compaction rewrites the
files (the cached manifests follow the new snapshot)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pyiceberg.expressions import AlwaysTrue

from collector.lake import LakeConfig, LakeService
from collector.lake.months import compact_month
from collector.lake.tiers import Scope
from collector.lineage import sku_lineage
from collector.queries import Reader, sql
from collector.testing.wire import NS, PROTOBUF, T0, attempt_span, request
from synclens.scheduler import apply_retention
from tests.collector.lake.conftest import HOUR, SKUS, STEP, fill

NOW = T0 + 4 * 24 * HOUR


def _lineage(svc: Any, reader: Reader, everywhere: Reader | None, sku: str) -> dict[str, Any]:
    state = svc.app.state.collector
    with reader() as cur:
        return sku_lineage(
            cur,
            sku,
            routes=state.routes,
            locations=state.locations,
            now_ns=NOW,
            everywhere=everywhere,
        )


def test_a_sku_reader_reads_its_files_only_and_answers_as_the_hot_store(
    make_service: Any, lake_config: LakeConfig
) -> None:
    with make_service() as svc:
        fill(svc)
        # an attempt that names SKUS[0] but belongs to event lake-1 (SKUS[1])
        stray = attempt_span(
            event_id="lake-1", sku=SKUS[0], target="wms", attempt=1, start_ns=T0 + STEP + NS
        )
        body = request(stray).SerializeToString()
        assert svc.post("/v1/traces", content=body, headers=PROTOBUF).status_code == 200
        assert svc.get("/api/v1/slis").status_code == 200  # derives the pair facts
        hot = {sku: _lineage(svc, svc.store.reader, None, sku) for sku in SKUS}
        assert all(hot[sku]["events"] for sku in SKUS)
        assert not hot[SKUS[0]]["orphan_attempts"], "the stray attempt's event exists"

        lake = LakeService(
            svc.store, lake_config, pair_facts_settle_s=3600, hot_days=1, compact_min_files=2
        )
        lake.export(now_ns=NOW)
        facts = svc.app.state.slis.refresher
        apply_retention(svc.store, facts, svc.settings.retention, now_ns=NOW, hot=lake.hot())
        with svc.store.reader() as cur:
            assert cur.execute("SELECT count(*) FROM events").fetchall() == [(0,)]
        tiers = lake.tiers
        for sku in SKUS:
            assert _lineage(svc, tiers.for_sku(sku), tiers.reader, sku) == hot[sku], sku
        # the SKU's reader alone does not see the other SKU's event: an orphan
        alone = _lineage(svc, tiers.for_sku(SKUS[0]), None, SKUS[0])
        assert alone["orphan_attempts"], "the unscoped reader is what finds the event"

        plans = tiers.plans
        events = plans.tables(("events",))["events"]
        everything = plans.plan("events", events, AlwaysTrue())
        scope = Scope.for_sku(SKUS[0])
        one = plans.plan("events", events, scope.filters["events"], sku=scope.sku)
        assert everything is not None and one is not None
        assert 0 < len(one.files) < len(everything.files)

        # compaction rewrites the files in a new snapshot: the plans follow it
        assert lake.maintain(now_ns=NOW).compacted_days["events"] > 0
        compacted = plans.plan("events", plans.tables(("events",))["events"], AlwaysTrue())
        assert compacted is not None
        assert {f.file_path for f in compacted.files}.isdisjoint(
            f.file_path for f in everything.files
        )
        for sku in SKUS:
            assert _lineage(svc, tiers.for_sku(sku), tiers.reader, sku) == hot[sku], sku

        # the month rewritten as one file per (month, SKU bucket): the same answers
        november = (2026 - 1970) * 12 + 10
        for name in ("events", "spans", "pair_facts"):
            assert compact_month(plans.tables((name,))[name], november) > 0, name
        monthly = plans.tables(("events",))["events"]
        one = plans.plan("events", monthly, scope.filters["events"], sku=scope.sku)
        assert one is not None and len(one.files) == 1
        assert one.files[0].spec_id != monthly.spec().spec_id, "a month file"
        for sku in SKUS:
            assert _lineage(svc, tiers.for_sku(sku), tiers.reader, sku) == hot[sku], sku
        # the SKU's filter reaches the Parquet scan (row groups of other SKUs skipped)
        params = {"sku": SKUS[0], "location": None, "since": 0, "until": 2**63 - 1, "limit": 9}
        with tiers.for_sku(SKUS[0])() as cur:
            explained = cur.execute(
                "EXPLAIN (FORMAT json) " + sql("lineage_events_by_sku"), params
            ).fetchall()
        scans = list(_scans(json.loads(explained[0][1])))
        assert scans and all(SKUS[0] in json.dumps(s.get("Filters")) for s in scans), scans


def _scans(node: Any) -> Iterator[dict[str, Any]]:
    """The extra info of every Parquet scan of a JSON plan."""
    if isinstance(node, list):
        for child in node:
            yield from _scans(child)
    elif isinstance(node, dict):
        if "READ_PARQUET" in str(node.get("name", "")):
            yield node.get("extra_info", {})
        yield from _scans(node.get("children", []))
