"""Prometheus exposition of the sync SLIs, computed at scrape time.

A scrape reads the small running-total tables that :mod:`metrics.facts`
keeps current (never the raw spans), so it stays fast at any data size.
Labels are low-cardinality only: target, outcome, kind, event type.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator

import duckdb
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from collector.clock import Clock
from collector.queries import named
from collector.store import Store
from collector.timefmt import NS_PER_S
from metrics.facts import LATENCY_BOUNDS_S

sql = named("metrics.exposition")

__all__ = ["SyncMetrics"]

log = logging.getLogger(__name__)


class SyncMetrics(Collector):
    """``synclens_sync_*``, ``synclens_undelivered`` and ``synclens_dead_lettered``."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        try:
            with self._store.reader() as cur:
                yield from self._collect(cur)
        except duckdb.Error:
            # a scrape must not fail whole because the store is closing
            log.warning("sync metrics unavailable for this scrape", exc_info=True)

    def _collect(self, cur: duckdb.DuckDBPyConnection) -> Iterator[Metric]:
        attempts = CounterMetricFamily(
            "synclens_sync_attempts",
            "Delivery attempts by target, outcome (success|failure) and kind (first|retry|replay).",
            labels=["target", "outcome", "kind"],
        )
        for target, outcome, kind, n in cur.execute(sql("expose_attempts")).fetchall():
            attempts.add_metric([target, outcome, kind], n)
        yield attempts

        pairs = CounterMetricFamily(
            "synclens_sync_pairs",
            "(event, target) pairs with at least one attempt, by whether the first attempt succeeded.",
            labels=["target", "first_pass"],
        )
        for target, first_pass, n in cur.execute(sql("expose_pairs")).fetchall():
            pairs.add_metric([target, "true" if first_pass else "false"], n)
        yield pairs

        latency = HistogramMetricFamily(
            "synclens_sync_latency_seconds",
            "Time from the event to its first successful application at the target.",
            labels=["target", "event_type"],
        )
        counts: dict[tuple[str, str], list[int]] = defaultdict(
            lambda: [0] * (len(LATENCY_BOUNDS_S) + 1)
        )
        sums: dict[tuple[str, str], float] = defaultdict(float)
        for target, event_type, bucket, n, sum_ns in cur.execute(sql("expose_latency")).fetchall():
            counts[(target, event_type)][min(int(bucket), len(LATENCY_BOUNDS_S))] += n
            sums[(target, event_type)] += sum_ns / NS_PER_S
        for key, per_bucket in sorted(counts.items()):
            cumulative, buckets = 0, []
            for bound, n in zip((*LATENCY_BOUNDS_S, float("inf")), per_bucket, strict=True):
                cumulative += n
                buckets.append(("+Inf" if bound == float("inf") else _le(bound), cumulative))
            latency.add_metric(list(key), buckets, sums[key])
        yield latency

        undelivered = GaugeMetricFamily(
            "synclens_undelivered",
            "(event, target) pairs past their delivery deadline with no successful attempt.",
            labels=["target"],
        )
        dead = GaugeMetricFamily(
            "synclens_dead_lettered",
            "(event, target) pairs whose last dead letter was not followed by a success.",
            labels=["target"],
        )
        for target, n_undelivered, n_dead in cur.execute(
            sql("expose_open_pairs"), {"now": self._clock()}
        ).fetchall():
            undelivered.add_metric([target], n_undelivered)
            dead.add_metric([target], n_dead)
        yield undelivered
        yield dead


def _le(bound: float) -> str:
    return repr(float(bound))
