"""CloudEvents from a RabbitMQ queue (AMQP 0-9-1).

The consumer takes up to ``amqp.prefetch`` unacknowledged messages at a time
(basic.qos), gathers what has arrived into one batch for
:func:`collector.bus.intake.take_events` and settles each message after the
commit: ``ack`` for a stored event or a duplicate; a message that is not a
valid CloudEvent is logged with its reason, counted, and either published to
``amqp.dead_letter_exchange`` (with the reason in an ``x-synclens-reason``
header, publisher-confirmed) and acknowledged, or, without one, rejected
without requeue (RabbitMQ then dead-letters it by the queue's own
``x-dead-letter-exchange``, or drops it).  When the store pushes back, the
batch is requeued after ``ingest.retry_after_s``.

Messages follow the CloudEvents AMQP protocol binding: structured mode (the
body is the JSON event, ``content-type: application/cloudevents+json``) or
binary mode (the context attributes are application properties prefixed
``cloudEvents:`` or, as JMS-compatible brokers need, ``cloudEvents_``; the
body is ``data``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Mapping

import aio_pika
import aio_pika.exceptions
import aiormq.exceptions
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage

from collector.api.deps import CollectorState
from collector.bus.consumer import Consumer
from collector.bus.intake import BusMessage, StoreBusy, take_events
from collector.bus.telemetry import BusMetrics

__all__ = ["AmqpConsumer", "AmqpOptions", "bus_message"]

log = logging.getLogger(__name__)

_BROKER = "rabbitmq"
_LAG_EVERY_S = 2.0
_PREFIXES = ("cloudevents:", "cloudevents_")


class AmqpOptions:
    """Where to consume from (``amqp.*`` settings)."""

    def __init__(
        self, url: str, *, queue: str, prefetch: int = 100, dead_letter_exchange: str | None = None
    ) -> None:
        self.url, self.queue, self.prefetch = url, queue, prefetch
        self.dead_letter_exchange = dead_letter_exchange


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dt.datetime):  # an AMQP timestamp
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return str(value)


def bus_message(headers: Mapping[str, object], content_type: str | None, body: bytes) -> BusMessage:
    """The AMQP binding's message as the intake's: ``cloudEvents:x`` and
    ``cloudEvents_x`` application properties become ``ce-x``."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        lowered = name.lower()
        for prefix in _PREFIXES:
            if lowered.startswith(prefix):
                out[f"ce-{lowered[len(prefix) :]}"] = _text(value)
                break
    if content_type:
        out["content-type"] = content_type
    return BusMessage(out, body)


class AmqpConsumer(Consumer):
    """The consumer of ``options.queue``, in a task of the event loop; on
    :meth:`stop`, messages prefetched but not yet taken go back to the queue."""

    name = _BROKER
    _errors = (aio_pika.exceptions.AMQPException, aiormq.exceptions.AMQPError, OSError)

    def __init__(self, state: CollectorState, options: AmqpOptions, metrics: BusMetrics):
        super().__init__(state, metrics)
        self._options = options

    async def _session(self) -> None:
        connection = await aio_pika.connect_robust(self._options.url, timeout=5)
        try:
            await self._consume(await connection.channel())
        finally:
            with contextlib.suppress(*self._errors):
                await connection.close()

    async def _consume(self, channel: AbstractChannel) -> None:
        opts = self._options
        await channel.set_qos(prefetch_count=opts.prefetch)
        queue = await channel.declare_queue(opts.queue, passive=True)  # the middleware's
        arrived: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        tag = await queue.consume(arrived.put)
        log.info(
            "consuming CloudEvents from AMQP queue %s (prefetch %d)", opts.queue, opts.prefetch
        )
        lag_at = 0.0
        try:
            while not self._stopping.is_set():
                loop = asyncio.get_running_loop()
                if loop.time() >= lag_at:  # ready messages, as the broker counts them
                    declared = await channel.declare_queue(opts.queue, passive=True)
                    self.lag = declared.declaration_result.message_count or 0
                    lag_at = loop.time() + _LAG_EVERY_S
                try:
                    first = await asyncio.wait_for(arrived.get(), 0.5)
                except TimeoutError:
                    continue
                batch = [first]
                while len(batch) < opts.prefetch and not arrived.empty():
                    batch.append(arrived.get_nowait())
                await self._settle(channel, batch)
        finally:
            with contextlib.suppress(Exception):
                await queue.cancel(tag)
            while not arrived.empty():  # prefetched, not taken: back to the queue
                with contextlib.suppress(Exception):
                    await arrived.get_nowait().nack(requeue=True)

    async def _settle(self, channel: AbstractChannel, msgs: list[AbstractIncomingMessage]) -> None:
        count = self._metrics.messages.labels
        messages = [bus_message(m.headers or {}, m.content_type, m.body) for m in msgs]
        try:
            taken = await take_events(self._state, messages)
        except StoreBusy as exc:
            log.warning("AMQP: %d message(s) requeued: %s", len(msgs), exc)
            await asyncio.sleep(self._state.retry_after_s)
            for m in msgs:
                await m.nack(requeue=True)
            count(_BROKER, "redelivered").inc(len(msgs))
            return
        for i, (m, outcome) in enumerate(zip(msgs, taken.outcomes, strict=True)):
            if outcome != "bad":
                await m.ack()
                count(_BROKER, outcome).inc()
                continue
            reason = taken.reasons[i]
            log.warning(
                "AMQP: rejected message %s of queue %s: %s",
                m.message_id,
                self._options.queue,
                reason,
            )
            await self._dead_letter(channel, m, reason)
            count(_BROKER, "terminated").inc()

    async def _dead_letter(
        self, channel: AbstractChannel, m: AbstractIncomingMessage, reason: str
    ) -> None:
        exchange_name = self._options.dead_letter_exchange
        if exchange_name is None:
            await m.reject(requeue=False)  # the queue's own dead-lettering, if any
            return
        exchange = await channel.get_exchange(exchange_name, ensure=False)
        await exchange.publish(
            aio_pika.Message(
                m.body,
                headers={**(m.headers or {}), "x-synclens-reason": reason[:1000]},
                content_type=m.content_type,
                message_id=m.message_id,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=m.routing_key or "",
        )
        await m.ack()
