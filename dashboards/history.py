"""The lineage history table: one row per event and target, from the lineage API's answer.

Pure functions of ``GET /api/v1/lineage`` / ``GET /api/v1/orders/{id}/lineage``
(the ``raw`` the queries return), so the table and the API cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from dashboards.components import PREFIX

__all__ = ["COLUMNS", "STATE_WORDS", "column_defs", "history_rows", "is_problem", "trace_href"]

#: a target's delivery state in plain words (the API's ``state``)
STATE_WORDS = {
    "applied": "applied",
    "dead_lettered": "dead letter",
    "undelivered": "not delivered in time",
    "pending": "pending",
}
#: (field, header) of each column, in order
COLUMNS: tuple[tuple[str, str], ...] = (
    ("time", "event time (UTC)"),
    ("event", "event"),
    ("source", "source"),
    ("type", "type"),
    ("quantity", "quantity"),
    ("sequence", "sequence"),
    ("target", "target"),
    ("state", "state"),
    ("latency_s", "latency (s)"),
    ("attempts", "attempts"),
    ("retries", "retries"),
    ("dead_letter", "dead letter"),
    ("replay", "replay"),
    ("error", "error"),
    ("trace", "trace"),
)
_NUMERIC = {"quantity", "sequence", "latency_s", "attempts", "retries"}


def trace_href(params: Mapping[str, str], trace_id: str) -> str:
    """The lineage page for the same search with ``trace_id`` open."""
    return PREFIX + "lineage?" + urlencode({**params, "trace": trace_id})


def _error(attempts: Sequence[Mapping[str, Any]]) -> str:
    for a in reversed(attempts):
        if a.get("outcome") != "success":
            err = a.get("error_type") or (
                f"HTTP {a['http_status']}" if a.get("http_status") else ""
            )
            return str(err or a.get("status_message") or "failed")
    return ""


def _trace(attempts: Sequence[Mapping[str, Any]]) -> str:
    """The trace of the attempt that tells most: the last failure, else the last attempt."""
    failed = [a for a in attempts if a.get("outcome") != "success" and a.get("trace_id")]
    traced = failed or [a for a in attempts if a.get("trace_id")]
    return str(traced[-1]["trace_id"]) if traced else ""


def history_rows(raw: Mapping[str, Any], params: Mapping[str, str]) -> list[dict[str, Any]]:
    """One row per (event, target) of ``raw``'s events, newest first; an event
    no target was expected to receive gets one row without a target."""
    rows: list[dict[str, Any]] = []
    for e in raw.get("events", ()):
        base = {
            "time": str(e.get("time") or "").replace("T", " ").rstrip("Z")[:23],
            "event": f"{e['source']} {e['id']}",
            "source": e["source"],
            "type": e["type"],
            "quantity": e.get("quantity"),
            "sequence": e.get("sequence"),
        }
        targets = e.get("targets") or [None]
        for t in targets:
            if t is None:
                rows.append(
                    {
                        **base,
                        "target": "",
                        "state": "no target",
                        "latency_s": None,
                        "attempts": 0,
                        "retries": 0,
                        "dead_letter": "",
                        "replay": "",
                        "error": "",
                        "trace": "",
                        "trace_id": "",
                        "problem": False,
                    }
                )
                continue
            attempts = t.get("attempts") or []
            trace_id = _trace(attempts)
            latency = t.get("latency_s")
            row = {
                **base,
                "target": t["target"],
                "state": STATE_WORDS.get(t["state"], str(t["state"])),
                "latency_s": None if latency is None else round(float(latency), 3),
                "attempts": len(attempts),
                "retries": max(0, len(attempts) - 1),
                "dead_letter": "yes" if t["state"] == "dead_lettered" else "",
                "replay": "yes" if any(a.get("replay") for a in attempts) else "",
                "error": _error(attempts),
                "trace": f"[open trace]({trace_href(params, trace_id)})" if trace_id else "",
                "trace_id": trace_id,
            }
            row["problem"] = is_problem(t, row["error"])
            rows.append(row)
    rows.sort(key=lambda r: r["time"], reverse=True)
    return rows


def is_problem(target: Mapping[str, Any], error: str) -> bool:
    """Worth an integration lead's look: not delivered, dead-lettered, a failed
    attempt, applied twice, or slower than its objective."""
    return (
        target.get("state") in ("dead_lettered", "undelivered")
        or bool(error)
        or bool(target.get("double_apply"))
        or target.get("within_objective") is False
    )


def column_defs() -> list[dict[str, Any]]:
    """AG Grid column definitions: sortable and filterable, numbers as numbers."""
    defs: list[dict[str, Any]] = []
    for field, header in COLUMNS:
        col: dict[str, Any] = {"field": field, "headerName": header}
        if field in _NUMERIC:
            col["type"] = "numericColumn"
            col["filter"] = "agNumberColumnFilter"
        if field == "trace":
            col["cellRenderer"] = "markdown"
            col["sortable"] = False
        if field == "time":
            col["sort"] = "desc"
        defs.append(col)
    return defs
