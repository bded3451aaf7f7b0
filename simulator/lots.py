"""Lots of the lot-controlled items: naming new ones, taking stock oldest lot
first (FEFO), and the lot-level fault (a re-label nobody is told of)."""

from __future__ import annotations

import random

from .books import Books
from .network import Sku

__all__ = ["Lots"]


class Lots:
    def __init__(self, books: Books, run_tag: str) -> None:
        self._books = books
        self._tag = run_tag
        self._count = 0
        self._last: dict[str, str] = {}

    def new(self, sku: Sku) -> str:
        """A new lot of a lot-controlled item ('' for any other); names sort by age."""
        if not sku.lot_controlled:
            return ""
        self._count += 1
        lot = f"L-{self._tag}-{self._count:06d}"
        self._last[sku.code] = lot
        return lot

    def take(self, instance: str, sku: Sku, location: str, want: int) -> list[tuple[str, int]]:
        """Up to ``want`` on-hand units at ``location``, oldest lot first: (lot, quantity)."""
        if want <= 0:
            return []
        if not sku.lot_controlled:
            have = self._books.qty(instance, (sku.code, location, "on_hand"))
            return [("", min(want, have))] if have > 0 else []
        out = []
        for lot, have in self._books.lots(instance, (sku.code, location, "on_hand")):
            q = min(want, have)
            out.append((lot, q))
            want -= q
            if want == 0:
                break
        return out

    def some(self, instance: str, sku: Sku, location: str) -> str:
        """The oldest lot with stock at ``location``, else the item's newest lot."""
        if not sku.lot_controlled:
            return ""
        lots = self._books.lots(instance, (sku.code, location, "on_hand"))
        return lots[0][0] if lots else self._last.get(sku.code) or self.new(sku)

    def relabel(
        self, instance: str, sku: Sku, location: str, rng: random.Random
    ) -> dict[str, object]:
        """Lot fault: ``instance`` re-labels 1-3 units of the oldest lot at
        ``location`` as lot ``<lot>-R`` in its own books only; no event tells
        anyone, so the ERP's lots diverge while the totals agree. Returns the
        fault's detail (empty when the location holds nothing)."""
        lots = self._books.lots(instance, (sku.code, location, "on_hand"))
        if not lots:
            return {}
        lot, have = lots[0]
        qty = rng.randint(1, min(have, 3))
        to_lot = f"{lot}-R"
        self._books.add(instance, (sku.code, location, "on_hand", lot), -qty)
        self._books.add(instance, (sku.code, location, "on_hand", to_lot), qty)
        return {"source": instance, "sku": sku.code, "location": location,
                "stock_status": "on_hand", "lot": lot, "to_lot": to_lot, "quantity": qty}  # fmt: skip
