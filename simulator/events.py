"""Business events of the simulated systems and their CloudEvents form (SPEC 1.2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = ["Delta", "Event", "rfc3339"]

Delta = tuple[str, str, str, str, int]  # sku, location, stock_status, lot ('' none), signed qty


def rfc3339(ns: int) -> str:
    """RFC 3339 UTC with microseconds (CloudEvents ``time``)."""
    dt = datetime.fromtimestamp(ns // 1_000_000_000, tz=UTC)
    micros = (ns % 1_000_000_000) // 1000
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{micros:06d}Z"


@dataclass(frozen=True)
class Event:
    source: str
    id: str
    type: str
    time_ns: int
    sku: str
    location: str
    quantity: int
    stock_status: str = "on_hand"
    sequence: int = 0
    order_id: str | None = None
    channel: str | None = None
    to_location: str | None = None
    reason: str | None = None
    lot: str = ""  # the lot of a lot-controlled item's stock; '' for other items

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.id)

    def deltas(self) -> list[Delta]:
        """The stock changes this event makes, per (sku, location, stock_status, lot)."""
        if self.type == "inventory.moved":
            assert self.to_location is not None
            return [
                (self.sku, self.location, self.stock_status, self.lot, -self.quantity),
                (self.sku, self.to_location, self.stock_status, self.lot, self.quantity),
            ]
        return [(self.sku, self.location, self.stock_status, self.lot, self.quantity)]

    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "sku": self.sku,
            "location": self.location,
            "quantity": self.quantity,
            "stock_status": self.stock_status,
            "uom": "EA",
            "sequence": self.sequence,
        }
        for name in ("order_id", "channel", "to_location", "reason", "lot"):
            value = getattr(self, name)
            if value is not None and value != "":
                data[name] = value
        return data

    def to_cloudevent(self, traceparent: str | None) -> dict[str, Any]:
        ce: dict[str, Any] = {
            "specversion": "1.0",
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": rfc3339(self.time_ns),
            "datacontenttype": "application/json",
            "data": self.data(),
        }
        if traceparent:
            ce["traceparent"] = traceparent
        return ce
