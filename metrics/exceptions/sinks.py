"""Where exception events go: a webhook (signed POST) or a NATS JetStream subject.

A sender only does I/O: it sends events in the order given and says how many
went through before the first failure; :mod:`metrics.exceptions.delivery`
owns the order, the retries and the durable progress.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import httpx
import nats
import nats.errors
import nats.js.errors

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "NatsSender",
    "OutEvent",
    "Sender",
    "WebhookSender",
    "sign",
]

SIGNATURE_HEADER = "X-Synclens-Signature"
TIMESTAMP_HEADER = "X-Synclens-Timestamp"


@dataclass(frozen=True, slots=True)
class OutEvent:
    event_id: str
    body: bytes  # the CloudEvent, JSON


class Sender(Protocol):
    def send(self, events: Sequence[OutEvent]) -> tuple[int, str | None]:
        """Send in order; ``(sent, error)``: how many went through before the
        first failure, and what that failure was (None: all went through)."""
        ...

    def close(self) -> None: ...


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """``v1=`` + hex HMAC-SHA256 of ``"<timestamp>." + body`` (docs/exceptions.md)."""
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


class WebhookSender:
    """POST each event (structured-mode CloudEvent); any 2xx is delivered."""

    def __init__(
        self, url: str, secret: str | None, *, timeout_s: float, clock: Callable[[], int]
    ) -> None:
        self._url = url
        self._secret = secret.encode() if secret else None
        self._clock = clock
        self._client = httpx.Client(timeout=timeout_s)

    def send(self, events: Sequence[OutEvent]) -> tuple[int, str | None]:
        for i, ev in enumerate(events):
            ts = self._clock() // 1_000_000_000
            headers = {
                "Content-Type": "application/cloudevents+json",
                "Webhook-Id": ev.event_id,
                TIMESTAMP_HEADER: str(ts),
            }
            if self._secret is not None:
                headers[SIGNATURE_HEADER] = sign(self._secret, ts, ev.body)
            try:
                resp = self._client.post(self._url, content=ev.body, headers=headers)
            except httpx.HTTPError as exc:
                return i, f"{type(exc).__name__}: {exc}"
            if not 200 <= resp.status_code < 300:
                return i, f"HTTP {resp.status_code}"
        return len(events), None

    def close(self) -> None:
        self._client.close()


class NatsSender:
    """Publish each event to a JetStream subject and wait for the stream's ack;
    ``Nats-Msg-Id`` = the event id, so JetStream drops a re-sent one."""

    def __init__(self, url: str, subject: str, *, timeout_s: float) -> None:
        self._url = url
        self._subject = subject
        self._timeout = timeout_s

    def send(self, events: Sequence[OutEvent]) -> tuple[int, str | None]:
        return asyncio.run(self._send(events))

    async def _send(self, events: Sequence[OutEvent]) -> tuple[int, str | None]:
        try:
            nc = await nats.connect(
                self._url,
                connect_timeout=self._timeout,
                allow_reconnect=False,
                max_reconnect_attempts=0,
            )
        except (OSError, TimeoutError, nats.errors.Error) as exc:
            return 0, f"{type(exc).__name__}: {exc}"
        try:
            js = nc.jetstream(timeout=self._timeout)
            for i, ev in enumerate(events):
                try:
                    await js.publish(self._subject, ev.body, headers={"Nats-Msg-Id": ev.event_id})
                except (TimeoutError, nats.errors.Error, nats.js.errors.Error) as exc:
                    return i, f"{type(exc).__name__}: {exc}"
            return len(events), None
        finally:
            await nc.close()

    def close(self) -> None:
        pass
