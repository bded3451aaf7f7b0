"""Faults injected at a pick, outside the middleware: the books diverge and
no event says so (docs/simulator.md, "Faults and profiles").

- ``short_pick``: the 3PL finds units missing, ships less and writes them off;
- ``short_ship_after_s``: the seed's short-ship case, once per listed time:
  the ERP deducts the ordered quantity at pick release (provisionally, in its
  own books), the 3PL ships half and confirms that; the deduction of the
  rest is never reversed;
- ``lot_relabel``: the warehouse re-labels units of one lot as another.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .books import Books
from .faults import FaultProfile
from .lots import Lots
from .network import ERP, TPL, TPL_WAREHOUSE, Sku, Warehouse

__all__ = ["Injected", "PickFaults"]

_S = 1_000_000_000


@dataclass(frozen=True)
class Injected:
    """A fault the model injected outside the middleware."""

    kind: str
    time_ns: int
    event: tuple[str, str] | None
    detail: dict[str, object]


class PickFaults:
    def __init__(self, books: Books, lots: Lots, profile: FaultProfile, rng: random.Random) -> None:
        self._books = books
        self._lots = lots
        self._profile = profile
        self._rng = rng
        self._ship_due: list[int] = []
        self.injected: list[Injected] = []

    def start(self, now_ns: int) -> None:
        due = self._profile.rates(None, TPL_WAREHOUSE).short_ship_after_s
        self._ship_due = sorted(now_ns + int(s * _S) for s in due)

    def before_ship(
        self, wh: Warehouse, sku: Sku, bin_: str, order_id: str, ordered: int, shipped: int,
        now_ns: int,
    ) -> int:  # fmt: skip
        """How many units the warehouse ships of the ``shipped`` it could."""
        rates = self._profile.rates(None, wh.code)
        if wh.operator != TPL or shipped <= 0:
            return shipped
        if rates.short_pick > 0 and self._rng.random() < rates.short_pick:
            missing = self._rng.randint(1, shipped)
            for lot, q in self._lots.take(TPL, sku, bin_, missing):
                self._books.add(TPL, (sku.code, bin_, "on_hand", lot), -q)
                self.injected.append(
                    Injected("short_pick", now_ns, None,
                             {"source": TPL, "sku": sku.code, "location": bin_,
                              "stock_status": "on_hand", "quantity": -q,
                              "order_id": order_id, "lot": lot})
                )  # fmt: skip
            return shipped - missing
        if self._ship_due and now_ns >= self._ship_due[0] and ordered >= 2 and shipped == ordered:
            self._ship_due.pop(0)
            ships = ordered // 2
            lot = self._lots.take(TPL, sku, bin_, ships)[0][0]
            self._books.add(ERP, (sku.code, bin_, "on_hand", lot), ships - ordered)
            self.injected.append(
                Injected("short_ship", now_ns, None,
                         {"source": TPL, "system": ERP, "sku": sku.code, "location": bin_,
                          "stock_status": "on_hand", "lot": lot, "order_id": order_id,
                          "ordered": ordered, "shipped": ships, "quantity": ships - ordered})
            )  # fmt: skip
            return ships
        return shipped

    def after_ship(self, wh: Warehouse, sku: Sku, bin_: str, now_ns: int) -> None:
        rates = self._profile.rates(None, wh.code)
        if sku.lot_controlled and rates.lot_relabel > 0 and self._rng.random() < rates.lot_relabel:
            fault = self._lots.relabel(wh.operator, sku, bin_, self._rng)
            if fault:
                self.injected.append(Injected("lot_relabel", now_ns, None, fault))
