"""Pure helpers of the lineage swimlane: which snapshot quantities to print,
and the time range a reader zoomed to (kept across the live refresh)."""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["kept_range", "snapshot_labels"]


def snapshot_labels(snapshots: pd.DataFrame) -> list[str]:
    """The quantity over a snapshot only where it differs from the lane's
    previous snapshot (the first of each lane is always labelled)."""
    prev: dict[str, float] = {}
    out: list[str] = []
    for lane, qty in zip(snapshots["lane"], snapshots["quantity"], strict=True):
        out.append("" if prev.get(lane) == qty else f"{qty:g}")
        prev[lane] = qty
    return out


def kept_range(relayout: dict[str, Any] | None) -> list[Any] | None:
    """The time range a reader zoomed the chart to (its ``relayoutData``), or
    None when it shows everything."""
    r = relayout or {}
    if "xaxis.range" in r and isinstance(r["xaxis.range"], list):
        return list(r["xaxis.range"][:2])
    if "xaxis.range[0]" in r and "xaxis.range[1]" in r:
        return [r["xaxis.range[0]"], r["xaxis.range[1]"]]
    return None
