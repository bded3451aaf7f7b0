"""Pure shaping: the query functions' dicts into the data frames the figures draw.

Nothing here reads a store or a clock; every function takes what it needs
and is unit-tested with plain dicts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from collector.timefmt import NS_PER_S
from metrics.exceptions.telemetry import AGE_BUCKETS, age_bucket
from metrics.slo import sli_counts
from metrics.slo.budget import good_ratio

__all__ = [
    "AGE_LABELS",
    "EXCEPTION_COLUMNS",
    "audit_frame",
    "backlog_frame",
    "burn_frame",
    "exceptions_frame",
    "iso_time",
    "mismatch_frame",
    "slo_frame",
    "target_frame",
    "to_time",
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
EXCEPTION_COLUMNS = (
    "id",
    "kind",
    "status",
    "severity",
    "error_class",
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


def iso_time(text: str | None) -> pd.Timestamp | None:
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


def mismatch_frame(
    counts: Iterable[tuple[str, str, str, int] | tuple[str, str, str, str, int]],
) -> pd.DataFrame:
    """``([system,] warehouse, channel, result, keys)`` of the latest run -> one
    row per ([system,] warehouse, channel) with compared, mismatched,
    transient and the rate (``system`` "" when not given: summed over systems)."""
    cells: dict[tuple[str, str, str], dict[str, int]] = {}
    for row in counts:
        system, (warehouse, channel, result, keys) = (
            (str(row[0]), row[1:]) if len(row) == 5 else ("", row)
        )
        cell = cells.setdefault(
            (system, str(warehouse), str(channel) or "all channels"),
            {"match": 0, "transient": 0, "mismatch": 0},
        )
        cell[str(result)] = cell.get(str(result), 0) + int(keys)
    rows = []
    for (system, warehouse, channel), c in sorted(cells.items()):
        compared = c["match"] + c["transient"] + c["mismatch"]
        rows.append(
            {
                "system": system,
                "warehouse": warehouse,
                "channel": channel,
                "compared": compared,
                "mismatched": c["mismatch"],
                "transient": c["transient"],
                "rate": c["mismatch"] / compared if compared else None,
            }
        )
    return pd.DataFrame(
        rows,
        columns=["system", "warehouse", "channel", "compared", "mismatched", "transient", "rate"],
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
            "error_class": (r.get("detail") or {}).get("error_class") or "",
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
