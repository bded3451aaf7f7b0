"""The collector's own Prometheus metrics (SPEC 6, ingest part).

Counters live on an injected registry, never the global one.  The queue
depth is read from the store at scrape time.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterator

import pyarrow as pa
from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from collector.decoding import Decoder
from collector.labels import LabelBounds
from collector.store import Store, WriteResult

__all__ = ["IngestMetrics", "PipelineHealthCollector", "QueueDepthCollector", "count_stored_events"]


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


def count_stored_events(
    metrics: IngestMetrics, table: pa.Table, result: WriteResult, labels: LabelBounds
) -> None:
    """Count a committed table of events, whichever door it came in by:
    received by source system and type, duplicates by source system, each
    label bounded by the configuration (``other`` else).  Grouped by Arrow,
    not per event in Python (this runs on the event loop)."""
    counts = table.group_by(["system", "type"]).aggregate([([], "count_all")])
    bound = labels.bound
    received: Tally[tuple[str, str]] = Tally()
    for system, event_type, n in zip(
        counts["system"].to_pylist(),
        counts["type"].to_pylist(),
        counts["count_all"].to_pylist(),
        strict=True,
    ):
        received[(bound("system", system), bound("event_type", event_type))] += n
    for (system, event_type), n in received.items():
        metrics.events_received.labels(source_system=system, event_type=event_type).inc(n)
    if result.duplicate_rows:
        systems = table["system"].to_pylist()
        duplicates = Tally(bound("system", systems[i]) for i in result.duplicate_rows)
        for system, n in duplicates.items():
            metrics.events_duplicate.labels(source_system=system).inc(n)


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


class PipelineHealthCollector(Collector):
    """Faults the service healed or reports: decode processes replaced,
    commits and checkpoints the disk refused, read at scrape time."""

    def __init__(self, store: Store, decoder: Decoder) -> None:
        self._store = store
        self._decoder = decoder

    def collect(self) -> Iterator[Metric]:
        yield CounterMetricFamily(
            "synclens_decode_restarts",
            "Decode process pools replaced because a decode process died.",
            value=self._decoder.restarts,
        )
        yield CounterMetricFamily(
            "synclens_store_write_failures",
            "Store commits and checkpoints that failed on the disk (full, I/O error).",
            value=self._store.write_failures,
        )
        failing = self._store.write_error is not None or self._store.fatal_error is not None
        yield GaugeMetricFamily(
            "synclens_store_write_failing",
            "1 while the store's last commit failed on the disk (ingest answers 503), else 0.",
            value=1 if failing else 0,
        )
