"""10,000 made-up systems, targets, event types, warehouses and channels
grow /metrics by a few `other` series, not by 10,000 (SPEC 6)."""

from __future__ import annotations

from collector.testing.wire import BATCH, PROTOBUF, attempt_span, batch_body, cloudevent, request
from tests.conftest import Service
from tests.metrics.feed import snapshot

N = 10_000


def _lines(svc: Service) -> list[str]:
    svc.get("/api/v1/slis")  # the derived facts behind synclens_sync_* catch up
    return [line for line in svc.get("/metrics").text.splitlines() if not line.startswith("#")]


def _post_events(svc: Service, events: list[dict[str, object]]) -> None:
    resp = svc.post("/v1/events", content=batch_body(*events), headers=BATCH)
    assert resp.status_code == 200 and resp.json()["accepted"] == len(events), resp.text[:300]


def test_ten_thousand_unconfigured_values_add_a_few_lines(service: Service) -> None:
    # configured names: the default routes (erp, commerce, wms, ...)
    _post_events(service, [cloudevent("ok-1"), cloudevent("ok-2", source="erp/s4")])
    spans = request(attempt_span(event_id="ok-1", target="erp"))
    assert service.post("/v1/traces", content=spans.SerializeToString(), headers=PROTOBUF)
    snapshot(service, "wms/dc-east", 10, {("BOLT-M8", "DC-WEST/R-12-04", "on_hand"): 5})
    assert service.post("/api/v1/reconciliations").status_code == 200
    before = _lines(service)

    # before the events below, whose 20,000 missed deliveries the detectors
    # would open as exceptions
    rows = {(f"SKU{i}", f"WH{i}/B1", "on_hand"): 1.0 for i in range(N)}
    snapshot(service, "wms/dc-east", 20, rows)
    snapshot(service, "erp/s4", 20, rows)
    for c in range(20):
        snapshot(service, f"commerce/web{c}", 21, {("SKU1", "WH1/B1", "available"): 1}, f"ch{c}")
    assert service.post("/api/v1/reconciliations").status_code == 200
    # (event types are a closed set already: CloudEvents of another type are rejected)
    _post_events(service, [cloudevent(f"x-{i}", source=f"sys{i}/a") for i in range(N)])
    _post_events(service, [cloudevent(f"t-{i}") for i in range(N)])
    flood = request(*(attempt_span(event_id=f"t-{i}", target=f"target{i}") for i in range(N)))
    resp = service.post("/v1/traces", content=flood.SerializeToString(), headers=PROTOBUF)
    assert resp.status_code == 200
    after = _lines(service)

    grown = len(after) - len(before)
    print(f"/metrics: {len(before)} -> {len(after)} lines")
    assert grown <= 60, f"/metrics grew by {grown} lines"
    assert not [line for line in after if "sys1" in line or "target1" in line or "WH1" in line]
    assert any('target="other"' in line for line in after)
    assert any('source_system="other"' in line for line in after)
    assert any('warehouse="other"' in line for line in after)
    overflow = {
        label: service.metric("synclens_label_overflow_values_total", label=label)
        for label in ("system", "event_type", "warehouse", "channel")
    }
    assert overflow["system"] >= 2 * N  # sources and targets
    assert overflow["warehouse"] >= N
    assert overflow["channel"] >= 1
    with service.store.reader() as cur:
        assert cur.execute("SELECT count(*) FROM events").fetchone() == (2 + 2 * N,)
        assert cur.execute("SELECT count(*) FROM spans").fetchone() == (1 + N,)
