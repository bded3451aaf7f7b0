"""Pure shaping: the query functions' dicts into the data frames the figures draw.

Nothing here reads a store or a clock; every function takes what it needs
and is unit-tested with plain dicts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from collector.timefmt import NS_PER_S
from dashboards.markup import plain
from metrics.exceptions.telemetry import AGE_BUCKETS, age_bucket
from metrics.slo import sli_counts
from metrics.slo.budget import good_ratio

__all__ = [
    "AGE_LABELS",
    "EXCEPTION_COLUMNS",
    "INSTANCE_SEP",
    "LANE_ORDER",
    "LineageFrames",
    "attempt_mark",
    "audit_frame",
    "backlog_frame",
    "burn_frame",
    "exceptions_frame",
    "lineage_frames",
    "mismatch_frame",
    "slo_frame",
    "target_frame",
    "to_time",
    "trace_frame",
    "trend_frame",
]

#: plain-words labels of the exception age buckets, youngest first
AGE_LABELS: dict[str, str] = {
    "lt_1h": "under 1 hour",
    "1h_4h": "1 to 4 hours",
    "4h_24h": "4 to 24 hours",
    "gt_24h": "over a day",
}
#: swimlane order: the systems of record first, then the channels, then the rest
INSTANCE_SEP = " \u00b7 "  # "wms · dc-east": one sub-lane per system instance
LANE_ORDER = ("erp", "wms", "tpl", "commerce", "edi", "tms", "returns")
EXCEPTION_COLUMNS = (
    "id",
    "kind",
    "status",
    "severity",
    "warehouse",
    "target",
    "sku",
    "location",
    "age_h",
    "opened_at",
    "owner_team",
    "reason",
)


def to_time(values: Any) -> Any:
    """Nanoseconds since the epoch (int, list or Series) -> UTC timestamps."""
    return pd.to_datetime(values, unit="ns", utc=True)


def _iso_time(text: str | None) -> pd.Timestamp | None:
    return None if text is None else pd.Timestamp(text)


# -- SLOs -----------------------------------------------------------------------


def slo_frame(
    evaluated: Sequence[Mapping[str, Any]],
    window_slis: Mapping[str, Any],
    guards: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """One row per SLO: its value over the picked window (``window_slis``: one
    ``compute_slis(...)["slis"]``; no value under the SLO's minimum traffic
    for that window, ``guards`` by SLO name, as ``GET /slos``), objective,
    budget left over its own window."""
    rows = []
    for slo in evaluated:
        counts = sli_counts(str(slo["sli"]), window_slis)
        guard = (guards or {}).get(str(slo["name"]), 0.0)
        value = None if counts is None else good_ratio(*counts, min_total=guard)
        rows.append(
            {
                "name": slo["name"],
                "title": slo.get("display_name") or slo["name"],
                "description": slo.get("description") or "",
                "sli": slo["sli"],
                "value": value,
                "good": None if counts is None else counts[1] - counts[0],
                "total": None if counts is None else counts[1],
                "objective": float(slo["objective"]),
                "slo_window": slo["window"],
                "budget_remaining": slo.get("error_budget_remaining"),
                "status": slo.get("status", "no_data"),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "name",
            "title",
            "description",
            "sli",
            "value",
            "good",
            "total",
            "objective",
            "slo_window",
            "budget_remaining",
            "status",
        ],
    )


def trend_frame(
    points: Iterable[tuple[int, Mapping[str, Any]]], slos: Sequence[Mapping[str, Any]]
) -> pd.DataFrame:
    """``(bucket end ns, slis of the bucket)`` -> rows of (time, name, value)."""
    rows = []
    for end_ns, slis in points:
        for slo in slos:
            counts = sli_counts(str(slo["sli"]), slis)
            if counts is None:
                continue  # this point does not measure this SLI
            rows.append(
                {
                    "time": to_time(end_ns),
                    "name": slo["name"],
                    "value": good_ratio(*counts),
                }
            )
    frame = pd.DataFrame(rows, columns=["time", "name", "value"])
    return frame.sort_values("time", kind="stable") if not frame.empty else frame


def burn_frame(evaluated: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per (SLO, alert window pair): both burn rates and the threshold."""
    rows = []
    for slo in evaluated:
        for alert in slo.get("alerts", ()):
            rows.append(
                {
                    "name": slo["name"],
                    "title": slo.get("display_name") or slo["name"],
                    "severity": alert["severity"],
                    "windows": f"{alert['long_window']} / {alert['short_window']}",
                    "long_burn_rate": alert["long_burn_rate"],
                    "short_burn_rate": alert["short_burn_rate"],
                    "threshold": float(alert["factor"]),
                    "firing": bool(alert["firing"]),
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "name",
            "title",
            "severity",
            "windows",
            "long_burn_rate",
            "short_burn_rate",
            "threshold",
            "firing",
        ],
    )


# -- SLIs by target, reconciliation, backlog -------------------------------------


