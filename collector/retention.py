"""Retention: delete raw spans and events older than configured, on the writer."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb

from collector.queries import sql

__all__ = ["HotHorizon", "prune"]

log = logging.getLogger(__name__)


_ALL = 2**63 - 1


@dataclass(frozen=True, slots=True)
class HotHorizon:
    """With a lake, what hot retention may delete: spans, events and pair
    facts older than ``days`` once the lake holds them (each table's export
    watermark: events and spans of group commits up to ``exported_seq`` and
    ``spans_exported_seq``, pair facts of events up to ``facts_exported_ns``);
    duplicate records, which the lake does not hold, stay ``duplicates_days``
    (the lake's retention)."""

    days: int
    exported_seq: int
    facts_exported_ns: int
    spans_exported_seq: int
    duplicates_days: int


def prune(
    cur: duckdb.DuckDBPyConnection,
    *,
    spans_before_ns: int,
    events_before_ns: int,
    upto_seq: int | None = None,
    duplicates_before_ns: int | None = None,
    spans_upto_seq: int | None = None,
) -> int:
    """Delete spans that ended, events (and duplicate records) that happened
    before the given times; returns the number of rows deleted.  With
    ``upto_seq`` (the lake's export watermark), spans and events of later
    group commits stay until they are exported (spans: ``spans_upto_seq``
    when given, the spans table's own watermark), and the hot horizon of spans
    and events moves to the times given (two-tier reads take the lake's rows
    before it).  Run it as a store task (``store.run_task``) so it never
    races the writer."""
    cur.begin()
    deleted = 0
    for name, before in (
        ("prune_spans", spans_before_ns),
        ("prune_events", events_before_ns),
        (
            "prune_duplicates",
            events_before_ns if duplicates_before_ns is None else duplicates_before_ns,
        ),
    ):
        params = {"before": before}
        upto = spans_upto_seq if name == "prune_spans" and spans_upto_seq is not None else upto_seq
        if name != "prune_duplicates":
            params["upto_seq"] = _ALL if upto is None else upto
        row = cur.execute(sql(name), params).fetchone()
        deleted += int(row[0]) if row else 0
    if upto_seq is not None:
        for name, before in (("spans", spans_before_ns), ("events", events_before_ns)):
            cur.execute(sql("hot_horizon_set"), {"name": name, "before": before})
    cur.commit()
    log.info("retention: deleted %d rows", deleted)
    return deleted
