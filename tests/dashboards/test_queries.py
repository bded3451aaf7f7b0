"""The facade answers what the JSON API answers (no browser: fast)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dashboards.queries import DashboardQueries
from simulator.runner import simulate
from tests.conftest import Service


@pytest.fixture
def fed(make_service: Any, tmp_path: Path) -> Iterator[tuple[Service, DashboardQueries]]:
    with make_service(
        ops_db=f"sqlite:///{tmp_path}/ops.sqlite",
        reconciliation={"interval_s": 86_400},
        exceptions={"detect_interval_s": 86_400},
    ) as svc:
        simulate(svc.url, seed=2, profile="chaos", duration_s=900, skus=10, warehouses=2)
        assert svc.post("/api/v1/reconciliations").status_code == 200
        state = svc.app.state
        yield (
            svc,
            DashboardQueries(
                store=svc.store,
                routes=state.collector.routes,
                locations=state.collector.locations,
                clock=state.collector.clock,
                slis=state.slis,
                exceptions=state.reconcile.exceptions,
                registry=state.registry,
                slos=lambda: state.slos,
                lineage_extras=state.collector.lineage_extras,
            ),
        )


def test_facade_matches_the_api(fed: tuple[Service, DashboardQueries]) -> None:
    svc, q = fed
    groups = svc.get("/api/v1/slis", params={"window": "24h", "by": "target"}).json()["groups"]
    by_target = q.by_target("24h").set_index("target")
    for target, g in groups.items():
        assert by_target.loc[target, "failed"] == g["api_failure"]["failed"]
        assert by_target.loc[target, "undelivered"] == g["undelivered"]
        assert by_target.loc[target, "p95_s"] == pytest.approx(g["latency"]["p95_s"])

    api_slos = {s["name"]: s for s in svc.get("/api/v1/slos").json()["slos"]}
    view = q.slo_view("28d")
    assert {s["name"] for s in view.evaluated} == set(api_slos)
    for slo in view.evaluated:
        want = api_slos[slo["name"]]
        assert slo["sli_value"] == pytest.approx(want["sli_value"])
        assert slo["status"] == want["status"]
    assert not view.trend.empty and set(view.trend["name"]) <= set(api_slos)

    latest = svc.get("/api/v1/reconciliations/latest", params={"limit": 1}).json()
    mismatch = q.mismatch()
    assert mismatch["compared"].sum() == latest["compared"]
    assert mismatch["mismatched"].sum() == latest["mismatched"]

    api = svc.get("/api/v1/exceptions", params={"status": "unresolved", "limit": 5}).json()
    total, page = q.exception_list(status="unresolved", limit=5)
    assert total == api["total"] and list(page["id"]) == [x["id"] for x in api["exceptions"]]
    assert q.backlog()["count"].sum() == total

    sku = next(x["sku"] for x in api["exceptions"] if x["sku"])
    raw, frames = q.sku_lineage(sku)
    assert raw == svc.get("/api/v1/lineage", params={"sku": sku}).json()
    assert len(frames.events) == len(raw["events"])
    assert len(frames.exceptions) == len(raw["exceptions"]) > 0
    assert not frames.snapshots.empty  # the systems' snapshots over the run
    trace_id = next(t for t in frames.attempts["trace_id"] if t)
    tree = svc.get(f"/api/v1/traces/{trace_id}").json()
    spans = q.trace(trace_id)
    assert int((~spans["linked"]).sum()) == tree["spans"]

    assert q.ingest().counts["events"] == svc.metric("synclens_events_received_total")


def test_empty_service_gives_empty_frames(make_service: Any, tmp_path: Path) -> None:
    with make_service(ops_db=f"sqlite:///{tmp_path}/ops.sqlite") as svc:
        state = svc.app.state
        q = DashboardQueries(
            store=svc.store, routes=state.collector.routes,
            locations=state.collector.locations, clock=state.collector.clock,
            slis=state.slis, exceptions=state.reconcile.exceptions, registry=state.registry,
        )  # fmt: skip
        assert q.slo_view("1h").tiles.empty  # no SLOs given
        assert q.mismatch().empty and q.backlog().empty and q.by_target("1h").empty
        assert q.sku_lineage("NOPE")[1].empty
        assert q.trace("0" * 32).empty
        assert q.last_reconciliation() is None
