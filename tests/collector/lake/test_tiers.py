"""One history, two tiers: the same simulator run read with a large hot horizon
(everything hot) and a small one (most rows only in the lake) gives the same
answer to every API question: lineage by SKU, order and trace, SLIs over
several windows and dimensions, exceptions with their evidence, and the
reconciliation history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from collector.lake import LakeService
from simulator.model import FlowKnobs
from simulator.runner import simulate
from synclens.scheduler import apply_retention
from synclens.sections import LakeSettings
from synclens.settings import (
    ExceptionSettings,
    IngestSettings,
    ReconciliationSettings,
    StoreSettings,
    load_settings,
)
from tests.conftest import LiveServer, Service

pytestmark = pytest.mark.slow  # a simulated run of four days, read twice

NS = 1_000_000_000
DAY = 86_400 * NS
START = 1_780_000_000 * NS  # 2026-05-28, a fixed simulated past
END = START + 4 * DAY
NOW = END + 3600 * NS
WINDOWS = ("1h", "24h", "2d", "3d", "5d", "28d", "400d")  # > 2d: from the rollups
DIMENSIONS = (None, "target", "warehouse", "channel", "event_type")


class Clock:
    """The service's clock: the end of the run while it ingests, then NOW."""

    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def _ok(svc: Service, path: str, **params: Any) -> Any:
    resp = httpx.get(f"{svc.url}{path}", params=params, timeout=120)
    assert resp.status_code == 200, (path, params, resp.text)
    return resp.json()


def answers(svc: Service) -> dict[str, Any]:
    """Every answer compared: keyed by the question."""
    found: dict[str, Any] = {}
    skus: set[str] = set()
    orders: set[str] = set()
    traces: set[str] = set()
    for window in WINDOWS:
        for by in DIMENSIONS:
            params = {"window": window} | ({"by": by} if by else {})
            found[f"slis {params}"] = _ok(svc, "/api/v1/slis", **params)
    exceptions = _ok(svc, "/api/v1/exceptions", limit=1000)
    found["exceptions"] = exceptions
    for item in exceptions.get("exceptions", ())[:20]:
        found[f"exception {item['id']}"] = _ok(svc, f"/api/v1/exceptions/{item['id']}")
        skus.update(s for s in [item.get("sku")] if s)
    runs = _ok(svc, "/api/v1/reconciliations", limit=1000)
    found["reconciliations"] = runs
    for run in runs.get("runs", ())[:3]:
        found[f"run {run['run_id']}"] = _ok(svc, f"/api/v1/reconciliations/{run['run_id']}")
    for sku in sorted({f"SKU-{i + 1:05d}" for i in range(12)} | skus):
        lineage = _ok(svc, "/api/v1/lineage", sku=sku, limit=10_000)
        found[f"lineage {sku}"] = lineage
        found[f"lineage {sku} page"] = _ok(svc, "/api/v1/lineage", sku=sku, limit=7)
        for event in lineage["events"]:
            if event.get("order_id"):
                orders.add(event["order_id"])
            for target in event["targets"]:
                traces.update(a["trace_id"] for a in target["attempts"] if a.get("trace_id"))
    for order in sorted(orders)[:25]:
        found[f"order {order}"] = _ok(svc, f"/api/v1/orders/{order}/lineage", limit=10_000)
    for trace in sorted(traces)[:25]:
        found[f"trace {trace}"] = _ok(svc, f"/api/v1/traces/{trace}")
    return found


def _first_difference(want: Any, got: Any, path: str = "") -> str:
    """Where two JSON answers first differ, for the failure message."""
    if isinstance(want, dict) and isinstance(got, dict):
        if want.keys() != got.keys():
            return f"{path}: keys {sorted(want.keys() ^ got.keys())}"
        for key in want:
            if want[key] != got[key]:
                return _first_difference(want[key], got[key], f"{path}.{key}")
    if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        for i, (w, g) in enumerate(zip(want, got, strict=True)):
            if w != g:
                return _first_difference(w, g, f"{path}[{i}]")
    return f"{path}: {str(want)[:300]} != {str(got)[:300]}"


def _hot_rows(svc: Service) -> dict[str, int]:
    with svc.store.reader() as cur:
        return {
            t: int(cur.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0])
            for t in ("events", "spans", "pair_facts")
        }


def test_a_small_hot_horizon_answers_as_a_store_that_kept_everything_hot(
    tmp_path: Path,
) -> None:
    clock = Clock(END)
    lake = LakeSettings(
        enabled=True,
        export_interval_s=86_400,
        maintenance_interval_s=86_400,
        pair_facts_settle_s=3600,
    )
    settings = load_settings(
        db=str(tmp_path / "synclens.duckdb"),
        ops_db=f"sqlite:///{tmp_path / 'ops.sqlite'}",
        ingest=IngestSettings(decode_workers=0),
        lake=lake,
        store=StoreSettings(hot_days=30),
        # no scheduled pass between the two readings: only the tiers differ
        reconciliation=ReconciliationSettings(interval_s=86_400),
        exceptions=ExceptionSettings(detect_interval_s=86_400),
    )
    with LiveServer(settings, clock=clock) as svc:
        summary = simulate(
            svc.url,
            seed=16,
            profile="chaos",
            start_ns=START,
            duration_s=4 * 86_400,
            skus=12,
            warehouses=2,
            knobs=FlowKnobs(orders_per_hour=6, cycle_counts_per_hour=1, damages_per_hour=0.5),
            snapshot_interval_s=12 * 3600,
        )
        assert summary.events > 500
        clock.now = NOW
        assert svc.post("/api/v1/reconciliations").status_code == 200  # and the detectors
        service: LakeService = svc.app.state.lake
        service.export(now_ns=NOW)
        facts = svc.app.state.slis.refresher

        # a large horizon: nothing leaves the hot store
        apply_retention(svc.store, facts, svc.settings.retention, now_ns=NOW, hot=service.hot())
        everything = _hot_rows(svc)
        hot = answers(svc)
        assert len(hot) > 60 and any(a["events"] for k, a in hot.items() if k.startswith("lineage"))

        # a small horizon: rows before NOW - 1 day leave the hot store
        service.hot_days = 1
        apply_retention(svc.store, facts, svc.settings.retention, now_ns=NOW, hot=service.hot())
        left = _hot_rows(svc)
        assert all(left[t] < everything[t] / 2 for t in left), (left, everything)
        tiered = answers(svc)
        assert tiered.keys() == hot.keys()
        for key, answer in hot.items():
            assert tiered[key] == answer, (key, _first_difference(answer, tiered[key]))
