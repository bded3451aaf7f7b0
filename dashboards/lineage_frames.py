"""The lineage page's frames: a ``GET /lineage`` answer (SKU or order) as the
swimlane's events, attempts, snapshots and exceptions, and a trace view as
one row per span; pure functions, tested with hand-made answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dashboards.frames import iso_time, to_time
from dashboards.markup import plain

__all__ = [
    "INSTANCE_SEP",
    "LANE_ORDER",
    "LineageFrames",
    "attempt_mark",
    "lineage_frames",
    "trace_frame",
]

INSTANCE_SEP = " \u00b7 "  # "wms · dc-east": one sub-lane per system instance
LANE_ORDER = ("erp", "wms", "tpl", "commerce", "edi", "tms", "returns")


@dataclass(frozen=True)
class LineageFrames:
    """What the swimlane draws: one frame per kind of mark."""

    events: pd.DataFrame
    attempts: pd.DataFrame
    snapshots: pd.DataFrame
    exceptions: pd.DataFrame
    truncated: bool = False

    @property
    def empty(self) -> bool:
        return self.events.empty and self.attempts.empty and self.snapshots.empty

    def lanes(self) -> list[str]:
        """Systems seen, in :data:`LANE_ORDER`, then others by name; a system's
        instance sub-lanes ("wms · dc-east") right below it."""
        seen = {*self.events["lane"], *self.attempts["lane"], *self.snapshots["lane"]}

        def key(lane: str) -> tuple[int, str, str]:
            system = lane.split(INSTANCE_SEP)[0]
            rank = LANE_ORDER.index(system) if system in LANE_ORDER else len(LANE_ORDER)
            return rank, system, lane

        return sorted(seen, key=key)


def attempt_mark(attempt: Mapping[str, Any], *, extra_apply: bool) -> str:
    """How the swimlane marks one delivery attempt (plain words)."""
    if attempt.get("dead_lettered"):
        return "dead letter"
    if attempt.get("outcome") != "success":
        return "failed"
    if attempt.get("duplicate"):
        return "duplicate (ignored)"
    if extra_apply:
        return "double apply"
    if attempt.get("replay"):
        return "replay applied"
    if (attempt.get("attempt") or 1) > 1:
        return "retry applied"
    return "applied"


_EVENT_COLS = [
    "time",
    "lane",
    "event",
    "source",
    "type",
    "quantity",
    "stock_status",
    "location",
    "order_id",
    "label",
]
_ATTEMPT_COLS = [
    "time",
    "lane",
    "mark",
    "event",
    "event_time",
    "event_lane",
    "attempt",
    "error",
    "trace_id",
    "span_id",
    "label",
]
_SNAP_COLS = ["time", "lane", "instance", "quantity", "label"]
_EXC_COLS = ["time", "lane", "id", "kind", "status", "label"]


def _attempt_rows(event: Mapping[str, Any], lane: str | None) -> list[dict[str, Any]]:
    rows = []
    key = f"{event.get('source') or event.get('event_source')} {event.get('id') or event.get('event_id')}"
    event_time = iso_time(event.get("time"))
    for target in event.get("targets", ()):
        applied = 0
        for a in target["attempts"]:
            ok_apply = a["outcome"] == "success" and not a["duplicate"]
            mark = attempt_mark(a, extra_apply=ok_apply and applied >= 1)
            applied += int(ok_apply)
            error = a.get("error_type") or (
                f"HTTP {a['http_status']}" if a.get("http_status") else ""
            )
            rows.append(
                {
                    "time": iso_time(a.get("end") or a.get("start")),
                    "lane": plain(target["target"]),
                    "mark": mark,
                    "event": key,
                    "event_time": event_time,
                    "event_lane": lane,
                    "attempt": a.get("attempt"),
                    "error": error or "",
                    "trace_id": a.get("trace_id") or "",
                    "span_id": a.get("span_id") or "",
                    "label": f"{plain(target['target'])}: attempt {plain(a.get('attempt'))} {mark}"
                    + (f" ({plain(error)})" if error else "")
                    + f"<br>{plain(key)}",
                }
            )
    return rows


def lineage_frames(
    lineage: Mapping[str, Any],
    snapshots: Sequence[Mapping[str, Any]] = (),
    exceptions: Sequence[Mapping[str, Any]] = (),
) -> LineageFrames:
    """``sku_lineage``/``order_lineage`` + snapshot rows + exceptions -> frames."""
    events, attempts = [], []
    for e in lineage.get("events", ()):
        qty = e.get("quantity")
        events.append(
            {
                "time": iso_time(e["time"]),
                "lane": plain(e["system"]),
                "event": f"{e['source']} {e['id']}",
                "source": e["source"],
                "type": e["type"],
                "quantity": qty,
                "stock_status": e.get("stock_status"),
                "location": e.get("location"),
                "order_id": e.get("order_id"),
                "label": f"{plain(e['type'])} {qty:+g} {plain(e.get('stock_status') or '')}"
                f" at {plain(e.get('location'))}<br>{plain(e['source'])} {plain(e['id'])}"
                + (f"<br>order {plain(e['order_id'])}" if e.get("order_id") else ""),
            }
        )
        attempts += _attempt_rows(e, plain(e["system"]))
    for o in lineage.get("orphan_attempts", ()):
        attempts += _attempt_rows({**o, "time": None}, None)
    snaps: dict[tuple[str, str, int], list[Mapping[str, Any]]] = {}
    for s in snapshots:
        snaps.setdefault((s["system"], s.get("instance") or "", int(s["taken_ns"])), []).append(s)
    snap_rows = []
    for (system, instance, taken), rows in sorted(snaps.items()):
        on_hand = [r["quantity"] for r in rows if r["stock_status"] == "on_hand"]
        shown = sum(on_hand) if on_hand else sum(r["quantity"] for r in rows)
        detail = "<br>".join(
            f"{r['quantity']:g} {plain(r['stock_status'])} at {plain(r['location'])}" for r in rows
        )
        snap_rows.append(
            {
                "time": to_time(taken),
                "lane": plain(f"{system}{INSTANCE_SEP}{instance}" if instance else system),
                "instance": instance,
                "quantity": shown,
                "label": f"{plain(system)}/{plain(instance)} snapshot<br>{detail}",
            }
        )
    exc_rows = [
        {
            "time": to_time(int(x["opened_at_ns"])),
            "lane": "exceptions",
            "id": int(x["id"]),
            "kind": x["kind"],
            "status": x["status"],
            "label": f"#{x['id']} {x['kind']} ({x['status']})<br>{plain(x.get('reason') or '')}",
        }
        for x in exceptions
    ]
    return LineageFrames(
        events=pd.DataFrame(events, columns=_EVENT_COLS),
        attempts=pd.DataFrame(attempts, columns=_ATTEMPT_COLS),
        snapshots=pd.DataFrame(snap_rows, columns=_SNAP_COLS),
        exceptions=pd.DataFrame(exc_rows, columns=_EXC_COLS),
        truncated=bool(lineage.get("truncated")),
    )


# -- traces ---------------------------------------------------------------------


def trace_frame(view: Mapping[str, Any] | None) -> pd.DataFrame:
    """A ``trace_view`` -> one row per span, depth-first, linked traces after."""
    cols = [
        "trace",
        "span_id",
        "name",
        "service",
        "depth",
        "start",
        "end",
        "duration_s",
        "error",
        "linked",
        "label",
        "detail",
    ]
    if not view:
        return pd.DataFrame([], columns=cols)
    rows: list[dict[str, Any]] = []

    def walk(node: Mapping[str, Any], depth: int, trace: str, linked: bool) -> None:
        attrs = node.get("attributes") or {}
        keys = [
            k for k in sorted(attrs) if k.startswith(("sync.", "inventory.", "error.", "http."))
        ]
        service = node.get("service_name") or ""
        error = node.get("status_code") == 2
        rows.append(
            {
                "trace": trace,
                "span_id": node["span_id"],
                "name": node["name"],
                "service": service,
                "depth": depth,
                "start": to_time(int(node["start_ns"])),
                "end": to_time(int(node["end_ns"])),
                "duration_s": float(node["duration_s"]),
                "error": error,
                "linked": linked,
                "label": ("   " * depth)
                + plain(node["name"])
                + (f"  [{plain(service)}]" if service else ""),
                "detail": "<br>".join(f"{plain(k)} = {plain(attrs[k])}" for k in keys)
                + (f"<br>status: {plain(node.get('status_message') or 'ERROR')}" if error else ""),
            }
        )
        for child in sorted(node.get("children", ()), key=lambda c: c["start_ns"]):
            walk(child, depth + 1, trace, linked)

    for root in view.get("roots", ()):
        walk(root, 0, view["trace_id"], False)
    for linked_trace in view.get("linked_traces", ()):
        for root in linked_trace.get("roots", ()):
            walk(root, 0, linked_trace["trace_id"], True)
    return pd.DataFrame(rows, columns=cols)
