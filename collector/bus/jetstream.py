"""CloudEvents from NATS JetStream: a durable pull consumer.

The consumer (``nats.durable`` on ``nats.stream``, filtered by
``nats.subject``) fetches up to ``nats.batch`` messages at a time, hands them
to :func:`collector.bus.intake.take_events` and settles each one after the
commit: ``ack`` for a stored event or a duplicate, ``term`` for a message that
is not a valid CloudEvent (logged with its reason and counted: the broker
never redelivers it, and it holds up nothing behind it).  When the store
pushes back, the batch is ``nak``-ed with a delay of ``ingest.retry_after_s``
and comes back later.  A crash between the commit and the ack redelivers
messages whose events are stored: they are counted as duplicates, as a
repeated POST is.  The consumer reconnects by itself; NATS being away never
stops the service.
"""

from __future__ import annotations

import contextlib
import logging

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from collector.api.deps import CollectorState
from collector.bus.consumer import Consumer
from collector.bus.intake import BusMessage, StoreBusy, take_events
from collector.bus.telemetry import BusMetrics

__all__ = ["JetStreamConsumer", "JetStreamOptions"]

log = logging.getLogger(__name__)

_BROKER = "nats"


class JetStreamOptions:
    """Where to consume from (``nats.*`` settings)."""

    def __init__(
        self,
        url: str,
        *,
        stream: str,
        subject: str,
        durable: str,
        batch: int = 100,
        ack_wait_s: float = 30.0,
        fetch_wait_s: float = 1.0,
    ) -> None:
        self.url, self.stream, self.subject, self.durable = url, stream, subject, durable
        self.batch, self.ack_wait_s, self.fetch_wait_s = batch, ack_wait_s, fetch_wait_s


class JetStreamConsumer(Consumer):
    """The durable pull consumer of ``options``, in a task of the event loop."""

    name = _BROKER
    _errors = (nats.errors.Error, OSError)

    def __init__(self, state: CollectorState, options: JetStreamOptions, metrics: BusMetrics):
        super().__init__(state, metrics)
        self._options = options

    async def _session(self) -> None:
        nc = await nats.connect(
            self._options.url,
            name="synclens",
            connect_timeout=2,
            allow_reconnect=True,
            max_reconnect_attempts=-1,
            reconnect_time_wait=1,
            error_cb=_log_error,
        )
        try:
            await self._consume(nc)
        finally:
            with contextlib.suppress(nats.errors.Error, OSError):
                await nc.close()

    async def _consume(self, nc: Client) -> None:
        opts = self._options
        js = nc.jetstream()
        config = ConsumerConfig(
            durable_name=opts.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=opts.ack_wait_s,
            max_ack_pending=max(1000, 10 * opts.batch),
            filter_subject=opts.subject,
        )
        sub = await js.pull_subscribe(
            opts.subject, durable=opts.durable, stream=opts.stream, config=config
        )
        log.info(
            "consuming CloudEvents from NATS %s: stream %s, subject %s, durable consumer %s",
            opts.url,
            opts.stream,
            opts.subject,
            opts.durable,
        )
        while not self._stopping.is_set():
            try:
                msgs = await sub.fetch(opts.batch, timeout=opts.fetch_wait_s)
            except nats.errors.TimeoutError:
                self.lag = 0  # nothing was waiting
                continue
            await self._settle(msgs)

    async def _settle(self, msgs: list[Msg]) -> None:
        count = self._metrics.messages.labels
        try:
            taken = await take_events(
                self._state, [BusMessage(dict(m.headers or {}), m.data) for m in msgs]
            )
        except StoreBusy as exc:
            log.warning("NATS: %d message(s) handed back: %s", len(msgs), exc)
            for m in msgs:
                await m.nak(delay=self._state.retry_after_s)
            count(_BROKER, "redelivered").inc(len(msgs))
            return
        for i, (m, outcome) in enumerate(zip(msgs, taken.outcomes, strict=True)):
            if outcome == "bad":
                log.warning(
                    "NATS: terminated message %d of stream %s (subject %s): %s",
                    m.metadata.sequence.stream,
                    m.metadata.stream,
                    m.subject,
                    taken.reasons[i],
                )
                await m.term()
                count(_BROKER, "terminated").inc()
            else:
                await m.ack()
                count(_BROKER, outcome).inc()
        self.lag = msgs[-1].metadata.num_pending


async def _log_error(exc: Exception) -> None:
    log.warning("NATS: %s", exc)
