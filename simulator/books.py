"""Each simulated system instance's own stock books, per (sku, location, stock_status, lot).

A system that does not keep lots (``SystemSpec.lots`` false: commerce, EDI)
books every lot under ''; a warehouse-level system books bins under their
warehouse.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from .events import Event
from .network import Network

__all__ = ["Books", "Key", "Key3"]

Key = tuple[str, str, str, str]  # sku, location, stock_status, lot ('' none)
Key3 = tuple[str, str, str]  # sku, location, stock_status


class Books:
    def __init__(self, network: Network) -> None:
        self._network = network
        self._books: dict[str, defaultdict[Key3, Counter[str]]] = {
            s: defaultdict(Counter) for s in network.systems
        }

    def add(self, instance: str, key: Key, qty: int) -> None:
        """``qty`` more of ``key`` in ``instance``'s books (nothing if it does not see it)."""
        spec = self._network.systems[instance]
        sku, loc, status, lot = key
        if spec.sees(loc):
            self._books[instance][(sku, spec.key_location(loc), status)][
                lot if spec.lots else ""
            ] += qty

    def apply(self, instance: str, event: Event, times: int = 1) -> None:
        for sku, loc, status, lot, qty in event.deltas():
            self.add(instance, (sku, loc, status, lot), qty * times)

    def qty(self, instance: str, key: Key3) -> int:
        """All lots of ``key``."""
        lots = self._books[instance].get(key)
        return sum(lots.values()) if lots else 0

    def lots(self, instance: str, key: Key3) -> list[tuple[str, int]]:
        """The lots of ``key`` with stock, oldest (first expiring) first."""
        lots = self._books[instance].get(key)
        return sorted((lot, q) for lot, q in lots.items() if q > 0) if lots else []

    def rows(self, instance: str) -> dict[Key, int]:
        return {
            (*k3, lot): q
            for k3, lots in self._books[instance].items()
            for lot, q in lots.items()
            if q != 0
        }
