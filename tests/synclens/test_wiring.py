"""The service wiring: scheduled jobs, ``synclens reconcile``, auth on snapshots and the API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from synclens.cli import main
from synclens.scheduler import add_reconciliation_jobs
from tests.metrics.feed import snapshot


def test_jobs_are_scheduled_at_the_configured_intervals(make_service: Any, tmp_path: Path) -> None:
    with make_service(ops_db=f"sqlite:///{tmp_path / 'o.sqlite'}") as svc:
        scheduler = BackgroundScheduler()
        add_reconciliation_jobs(
            scheduler, svc.app.state.reconcile, interval_s=300, detect_interval_s=60
        )
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert jobs["reconciliation"].trigger.interval.total_seconds() == 300
        assert jobs["detectors"].trigger.interval.total_seconds() == 60
        # the job bodies are plain calls: run them once
        assert svc.app.state.reconcile.run_pass(trigger="schedule").run.run_id >= 1
        assert "sequence_gap" in svc.app.state.reconcile.detect()


def test_cli_reconcile(
    make_service: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with make_service(ops_db=f"sqlite:///{tmp_path / 'o.sqlite'}") as service:
        snapshot(service, "wms/dc-east", 1, {("A", "DC-EAST/1", "on_hand"): 3})
        snapshot(service, "erp/s4", 2, {("A", "DC-EAST/1", "on_hand"): 4})
        assert main(["reconcile", "--url", service.url]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["mismatched"] == 1 and out["exceptions"]["mismatch"]["opened"] == 1
    assert main(["reconcile", "--url", "http://127.0.0.1:9"]) == 1


def test_auth_on_snapshots_and_api(make_service: Any, tmp_path: Path) -> None:
    tokens = {
        "tokens": [
            {"name": "erp", "token": "t-erp", "systems": ["erp"]},
            {"name": "grafana", "token": "t-read", "scopes": ["read"]},
            {"name": "ops-bot", "token": "t-op", "scopes": ["operate"]},
        ]
    }
    with make_service(auth=tokens, ops_db=f"sqlite:///{tmp_path / 'o.sqlite'}") as svc:
        body = {"system": "wms", "instance": "x", "taken_at": "2026-11-20T00:00:00Z", "rows": []}
        assert svc.post("/v1/snapshots", json=body).status_code == 401
        erp = {"Authorization": "Bearer t-erp"}
        assert svc.post("/v1/snapshots", json=body, headers=erp).status_code == 403
        ok = svc.post("/v1/snapshots", json={**body, "system": "erp"}, headers=erp)
        assert ok.status_code == 200, ok.text
        assert svc.get("/api/v1/exceptions").status_code == 401
        # an ingest token reads nothing and runs nothing
        assert svc.get("/api/v1/exceptions", headers=erp).status_code == 403
        assert svc.post("/api/v1/reconciliations", headers=erp).status_code == 403
        read = {"Authorization": "Bearer t-read"}
        assert svc.get("/api/v1/exceptions", headers=read).status_code == 200
        assert svc.post("/api/v1/reconciliations").status_code == 401
        assert svc.post("/api/v1/reconciliations", headers=read).status_code == 403
        assert svc.get("/api/v1/reconciliations/latest", headers=read).status_code == 404
        assert svc.post("/v1/snapshots", json=body, headers=read).status_code == 403
        run = svc.post("/api/v1/reconciliations", headers={"Authorization": "Bearer t-op"})
        assert run.status_code == 200, run.text
