"""Exception alerts pushed to a real Alertmanager on loopback: the alert appears, then resolves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from collector.testing.wire import attempt_span
from synclens.settings import load_settings
from tests.alertmanager import running_alertmanager
from tests.conftest import LiveServer
from tests.metrics.feed import NS, T0, event, send_events, send_spans


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[str]:
    config = tmp_path / "alertmanager.yml"
    config.write_text(
        "route:\n  receiver: 'null'\n  group_wait: 1s\nreceivers:\n  - name: 'null'\n"
    )
    with running_alertmanager(config, tmp_path) as url:
        yield url


def _alerts(url: str) -> list[dict[str, Any]]:
    resp = httpx.get(f"{url}/api/v2/alerts", timeout=5)
    assert resp.status_code == 200
    return [a for a in resp.json() if a["labels"].get("alertname") == "SynclensException"]


def test_alert_appears_then_resolves(tmp_path: Path, alertmanager: str) -> None:
    now = [T0 + 2000 * NS]
    settings = load_settings(
        db=str(tmp_path / "s.duckdb"),
        ops_db=f"sqlite:///{tmp_path / 'ops.sqlite'}",
        public_url="http://synclens.example:4318",
        alertmanager={"url": alertmanager},
    )
    with LiveServer(settings, clock=lambda: now[0]) as svc:
        send_events(svc, event("lost-1", 0, source="wms/dc-east", sku="BOLT",
                               location="DC-EAST/A-01", sequence=1))  # fmt: skip
        send_spans(
            svc,
            attempt_span(event_id="lost-1", source="wms/dc-east", target="erp",
                         location="DC-EAST/A-01", start_ns=T0 + NS),
        )  # fmt: skip
        assert svc.post("/api/v1/reconciliations").status_code == 200
        [alert] = _alerts(alertmanager)
        labels = alert["labels"]
        assert (labels["kind"], labels["target"], labels["warehouse"], labels["severity"]) == (
            "undelivered", "commerce", "DC-EAST", "critical"
        )  # fmt: skip
        assert alert["status"]["state"] == "active"
        assert "not applied to commerce" in alert["annotations"]["summary"]
        assert alert["annotations"]["lineage"] == (
            "http://synclens.example:4318/api/v1/lineage?sku=BOLT&location=DC-EAST%2FA-01"
        )

        # the late delivery arrives: the exception resolves, and so does the alert
        send_spans(
            svc,
            attempt_span(event_id="lost-1", source="wms/dc-east", target="commerce",
                         location="DC-EAST/A-01", start_ns=T0 + 2100 * NS),
        )  # fmt: skip
        now[0] = T0 + 2200 * NS
        assert svc.post("/api/v1/reconciliations").status_code == 200
        assert _alerts(alertmanager) == []
