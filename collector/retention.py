"""Retention: delete raw spans and events older than configured, on the writer."""

from __future__ import annotations

import logging

import duckdb

from collector.queries import sql

__all__ = ["prune"]

log = logging.getLogger(__name__)


_ALL = 2**63 - 1


def prune(
    cur: duckdb.DuckDBPyConnection,
    *,
    spans_before_ns: int,
    events_before_ns: int,
    upto_seq: int | None = None,
) -> int:
    """Delete spans that ended, events (and duplicate records) that happened
    before the given times; returns the number of rows deleted.  With
    ``upto_seq`` (the lake's export watermark), spans and events of later
    group commits stay until they are exported.  Run it as a store task
    (``store.run_task``) so it never races the writer."""
    cur.begin()
    deleted = 0
    for name, before in (
        ("prune_spans", spans_before_ns),
        ("prune_events", events_before_ns),
        ("prune_duplicates", events_before_ns),
    ):
        params = {"before": before}
        if name != "prune_duplicates":
            params["upto_seq"] = _ALL if upto_seq is None else upto_seq
        row = cur.execute(sql(name), params).fetchone()
        deleted += int(row[0]) if row else 0
    cur.commit()
    log.info("retention: deleted %d rows", deleted)
    return deleted
