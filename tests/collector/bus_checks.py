"""Waiting on a live service for what a bus consumer did (NATS and RabbitMQ tests)."""

from __future__ import annotations

import time
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Service

__all__ = ["events_of", "lineage_when", "metric_at", "wait_for"]


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
