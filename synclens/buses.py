"""The message-bus consumers the settings ask for, wired to the collector."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Protocol

from prometheus_client import CollectorRegistry

from collector.api.deps import CollectorState
from collector.bus.amqp import AmqpConsumer, AmqpOptions
from collector.bus.jetstream import JetStreamConsumer, JetStreamOptions
from collector.bus.telemetry import BusMetrics, LagCollector
from synclens.settings import Settings

__all__ = ["BusConsumer", "bus_consumers", "running_buses"]


class BusConsumer(Protocol):
    lag: int | None

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def bus_consumers(
    settings: Settings, state: CollectorState, metrics: BusMetrics
) -> Iterator[tuple[str, BusConsumer]]:
    """(broker, consumer) for each bus with a URL configured."""
    nats = settings.nats
    if nats.url:
        options = JetStreamOptions(
            nats.url,
            stream=nats.stream,
            subject=nats.subject,
            durable=nats.durable,
            batch=nats.batch,
            ack_wait_s=nats.ack_wait_s,
        )
        yield "nats", JetStreamConsumer(state, options, metrics)
    amqp = settings.amqp
    if amqp.url:
        amqp_options = AmqpOptions(
            amqp.url.get_secret_value(),
            queue=amqp.queue,
            prefetch=amqp.prefetch,
            dead_letter_exchange=amqp.dead_letter_exchange,
        )
        yield "rabbitmq", AmqpConsumer(state, amqp_options, metrics)


def _lag_of(consumer: BusConsumer) -> Callable[[], int | None]:
    return lambda: consumer.lag


@asynccontextmanager
async def running_buses(
    settings: Settings, state: CollectorState, registry: CollectorRegistry, metrics: BusMetrics
) -> AsyncIterator[None]:
    """Consume from every configured bus (connecting and reconnecting in the
    background) while inside; on the way out each settles the batch under way."""
    consumers = list(bus_consumers(settings, state, metrics))
    lags = [LagCollector(broker, _lag_of(consumer)) for broker, consumer in consumers]
    for lag in lags:
        registry.register(lag)
    try:
        for _, consumer in consumers:
            await consumer.start()
        yield
    finally:
        for _, consumer in consumers:
            await consumer.stop()
        for lag in lags:
            registry.unregister(lag)
