"""``synclens_reconciliation_last_run_timestamp_seconds``, read at scrape time.

The operational alert ``SynclensReconciliationNotRun`` needs to know when
reconciliation last ran; this collector reads the newest row of
``reconciliation_runs`` on each scrape and exports nothing before the
first run (the alert treats an absent series as "never ran").
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import duckdb
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from collector.store import Store
from metrics.sql import sql

__all__ = ["ReconciliationRunMetrics"]

log = logging.getLogger(__name__)
_NS = 1_000_000_000


class ReconciliationRunMetrics(Collector):
    def __init__(self, store: Store) -> None:
        self._store = store

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "synclens_reconciliation_last_run_timestamp_seconds",
            "When the latest reconciliation run happened (Unix time); absent before the first.",
        )
        try:
            with self._store.reader() as cur:
                row = cur.execute(sql("recon_runs"), {"limit": 1}).fetchone()
        except duckdb.Error:
            log.warning("reconciliation run time unavailable for this scrape", exc_info=True)
            return
        if row is not None:
            family.add_metric([], row[1] / _NS)
        yield family
