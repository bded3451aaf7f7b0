"""The correction of a mismatch, from the ownership model (plain functions)."""

from __future__ import annotations

from typing import Any

from metrics.reconciliation.corrections import ShortShip, correction, short_ships


def _row(**kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "system": "erp", "instance": "s4", "owner": "wms/dc-east", "sku": "SKU-A",
        "location": "DC-EAST", "stock_status": "on_hand", "lot": "L7", "serial": "",
        "quantity": 102.0, "owner_quantity": 105.0, "raw": -3.0, "corrected": -3.0,
    }  # fmt: skip
    return row | kw


def test_variance_brings_the_copy_to_the_system_of_record() -> None:
    c = correction(_row())
    assert c["text"] == "erp/s4 on_hand SKU-A DC-EAST lot L7: 102 -> 105, wms/dc-east owns on_hand"
    assert (c["case"], c["action"], c["delta"], c["to_quantity"]) == ("variance", "adjust", 3, 105)
    assert (c["lot"], c["serial"], c["order_ids"]) == ("L7", None, [])


def test_what_is_in_flight_is_left_to_arrive() -> None:
    # raw -5, of which -2 is a message on its way: adjust by +3 only
    c = correction(_row(quantity=100.0, raw=-5.0, corrected=-3.0, lot=""))
    assert c["text"] == "erp/s4 on_hand SKU-A DC-EAST: 100 -> 103, wms/dc-east owns on_hand"


def test_derived_available() -> None:
    c = correction(_row(system="commerce", instance="web", owner="derived",
                        stock_status="available", lot="", corrected=2.0, quantity=90.0))  # fmt: skip
    assert c["text"].endswith(
        "available SKU-A DC-EAST: 90 -> 88, derived from its owners' on_hand - allocated "
        "- damaged - quarantined"
    )


def test_short_ships_explain_a_lower_copy_exactly_or_not_at_all() -> None:
    orders = [ShortShip("SO-1", 5, 3), ShortShip("SO-2", 2, 2)]
    assert short_ships(-2.0, orders) == [orders[0]]
    assert short_ships(-3.0, orders) == []  # 2 short do not explain 3
    assert short_ships(2.0, orders) == []  # the copy is higher: not a provisional deduction
    c = correction(_row(corrected=-2.0, quantity=103.0), short_ships(-2.0, orders))
    assert (c["case"], c["action"], c["order_ids"]) == (
        "short_ship",
        "reverse_provisional_deduction",
        ["SO-1"],
    )
    assert c["text"] == (
        "short ship: wms/dc-east confirmed SO-1 (reserved 5, shipped 3) short against "
        "erp/s4's provisional deduction at pick release; reverse 2 of it: erp/s4 on_hand "
        "SKU-A DC-EAST lot L7: 103 -> 105, wms/dc-east owns on_hand; update the order status "
        "and notify customer service and billing"
    )
