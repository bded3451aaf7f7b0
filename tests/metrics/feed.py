"""Helpers to feed a live service events, spans and snapshots by hand."""

from __future__ import annotations

from typing import Any

from opentelemetry.proto.trace.v1.trace_pb2 import Span

from collector.routing import RouteTable
from collector.testing.wire import BATCH, NS, PROTOBUF, T0, batch_body, cloudevent, request
from collector.timefmt import iso
from metrics.reconciliation.model import ReconcileConfig, ToleranceRule
from synclens.parts import location_map
from synclens.settings import Settings
from tests.conftest import Service

__all__ = ["NS", "T0", "config", "event", "send_events", "send_spans", "snapshot"]


def config(
    settings: Settings | None = None,
    tolerances: tuple[ToleranceRule, ...] = (),
    item_classes: tuple[tuple[str, str], ...] = (),
) -> ReconcileConfig:
    s = settings or Settings()
    return ReconcileConfig(
        ownership=s.ownership,
        routes=RouteTable(s.routes),
        tolerances=tolerances,
        locations=location_map(s),
        item_classes=item_classes,
    )


def event(event_id: str, at_s: float, **kw: Any) -> dict[str, Any]:
    return cloudevent(event_id, time=iso(T0 + int(at_s * NS)), **kw)


def send_events(svc: Service, *events: dict[str, Any]) -> None:
    resp = svc.post("/v1/events", content=batch_body(*events), headers=BATCH)
    assert resp.status_code == 200 and not resp.json()["rejected"], resp.text


def send_spans(svc: Service, *spans: Span) -> None:
    resp = svc.post("/v1/traces", content=request(*spans).SerializeToString(), headers=PROTOBUF)
    assert resp.status_code == 200, resp.text


def snapshot(
    svc: Service,
    source: str,
    at_s: float,
    rows: dict[tuple[str, ...], float],
    channel: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """``rows``: (sku, location, stock_status[, lot[, serial]]) -> quantity."""
    system, _, instance = source.partition("/")
    body = {
        "system": system,
        "instance": instance,
        "taken_at": iso(T0 + int(at_s * NS)),
        "channel": channel,
        "rows": [
            {
                "sku": k[0],
                "location": k[1],
                "stock_status": k[2],
                "quantity": q,
                **dict(zip(("lot", "serial"), k[3:], strict=False)),
            }
            for k, q in rows.items()
        ],
    }
    resp = svc.post("/v1/snapshots", json=body, headers=headers)
    assert resp.status_code == 200, resp.text