def target_frame(groups: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """``compute_slis(..., by="target")["groups"]`` -> one row per target."""
    rows = []
    for target, g in sorted(groups.items()):
        lat, api = g.get("latency", {}), g.get("api_failure", {})
        rows.append(
            {
                "target": target,
                "p50_s": lat.get("p50_s"),
                "p95_s": lat.get("p95_s"),
                "p99_s": lat.get("p99_s"),
                "applied": int(lat.get("total") or 0),
                "attempts": int(api.get("total") or 0),
                "failed": int(api.get("failed") or 0),
                "failure_ratio": api.get("ratio"),
                "undelivered": int(g.get("undelivered") or 0),
                "dead_lettered": int(g.get("dead_lettered") or 0),
                "double_applies": int(g.get("double_applies") or 0),
                "replays": int(g.get("replays") or 0),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "target",
            "p50_s",
            "p95_s",
            "p99_s",
            "applied",
            "attempts",
            "failed",
            "failure_ratio",
            "undelivered",
            "dead_lettered",
            "double_applies",
            "replays",
        ],
    )


def mismatch_frame(counts: Iterable[tuple[str, str, str, int]]) -> pd.DataFrame:
    """``(warehouse, channel, result, keys)`` of the latest run -> one row per
    (warehouse, channel) with compared, mismatched, transient and the rate."""
    cells: dict[tuple[str, str], dict[str, int]] = {}
    for warehouse, channel, result, keys in counts:
        cell = cells.setdefault(
            (warehouse, channel or "all channels"), {"match": 0, "transient": 0, "mismatch": 0}
        )
        cell[result] = cell.get(result, 0) + int(keys)
    rows = []
    for (warehouse, channel), c in sorted(cells.items()):
        compared = c["match"] + c["transient"] + c["mismatch"]
        rows.append(
            {
                "warehouse": warehouse,
                "channel": channel,
                "compared": compared,
                "mismatched": c["mismatch"],
                "transient": c["transient"],
                "rate": c["mismatch"] / compared if compared else None,
            }
        )
    return pd.DataFrame(
        rows, columns=["warehouse", "channel", "compared", "mismatched", "transient", "rate"]
    )


def backlog_frame(unresolved: Iterable[tuple[str, int]], *, now_ns: int) -> pd.DataFrame:
    """``(kind, opened_at_ns)`` of unresolved exceptions -> counts per age bucket
    and kind (every bucket present, youngest first)."""
    counts: dict[tuple[str, str], int] = {}
    for kind, opened_ns in unresolved:
        key = (age_bucket(max(0.0, (now_ns - opened_ns) / NS_PER_S)), kind)
        counts[key] = counts.get(key, 0) + 1
    rows = [
        {"bucket": b, "age": AGE_LABELS[b], "kind": k, "count": n}
        for (b, k), n in sorted(counts.items(), key=lambda kv: (_bucket_rank(kv[0][0]), kv[0][1]))
    ]
    return pd.DataFrame(rows, columns=["bucket", "age", "kind", "count"])


def _bucket_rank(bucket: str) -> int:
    return [b for b, _ in AGE_BUCKETS].index(bucket)


# -- exceptions -----------------------------------------------------------------


def exceptions_frame(rows: Sequence[Mapping[str, Any]], *, now_ns: int) -> pd.DataFrame:
    """Exceptions (``ExceptionStore.search`` rows) -> the table's columns."""
    out = [
        {
            "id": int(r["id"]),
            "kind": r["kind"],
            "status": r["status"],
            "severity": r.get("severity"),
            "warehouse": r.get("warehouse") or "",
            "target": r.get("target") or "",
            "sku": r.get("sku") or "",
            "location": r.get("location") or "",
            "age_h": round(max(0, now_ns - int(r["opened_at_ns"])) / NS_PER_S / 3600, 2),
            "opened_at": to_time(int(r["opened_at_ns"])).strftime("%Y-%m-%d %H:%M:%S UTC"),
            "owner_team": r.get("owner_team") or "",
            "reason": r.get("reason") or "",
        }
        for r in rows
    ]
    return pd.DataFrame(out, columns=list(EXCEPTION_COLUMNS))


def audit_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The audit log of one exception, oldest first."""
    out = [
        {
            "when": to_time(int(r["at_ns"])).strftime("%Y-%m-%d %H:%M:%S UTC"),
            "action": str(r["action"]).replace("_", " "),
            "from": r.get("from_status") or "",
            "to": r.get("to_status") or "",
            "by": r.get("by") or "",
            "note": r.get("note") or "",
        }
        for r in rows
    ]
    return pd.DataFrame(out, columns=["when", "action", "from", "to", "by", "note"])


# -- lineage --------------------------------------------------------------------


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
    event_time = _iso_time(event.get("time"))
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
                    "time": _iso_time(a.get("end") or a.get("start")),
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
                "time": _iso_time(e["time"]),
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
