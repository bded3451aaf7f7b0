"""Prometheus exposition of the sync SLIs, computed at scrape time.

A scrape reads the small running-total tables that :mod:`metrics.facts`
keeps current (never the raw spans), so it stays fast at any data size.
Labels are low-cardinality only: target, outcome, kind, event type; a
target or event type the configuration does not name is counted under
``other`` (:class:`collector.labels.LabelBounds`).

Every series of a target exists from start-up at 0: each configured target
(from the routes) and each target seen in the store gets every
``outcome``/``kind``/``first_pass`` combination, every latency series of its
routed event types and its ``undelivered``/``dead_lettered`` gauges, so the
first failure is an increase from 0 that ``increase()`` sees, not a new
series that it cannot.  The zeros are filled in at scrape time from the
routes; no second copy of the counts is kept.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

import duckdb
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from collector.clock import Clock
from collector.labels import LabelBounds
from collector.queries import named
from collector.store import Store
from collector.timefmt import NS_PER_S
from metrics.facts import LATENCY_BOUNDS_S

sql = named("metrics.exposition")

__all__ = ["SyncMetrics"]

log = logging.getLogger(__name__)
_OUTCOMES = ("success", "failure")
_KINDS = ("first", "retry", "replay")


class SyncMetrics(Collector):
    """``synclens_sync_*``, ``synclens_undelivered`` and ``synclens_dead_lettered``."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        labels: LabelBounds | None = None,
        routed: Iterable[tuple[str, str]] = (),
    ) -> None:
        """``routed``: the configured ``(event_type, target)`` pairs, whose series
        are exposed at 0 before any traffic."""
        self._store = store
        self._clock = clock
        self._labels = labels or LabelBounds({})
        self._routed = frozenset(
            (self._labels.bound("event_type", e), self._target(t)) for e, t in routed
        )
        self._targets = frozenset(t for _, t in self._routed)

    def _target(self, value: str) -> str:
        return self._labels.bound("system", value)

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
        by_attempt: Counter[tuple[str, str, str]] = Counter()
        for target, outcome, kind, n in cur.execute(sql("expose_attempts")).fetchall():
            by_attempt[(self._target(target), outcome, kind)] += n
        seen = {t for t, _, _ in by_attempt}
        for target in self._targets | seen:  # every combination exists, at 0 if need be
            for outcome in _OUTCOMES:
                for kind in _KINDS:
                    by_attempt[(target, outcome, kind)] += 0
        for attempt_labels, n in sorted(by_attempt.items()):
            attempts.add_metric(list(attempt_labels), n)
        yield attempts

        pairs = CounterMetricFamily(
            "synclens_sync_pairs",
            "(event, target) pairs with at least one attempt, by whether the first attempt succeeded.",
            labels=["target", "first_pass"],
        )
        by_pair: Counter[tuple[str, str]] = Counter()
        for target, first_pass, n in cur.execute(sql("expose_pairs")).fetchall():
            by_pair[(self._target(target), "true" if first_pass else "false")] += n
        seen |= {t for t, _ in by_pair}
        for target in self._targets | seen:
            for first_pass in ("true", "false"):
                by_pair[(target, first_pass)] += 0
        for pair_labels, n in sorted(by_pair.items()):
            pairs.add_metric(list(pair_labels), n)
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
        for event_type, target in self._routed:  # a routed pair's series exist at 0
            counts.setdefault((target, event_type), [0] * (len(LATENCY_BOUNDS_S) + 1))
        for target, event_type, bucket, n, sum_ns in cur.execute(sql("expose_latency")).fetchall():
            key = (self._target(target), self._labels.bound("event_type", event_type))
            counts[key][min(int(bucket), len(LATENCY_BOUNDS_S))] += n
            sums[key] += sum_ns / NS_PER_S
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
        open_pairs: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for target, n_undelivered, n_dead in cur.execute(
            sql("expose_open_pairs"), {"now": self._clock()}
        ).fetchall():
            both = open_pairs[self._target(target)]
            both[0] += n_undelivered
            both[1] += n_dead
        for target in self._targets | seen:
            open_pairs.setdefault(target, [0, 0])  # its gauges exist at 0
        for target, (n_undelivered, n_dead) in sorted(open_pairs.items()):
            undelivered.add_metric([target], n_undelivered)
            dead.add_metric([target], n_dead)
        yield undelivered
        yield dead


def _le(bound: float) -> str:
    return repr(float(bound))
