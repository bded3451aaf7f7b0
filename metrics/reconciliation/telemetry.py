"""Reconciliation gauges, read from the stored runs at scrape time (SPEC 6).

- ``synclens_reconciliation_keys{warehouse,channel,result}``: the keys
  compared in the latest run, every result present (0 included); a
  warehouse or channel the configuration does not name is counted under
  ``other`` (:class:`collector.labels.LabelBounds`);
- ``synclens_reconciliation_last_run_timestamp_seconds``: when the latest
  run happened; absent before the first (the operational alert
  ``SynclensReconciliationNotRun`` treats an absent series as "never ran").
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import duckdb
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from collector.labels import LabelBounds
from collector.store import Store
from collector.timefmt import NS_PER_S
from metrics.reconciliation.results import latest_counts, runs

__all__ = ["ReconciliationMetrics"]

log = logging.getLogger(__name__)
_RESULTS = ("match", "transient", "mismatch")


class ReconciliationMetrics(Collector):
    def __init__(self, store: Store, labels: LabelBounds | None = None) -> None:
        self._store = store
        self._labels = labels or LabelBounds({})

    def collect(self) -> Iterator[Metric]:
        keys = GaugeMetricFamily(
            "synclens_reconciliation_keys",
            "Keys compared in the latest reconciliation, by warehouse, channel and result.",
            labels=["warehouse", "channel", "result"],
        )
        last_run = GaugeMetricFamily(
            "synclens_reconciliation_last_run_timestamp_seconds",
            "When the latest reconciliation run happened (Unix time); absent before the first.",
        )
        try:
            with self._store.reader() as cur:
                counts = latest_counts(cur)
                latest = runs(cur, limit=1)
        except duckdb.Error:
            log.warning("reconciliation results unavailable for this scrape", exc_info=True)
            return
        seen: dict[tuple[str, str], dict[str, int]] = {}
        bound = self._labels.bound
        for warehouse, channel, result, n in counts:
            key = (bound("warehouse", warehouse), bound("channel", channel))
            seen.setdefault(key, dict.fromkeys(_RESULTS, 0))[result] += n
        for (warehouse, channel), by_result in sorted(seen.items()):
            for result, n in by_result.items():
                keys.add_metric([warehouse, channel, result], n)
        yield keys
        if latest:
            last_run.add_metric([], latest[0]["now_ns"] / NS_PER_S)
            yield last_run
