"""Wiring of exception events out: the configured sinks' senders and the delivery."""

from __future__ import annotations

from collector.clock import Clock
from metrics.exceptions import ExceptionStore
from metrics.exceptions.delivery import Delivery
from metrics.exceptions.sinks import NatsSender, Sender, WebhookSender
from synclens.settings import EventSinkSettings, Settings

__all__ = ["open_delivery"]


def _sender(sink: EventSinkSettings, clock: Clock) -> Sender:
    if sink.kind == "nats":
        assert sink.subject is not None  # the settings check it
        return NatsSender(sink.url, sink.subject, timeout_s=sink.timeout_s)
    secret = sink.secret.get_secret_value() if sink.secret else None
    return WebhookSender(sink.url, secret, timeout_s=sink.timeout_s, clock=clock)


def open_delivery(settings: Settings, exceptions: ExceptionStore, clock: Clock) -> Delivery:
    """The delivery of exception events to ``events.sinks`` (none: it only prunes)."""
    ev = settings.events
    return Delivery(
        exceptions,
        {s.name: (_sender(s, clock), s.orders_only) for s in ev.sinks},
        base_url=settings.public_url or f"http://{settings.host}:{settings.port}",
        clock=clock,
        batch=ev.batch,
        retry_base_s=ev.retry_base_s,
        retry_max_s=ev.retry_max_s,
        keep_s=ev.keep_s,
    )
