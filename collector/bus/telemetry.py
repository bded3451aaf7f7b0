"""What the bus consumers count: messages by outcome, and the consumer lag."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

__all__ = ["BusMetrics", "LagCollector"]


class BusMetrics:
    """``synclens_bus_messages_total{broker, outcome}``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.messages = Counter(
            "synclens_bus_messages",
            "Bus messages settled, by broker and outcome: stored, duplicate (its event "
            "was stored before), terminated (not a valid CloudEvent: never redelivered), "
            "redelivered (the store pushed back: handed back to the broker for later).",
            ["broker", "outcome"],
            registry=registry,
        )


class LagCollector(Collector):
    """``synclens_bus_consumer_lag{broker}``: messages on the broker for
    synclens's consumer not yet delivered to it, as the broker said last
    (read at scrape time from ``lag()``; absent until known)."""

    def __init__(self, broker: str, lag: Callable[[], int | None]) -> None:
        self._broker = broker
        self._lag = lag

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "synclens_bus_consumer_lag",
            "Messages waiting on the broker for synclens's consumer, not yet delivered.",
            labels=["broker"],
        )
        lag = self._lag()
        if lag is not None:
            family.add_metric([self._broker], lag)
        yield family
