"""The collector's own Prometheus metrics (SPEC 6, ingest part).

Counters live on an injected registry, never the global one.  The queue
depth is read from the store at scrape time.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from collector.store import Store

__all__ = ["IngestMetrics", "QueueDepthCollector"]


class IngestMetrics:
    """What ingest counts: received, duplicate and rejected items."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.events_received = Counter(
            "synclens_events_received",
            "CloudEvents accepted (new or duplicate), by source system and type.",
            ["source_system", "event_type"],
            registry=registry,
        )
        self.events_duplicate = Counter(
            "synclens_events_duplicate",
            "CloudEvents received again with a known source + id (stored once).",
            ["source_system"],
            registry=registry,
        )
        self.events_rejected = Counter(
            "synclens_events_rejected",
            "CloudEvents and spans rejected, by reason code.",
            ["reason"],
            registry=registry,
        )
        self.spans_received = Counter(
            "synclens_spans_received",
            "Spans accepted (new or duplicate).",
            registry=registry,
        )
        self.spans_duplicate = Counter(
            "synclens_spans_duplicate",
            "Spans received again with a known trace id + span id (stored once).",
            registry=registry,
        )
        self.spans_rejected = Counter(
            "synclens_spans_rejected",
            "Spans rejected individually (partial success).",
            registry=registry,
        )
        self.requests_rejected = Counter(
            "synclens_ingest_requests_rejected",
            "Ingest requests refused whole, by HTTP status code.",
            ["endpoint", "code"],
            registry=registry,
        )
        self.native_declined = Counter(
            "synclens_otlp_native_declined",
            "OTLP protobuf bodies the native decoder handed back to the Python decoder "
            "(outside the common case it handles: malformed, a span to reject, merged fields).",
            registry=registry,
        )
        self.dropped = Counter(
            "synclens_ingest_dropped",
            "Items refused because the ingest queue was full (client told to retry).",
            registry=registry,
        )


class QueueDepthCollector(Collector):
    """``synclens_ingest_queue_depth``: rows waiting for the store's writer."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(
            "synclens_ingest_queue_depth",
            "Rows queued for the store's writer, not yet committed.",
            value=self._store.queue_rows,
        )
