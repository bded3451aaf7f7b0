"""What the lineage explorer looks up for what was typed, whichever mode is picked.

An order id typed while "by SKU" is picked (or a SKU while "by order" is)
is still found: the text is tried as what the mode says first, then as the
other kind when that finds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dashboards.lineage_frames import LineageFrames
from dashboards.queries import DashboardQueries

__all__ = ["Found", "find"]


@dataclass(frozen=True)
class Found:
    raw: dict[str, Any]
    frames: LineageFrames
    subject: str  # "SKU X at L" / "order O", for the summary
    params: dict[str, str]  # the URL's query for this search (without the trace)


def _sku(q: DashboardQueries, sku: str, location: str) -> Found:
    raw, f = q.sku_lineage(sku, location or None)
    subject = f"SKU {sku}" + (f" at {location}" if location else "")
    return Found(raw, f, subject, {"sku": sku, **({"location": location} if location else {})})


def _order(q: DashboardQueries, order: str) -> Found:
    raw, f = q.order_lineage(order)
    return Found(raw, f, f"order {order}", {"order": order})


def find(
    q: DashboardQueries, mode: str, sku: str | None, location: str | None, order: str | None
) -> Found | None:
    """The lineage for the typed text, or None when nothing was typed."""
    sku, location, order = (sku or "").strip(), (location or "").strip(), (order or "").strip()
    text = (order or sku) if mode == "order" else (sku or order)
    if not text:
        return None
    as_order = (mode == "order" and bool(order)) or (mode != "order" and not sku)
    first = _order(q, text) if as_order else _sku(q, text, location)
    if not first.frames.empty:
        return first
    other = _sku(q, text, location) if as_order else _order(q, text)
    return other if not other.frames.empty else first
