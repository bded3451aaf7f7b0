"""Waiting on a live service for what a bus consumer did (NATS and RabbitMQ tests)."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Service, start_process

__all__ = ["KILL9_EVENTS", "events_of", "lineage_when", "metric_at", "survives_kill_9", "wait_for"]

KILL9_EVENTS = 400  # what survives_kill_9 expects on the bus, ids k9-00000 ...


def wait_for(check: Any, timeout: float = 20.0, every: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got or time.monotonic() > deadline:
            return got
        time.sleep(every)


def events_of(svc: Service, sku: str, n: int) -> dict[str, dict[str, Any]]:
    def got() -> dict[str, dict[str, Any]] | None:
        events = svc.get("/api/v1/lineage", params={"sku": sku}).json()["events"]
        return {e["id"]: e for e in events} if len(events) >= n else None

    return wait_for(got) or {}


def metric_at(url: str, name: str, **labels: str) -> float:
    text = httpx.get(f"{url}/metrics", timeout=10).text
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name and labels.items() <= s.labels.items()
    )


def lineage_when(url: str, sku: str, n: int) -> dict[str, Any] | None:
    params: dict[str, str | int] = {"sku": sku, "limit": n + 10}
    got = httpx.get(f"{url}/api/v1/lineage", params=params, timeout=30).json()
    return dict(got) if len(got["events"]) >= n else None


def survives_kill_9(tmp_path: Path, sku: str) -> None:
    """``synclens serve`` (its bus consumer configured by the environment)
    takes some of the KILL9_EVENTS events of ``sku`` off the bus, dies of
    ``kill -9``, starts again: then every event is stored exactly once, and
    what came back (committed before the kill, not acknowledged) is counted
    as a duplicate."""
    n = KILL9_EVENTS
    db, log = tmp_path / "k9.duckdb", tmp_path / "serve.log"
    first = start_process(db, log)
    stored = wait_for(
        lambda: metric_at(first.url, "synclens_bus_messages_total", outcome="stored") >= 60,
        timeout=30,
    )
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(timeout=10)
    assert stored, "nothing consumed before the kill"
    second = start_process(db, log)
    try:
        lineage = wait_for(lambda: lineage_when(second.url, sku, n), timeout=60, every=0.5)
        assert lineage, "not every event arrived after the restart"
        ids = [e["id"] for e in lineage["events"]]
        assert sorted(ids) == [f"k9-{i:05d}" for i in range(n)]  # each once
        again = metric_at(second.url, "synclens_bus_messages_total", outcome="duplicate")
        assert again == metric_at(second.url, "synclens_events_duplicate_total")
    finally:
        second.proc.send_signal(signal.SIGTERM)
        assert second.proc.wait(timeout=30) == 0
