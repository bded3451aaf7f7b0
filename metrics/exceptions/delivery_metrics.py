"""Per-sink delivery state of exception events, read at scrape time.

- ``synclens_event_sink_pending{sink}``: events not yet delivered;
- ``synclens_event_sink_oldest_pending_age_seconds{sink}``: how long ago the
  oldest of them happened (0 when none); ``SynclensEventSinkBehind`` fires on it;
- ``synclens_event_sink_delivered_total{sink}``, ``synclens_event_sink_failures_total{sink}``:
  events delivered and failed attempts;
- ``synclens_event_sink_retrying{sink}``: failed attempts since the last delivery.

``sink`` is a configured sink's name (a handful), never an event or exception id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from metrics.exceptions.delivery import Delivery

__all__ = ["DeliveryMetrics"]

log = logging.getLogger(__name__)
_NS = 1_000_000_000


class DeliveryMetrics(Collector):
    def __init__(self, delivery: Delivery, clock: Callable[[], int]) -> None:
        self._delivery = delivery
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        try:
            states = self._delivery.states()
        except SQLAlchemyError:
            log.warning("event sink state unavailable for this scrape", exc_info=True)
            return
        now = self._clock()
        pending = GaugeMetricFamily(
            "synclens_event_sink_pending", "Exception events not yet delivered to the sink.",
            labels=["sink"],
        )  # fmt: skip
        age = GaugeMetricFamily(
            "synclens_event_sink_oldest_pending_age_seconds",
            "Age of the oldest exception event not yet delivered to the sink (0: none).",
            labels=["sink"],
        )
        delivered = CounterMetricFamily(
            "synclens_event_sink_delivered", "Exception events delivered to the sink.",
            labels=["sink"],
        )  # fmt: skip
        failures = CounterMetricFamily(
            "synclens_event_sink_failures", "Failed delivery attempts to the sink.",
            labels=["sink"],
        )  # fmt: skip
        retrying = GaugeMetricFamily(
            "synclens_event_sink_retrying",
            "Failed delivery attempts to the sink since its last delivery.",
            labels=["sink"],
        )
        for s in states:
            pending.add_metric([s.name], s.pending)
            oldest = 0.0 if s.oldest_pending_ns is None else (now - s.oldest_pending_ns) / _NS
            age.add_metric([s.name], max(oldest, 0.0))
            delivered.add_metric([s.name], s.delivered)
            failures.add_metric([s.name], s.failures)
            retrying.add_metric([s.name], s.attempts)
        yield from (pending, age, delivered, failures, retrying)
