"""Prometheus collectors of SPEC 6's sync metrics, computed at scrape time."""

from metrics.exposition.sync import SyncMetrics

__all__ = ["SyncMetrics"]
