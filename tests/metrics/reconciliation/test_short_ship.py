"""The seed's short-ship case from the simulator: exactly one mismatch, with
the reversal it calls for and the order it hurts (docs/exceptions.md,
"Short-ship walk-through")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from collector.testing.clock import ManualClock
from simulator.faults import profile_from_mapping
from simulator.model import FlowKnobs
from simulator.runner import simulate
from tests.conftest import Service
from tests.metrics.live import START_NS, live_service


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Service, ManualClock]]:
    with live_service(tmp_path) as found:
        yield found


@pytest.mark.parametrize("seed", [3, 8])
def test_short_ship_is_one_mismatch_with_its_reversal_and_order(
    live: tuple[Service, ManualClock], seed: int
) -> None:
    svc, clock = live
    profile = profile_from_mapping({"faults": {"short_ship_after_s": [1800]}}, name="short-ship")
    summary = simulate(
        svc.url, seed=seed, profile=profile, duration_s=2 * 3600, start_ns=START_NS, skus=60,
        warehouses=2, knobs=FlowKnobs(orders_per_hour=240, return_rate=0.0),
        snapshot_interval_s=600,
    )  # fmt: skip
    assert summary.truth is not None
    truth = summary.truth
    (fault,) = [f for f in truth["faults"] if f["kind"] == "short_ship"]
    assert fault["source"] == "tpl/acme" and fault["system"] == "erp/s4"
    clock.now_ns = int(truth["config"]["end_ns"])
    assert svc.post("/api/v1/reconciliations").status_code == 200

    every = svc.get("/api/v1/exceptions", params={"limit": 100}).json()
    (exc,) = every["exceptions"]  # nothing else went wrong
    assert exc["kind"] == "mismatch" and exc["source"] == "erp/s4"
    assert (exc["sku"], exc["location"]) == (fault["sku"], fault["location"])
    assert fault["order_id"] in exc["order_ids"]
    detail = svc.get(f"/api/v1/exceptions/{exc['id']}").json()["detail"]
    assert detail["lot"] == (fault["lot"] or None)
    c = detail["correction"]
    short = fault["ordered"] - fault["shipped"]
    assert c["case"] == "short_ship" and c["action"] == "reverse_provisional_deduction"
    assert (c["system"], c["system_of_record"]) == ("erp/s4", "tpl/acme")
    assert c["order_ids"] == [fault["order_id"]]
    assert c["orders"] == [
        {"order_id": fault["order_id"], "reserved": fault["ordered"], "shipped": fault["shipped"]}
    ]
    assert (
        c["delta"]
        == short
        == detail["owner_quantity"] - detail["quantity"] + (detail["raw"] - detail["corrected"])
    )
    assert c["to_quantity"] == c["from_quantity"] + short
    lot = f" lot {fault['lot']}" if fault["lot"] else ""
    assert (
        f"erp/s4 on_hand {fault['sku']} {fault['location']}{lot}: "
        f"{c['from_quantity']:g} -> {c['to_quantity']:g}, tpl/acme owns on_hand" in c["text"]
    )
    assert c["text"].startswith("short ship: ")
    # order follow-up: the short-shipped order is listed with the exception that hurts it
    impacted = svc.get("/api/v1/orders/impacted", params={"kind": "mismatch"}).json()
    assert impacted["total"] == len(exc["order_ids"])
    (order,) = [o for o in impacted["orders"] if o["order_id"] == fault["order_id"]]
    (hurt,) = order["exceptions"]
    assert (hurt["id"], hurt["kind"], hurt["correction"]["case"]) == (
        exc["id"],
        "mismatch",
        "short_ship",
    )
    none = svc.get("/api/v1/orders/impacted", params={"kind": "undelivered"}).json()
    assert none == {"total": 0, "limit": 100, "offset": 0, "orders": []}
