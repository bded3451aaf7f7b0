"""The machine's RabbitMQ for the bus tests: a queue of their own, publishing."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aio_pika
import pytest

URL = "amqp://guest:guest@127.0.0.1:5672/"

Message = tuple[bytes, dict[str, Any], str | None]  # body, application properties, content type


def require_rabbitmq() -> None:
    """Skip, saying why, when no RabbitMQ listens on 127.0.0.1:5672."""
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=1):
            pass
    except OSError:
        pytest.skip("RabbitMQ is not running on 127.0.0.1:5672 (make services starts it)")


@dataclass(frozen=True)
class Queue:
    """A durable queue, and a dead-letter exchange with a queue behind it, for one test."""

    name: str

    @property
    def dlx(self) -> str:
        return f"{self.name}.dlx"

    @property
    def dead(self) -> str:
        return f"{self.name}.dead"

    @classmethod
    def fresh(cls) -> Queue:
        made = cls(f"synclens.test.{uuid.uuid4().hex[:10]}")
        asyncio.run(made._declare())
        return made

    async def _declare(self) -> None:
        conn = await aio_pika.connect(URL)
        async with conn:
            ch = await conn.channel()
            await ch.declare_queue(self.name, durable=True)
            dlx = await ch.declare_exchange(self.dlx, aio_pika.ExchangeType.FANOUT, durable=True)
            dead = await ch.declare_queue(self.dead, durable=True)
            await dead.bind(dlx)

    def delete(self) -> None:
        async def run() -> None:
            conn = await aio_pika.connect(URL)
            async with conn:
                ch = await conn.channel()
                await ch.queue_delete(self.name)
                await ch.queue_delete(self.dead)
                await ch.exchange_delete(self.dlx)

        asyncio.run(run())

    def publish(self, messages: Sequence[Message]) -> None:
        """Persistent messages to the queue (default exchange), broker-confirmed."""

        async def run() -> None:
            conn = await aio_pika.connect(URL)
            async with conn:
                ch = await conn.channel(publisher_confirms=True)
                for body, headers, content_type in messages:
                    await ch.default_exchange.publish(
                        aio_pika.Message(
                            body,
                            headers=headers,
                            content_type=content_type,
                            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                        ),
                        routing_key=self.name,
                    )

        asyncio.run(run())

    def dead_lettered(self) -> list[tuple[bytes, str]]:
        """(body, x-synclens-reason) of what reached the dead-letter queue."""

        async def run() -> list[tuple[bytes, str]]:
            conn = await aio_pika.connect(URL)
            out = []
            async with conn:
                ch = await conn.channel()
                dead = await ch.declare_queue(self.dead, passive=True)
                while (m := await dead.get(fail=False)) is not None:
                    out.append((m.body, str((m.headers or {}).get("x-synclens-reason"))))
                    await m.ack()
            return out

        return asyncio.run(run())


def structured(event: dict[str, Any]) -> Message:
    return json.dumps(event).encode(), {}, "application/cloudevents+json"


def binary(event: dict[str, Any], prefix: str = "cloudEvents:") -> Message:
    headers: dict[str, Any] = {
        f"{prefix}{k}": v for k, v in event.items() if k not in ("data", "datacontenttype")
    }
    return json.dumps(event["data"]).encode(), headers, "application/json"
