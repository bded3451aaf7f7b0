"""Exception events survive a ``kill -9`` of ``synclens serve`` mid-delivery:
every event reaches the webhook and the NATS subject, exactly once after
dedupe by id and in outbox order, while the webhook fails for a while."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy import create_engine, text

from tests.conftest import start_process
from tests.metrics.exceptions.receiver import (
    NATS_URL,
    Receiver,
    first_seen,
    nats_stream,
    stream_events,
)

SECRET = "s3cret"
TAKEN = "2026-12-03T08:00:00Z"
KEYS = 15


def _wait(what: str, done: Callable[[], bool], timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.05)


def _snapshot(url: str, system: str, instance: str, qty: Callable[[int], int]) -> None:
    rows = [
        {"sku": f"SKU-{i:02d}", "location": "DC-EAST/A-01", "quantity": qty(i)} for i in range(KEYS)
    ]
    body: dict[str, Any] = {"system": system, "instance": instance, "taken_at": TAKEN, "rows": rows}
    resp = httpx.post(f"{url}/v1/snapshots", json=body, timeout=30)
    assert resp.status_code == 200, resp.text


@pytest.mark.slow
def test_kill_9_mid_delivery_loses_nothing(tmp_path: Path) -> None:
    with (
        Receiver(SECRET.encode(), fail_first=6, delay_s=0.05) as hook,
        nats_stream() as (
            stream,
            subject,
        ),
    ):
        config = tmp_path / "synclens.yaml"
        config.write_text(yaml.safe_dump({"events": {
            "poll_interval_s": 0.2, "retry_base_s": 0.2, "retry_max_s": 1, "batch": 5,
            "sinks": [
                {"name": "hook", "kind": "webhook", "url": hook.url + "/hook", "secret": SECRET},
                {"name": "bus", "kind": "nats", "url": NATS_URL, "subject": subject},
            ],
        }}))  # fmt: skip
        db, log = tmp_path / "s.duckdb", tmp_path / "serve.log"
        sp = start_process(db, log, "--config", str(config))
        try:
            _snapshot(sp.url, "wms", "dc-east", lambda i: 100)
            _snapshot(sp.url, "erp", "s4", lambda i: 100 + i + 1)  # every key differs
            assert httpx.post(f"{sp.url}/api/v1/reconciliations", timeout=60).status_code == 200
            found = httpx.get(f"{sp.url}/api/v1/exceptions", params={"limit": 100}).json()
            assert found["total"] == KEYS
            for exc in found["exceptions"][:5]:
                resp = httpx.post(f"{sp.url}/api/v1/exceptions/{exc['id']}/ack",
                                  json={"by": "ana", "note": "on it"})  # fmt: skip
                assert resp.status_code == 200, resp.text
            # 15 opened + 15 corrections proposed + 5 acknowledged
            _wait("some deliveries", lambda: len(hook.events.get("/hook", [])) >= 8)
        finally:
            sp.proc.kill()  # kill -9, in the middle of the webhook's backlog
            sp.proc.wait(timeout=30)
        assert len(hook.events["/hook"]) < 2 * KEYS + 5
        sp = start_process(db, log, "--config", str(config))
        try:
            ops = create_engine(f"sqlite:///{db.with_suffix('.ops.sqlite')}")
            with ops.connect() as conn:
                want = [r[0] for r in conn.execute(text(
                    "SELECT event_id FROM event_outbox ORDER BY id"))]  # fmt: skip
            ops.dispose()
            assert len(want) == 2 * KEYS + 5
            _wait("the webhook", lambda: len(first_seen(hook.events["/hook"])) == len(want))
            _wait("NATS", lambda: len(first_seen(stream_events(stream))) == len(want))
        finally:
            sp.proc.terminate()
            sp.proc.wait(timeout=30)
        on_nats = stream_events(stream)
    assert [e["id"] for e in first_seen(hook.events["/hook"])] == want
    assert [e["id"] for e in first_seen(on_nats)] == want
    assert hook.bad_signatures == 0 and hook.requests > len(want)  # it failed some
