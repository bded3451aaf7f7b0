"""Planned outages in the ground truth: what a synclens maintenance window
of the same scope and time leaves out of the SLIs (docs/slos.md).

A planned outage (``Outage(planned=True)``: ``--planned-outage`` or
``planned: true`` in a profile) fails its target like any outage; the truth
lists it under ``planned`` (absolute times) and marks

- a pair ``planned`` when its delivery period ``[event time, event time +
  deadline)`` overlaps the outage and the pair is in its scope (target, and
  the event's warehouse when the outage names one);
- an attempt ``planned`` when it ended inside the outage, in its scope;

and ``slis_unplanned`` counts the pair and attempt SLIs without them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from simulator.clock import NS_PER_S

from .faults import Outage
from .network import DEADLINE_S, LATENCY_OBJECTIVE_S, warehouse_of

__all__ = ["add_planned", "planned_windows"]


def planned_windows(outages: Sequence[Outage], start_ns: int) -> list[dict[str, Any]]:
    """The planned outages with absolute ``[start_ns, end_ns)``."""
    return [
        {
            "target": o.target,
            "warehouse": o.warehouse,
            "start_ns": start_ns + round(o.start_s * NS_PER_S),
            "end_ns": start_ns + round((o.start_s + o.duration_s) * NS_PER_S),
        }
        for o in outages
        if o.planned
    ]


def _in_scope(window: dict[str, Any], target: str, warehouse: str) -> bool:
    return window["target"] == target and window["warehouse"] in (None, warehouse)


def add_planned(truth: dict[str, Any], windows: list[dict[str, Any]]) -> None:
    """Mark planned pairs and attempts in ``truth`` and add ``planned`` and
    ``slis_unplanned`` (the same counts as ``slis`` without them)."""
    deadline_ns = round(DEADLINE_S * NS_PER_S)
    events = {(e["source"], e["id"]): e for e in truth["events"]}
    fp = Counter[str]()
    lat = Counter[str]()
    api: dict[str, Counter[str]] = defaultdict(Counter)
    for pair in truth["pairs"]:
        event = events[(pair["source"], pair["id"])]
        scoped = [
            w for w in windows if _in_scope(w, pair["target"], warehouse_of(event["location"]))
        ]
        t = event["time_ns"]
        pair["planned"] = any(t < w["end_ns"] and t + deadline_ns > w["start_ns"] for w in scoped)
        for a in pair["attempts"]:
            a["planned"] = any(w["start_ns"] <= a["end_ns"] < w["end_ns"] for w in scoped)
            if not a["planned"]:
                api[pair["target"]]["total"] += 1
                api[pair["target"]]["failed"] += not a["success"]
        if pair["planned"]:
            continue
        if pair["attempts"]:
            fp["total"] += 1
            fp["good"] += pair["first_pass"]
        if pair["applied_ns"] is not None:
            lat["total"] += 1
            lat["good"] += pair["latency_s"] <= LATENCY_OBJECTIVE_S
    totals = Counter[str]()
    for counts in api.values():
        totals.update(counts)
    truth["planned"] = windows
    truth["slis_unplanned"] = {
        "first_pass": {"good": fp["good"], "total": fp["total"]},
        "latency": {"good": lat["good"], "total": lat["total"]},
        "api_failure": {
            "failed": totals["failed"],
            "total": totals["total"],
            "by_target": {t: dict(c) for t, c in sorted(api.items())},
        },
    }
