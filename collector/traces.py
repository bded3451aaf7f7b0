"""SPEC 5 ``GET /traces/{trace_id}``: a trace's span tree, links followed."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import duckdb
import pyarrow as pa

from collector.otlp.common import span_attributes
from collector.queries import dict_rows, sql
from collector.timefmt import NS_PER_S, iso

__all__ = ["trace_view"]


def trace_view(cur: duckdb.DuckDBPyConnection, trace_id: str) -> dict[str, Any] | None:
    """SPEC 5 ``GET /traces/{trace_id}``: the span tree, with links followed one
    hop both ways (the producer a consumer links to, consumers linking here)."""
    trace_id = trace_id.lower()
    spans = _trace_spans(cur, [trace_id])
    if not spans:
        return None
    linked_ids: set[str] = set()
    for span in spans:
        for link in span["links"] or ():
            linked_ids.add(link["trace_id"])
    linked_ids |= {
        r[0] for r in cur.execute(sql("trace_linked_from"), {"trace_id": trace_id}).fetchall()
    }
    linked_ids.discard(trace_id)
    linked = _trace_spans(cur, sorted(linked_ids)) if linked_ids else []
    by_trace: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for span in linked:
        by_trace[span["trace_id"]].append(span)
    return {
        "trace_id": trace_id,
        "spans": len(spans),
        "roots": _tree(spans),
        "linked_traces": [{"trace_id": t, "roots": _tree(s)} for t, s in sorted(by_trace.items())],
    }


def _trace_spans(cur: duckdb.DuckDBPyConnection, trace_ids: list[str]) -> list[dict[str, Any]]:
    cur.register("wanted", pa.table({"trace_id": trace_ids}))
    try:
        rows = dict_rows(cur.execute(sql("trace_spans")))
    finally:
        cur.unregister("wanted")
    for row in rows:
        for key in ("resource", "scope_attributes", "links", "span_events"):
            row[key] = json.loads(row[key]) if row[key] else None
        row["attributes"] = span_attributes(row["attributes"], row)
        row["start"] = iso(row["start_ns"])
        row["end"] = iso(row["end_ns"])
        row["duration_s"] = (row["end_ns"] - row["start_ns"]) / NS_PER_S
    return rows


def _tree(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    nodes = {s["span_id"]: {**s, "children": []} for s in spans}
    roots: list[dict[str, Any]] = []
    for node in nodes.values():
        parent = nodes.get(node["parent_span_id"] or "")
        (parent["children"] if parent else roots).append(node)
    return roots
