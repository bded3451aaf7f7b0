"""The lineage view carries the evidence of every layer: snapshots and exceptions."""

from __future__ import annotations

from typing import Any

from simulator.model import FlowKnobs
from simulator.runner import simulate


def test_lineage_shows_snapshots_and_exceptions(make_service: Any) -> None:
    with make_service() as svc:
        simulate(
            svc.url, seed=5, profile="chaos", duration_s=3600, skus=30, warehouses=2,
            knobs=FlowKnobs(orders_per_hour=150),
        )  # fmt: skip
        assert svc.post("/api/v1/reconciliations").status_code == 200
        found = svc.get("/api/v1/exceptions", params={"status": "unresolved", "limit": 500}).json()
        with_sku = [e for e in found["exceptions"] if e["sku"] and e["location"]]
        assert with_sku, "chaos must raise exceptions on some SKU"
        exc = with_sku[0]

        lineage = svc.get("/api/v1/lineage", params={"sku": exc["sku"]}).json()
        assert exc["id"] in [e["id"] for e in lineage["exceptions"]]
        assert all(e["sku"] == exc["sku"] for e in lineage["exceptions"])
        assert lineage["snapshots"], "every system snapshots every SKU it holds"
        assert {s["sku"] for s in lineage["snapshots"]} == {exc["sku"]}
        systems = {s["system"] for s in lineage["snapshots"]}
        assert "erp" in systems and len(systems) >= 2
        taken = [s["taken_ns"] for s in lineage["snapshots"]]
        assert taken == sorted(taken)

        located = svc.get(
            "/api/v1/lineage", params={"sku": exc["sku"], "location": exc["location"]}
        ).json()
        assert exc["id"] in [e["id"] for e in located["exceptions"]]

        order = next(e for e in lineage["events"] if e["order_id"])
        by_order = svc.get(f"/api/v1/orders/{order['order_id']}/lineage").json()
        assert order["id"] in [e["id"] for e in by_order["events"]]
        assert by_order["snapshots"]
