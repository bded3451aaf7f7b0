"""The correction each mismatch needs, from the ownership model (issue 19).

A mismatch says that system instance Y disagrees with the system of record X
of a key beyond what messages in flight explain. Its correction brings Y to
the quantity X's books call for: Y's quantity minus the corrected variance
(what is in flight still arrives by itself). When the variance is explained
by shipments confirmed short against a provisional deduction (Y deducted
the ordered quantity at pick release, the warehouse shipped less), it is
the seed's **short-ship** case: the correction is the reversal of the
undelivered part of that deduction, and the orders need follow-up (order
status, customer service, billing). synclens only proposes; it never writes
to the systems.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["ShortShip", "correction", "short_ships"]


@dataclass(frozen=True, slots=True)
class ShortShip:
    """An order that shipped less than it reserved, at a mismatched key."""

    order_id: str
    reserved: float
    shipped: float

    @property
    def short(self) -> float:
        return self.reserved - self.shipped


def short_ships(
    corrected: float, orders: Sequence[ShortShip], *, tolerance: float = 1e-9
) -> list[ShortShip]:
    """The orders whose shortfalls explain a variance, or [] when they do not:
    Y is lower than its system of record by exactly what the orders shipped
    short (a provisional deduction of the ordered quantity that the shipment
    confirmations did not reverse)."""
    short = [o for o in orders if o.short > tolerance]
    if corrected >= 0 or not short:
        return []
    return short if abs(sum(o.short for o in short) + corrected) <= tolerance else []


def _qty(x: float) -> str:
    return f"{x:g}"


def correction(row: dict[str, Any], shorts: Sequence[ShortShip] = ()) -> dict[str, Any]:
    """The corrective action for one mismatched reconciliation result ``row``
    (``recon_not_matching.sql``'s columns)."""
    inst = f"{row['system']}/{row['instance']}" if row["instance"] else row["system"]
    lot = (f" lot {row['lot']}" if row["lot"] else "") + (
        f" serial {row['serial']}" if row["serial"] else ""
    )
    status, owner = row["stock_status"], row["owner"]
    have = float(row["quantity"])
    delta = -float(row["corrected"])
    want = have + delta
    owns = (
        "derived from its owners' on_hand - allocated - damaged - quarantined"
        if owner == "derived"
        else f"{owner} owns {status}"
    )
    text = (
        f"{inst} {status} {row['sku']} {row['location']}{lot}: {_qty(have)} -> {_qty(want)}, {owns}"
    )
    out: dict[str, Any] = {
        "case": "variance",
        "action": "adjust",
        "system": inst,
        "system_of_record": owner,
        "sku": row["sku"],
        "location": row["location"],
        "stock_status": status,
        "lot": row["lot"] or None,
        "serial": row["serial"] or None,
        "from_quantity": have,
        "to_quantity": want,
        "delta": delta,
        "order_ids": [],
        "text": text,
    }
    if shorts:
        orders = ", ".join(
            f"{o.order_id} (reserved {_qty(o.reserved)}, shipped {_qty(o.shipped)})" for o in shorts
        )
        out |= {
            "case": "short_ship",
            "action": "reverse_provisional_deduction",
            "order_ids": [o.order_id for o in shorts],
            "orders": [
                {"order_id": o.order_id, "reserved": o.reserved, "shipped": o.shipped}
                for o in shorts
            ],
            "text": f"short ship: {owner} confirmed {orders} short against {inst}'s "
            f"provisional deduction at pick release; reverse {_qty(delta)} of it: {text}; "
            "update the order status and notify customer service and billing",
        }
    return out
