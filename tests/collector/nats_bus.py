"""The machine's NATS JetStream for the bus tests: a stream of their own, publishing."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import nats
import pytest

URL = "nats://127.0.0.1:4222"


def require_nats() -> None:
    """Skip, saying why, when no NATS listens on 127.0.0.1:4222."""
    try:
        with socket.create_connection(("127.0.0.1", 4222), timeout=1):
            pass
    except OSError:
        pytest.skip("NATS is not running on 127.0.0.1:4222 (make services starts it)")


@dataclass(frozen=True)
class Stream:
    """A JetStream stream with a unique name and subject space, for one test module."""

    name: str
    prefix: str

    @classmethod
    def fresh(cls) -> Stream:
        tag = uuid.uuid4().hex[:10]
        stream = cls(f"SYNCLENS_TEST_{tag}", f"test.{tag}")
        asyncio.run(stream._create())
        return stream

    async def _create(self) -> None:
        nc = await nats.connect(URL)
        try:
            await nc.jetstream().add_stream(name=self.name, subjects=[f"{self.prefix}.>"])
        finally:
            await nc.close()

    def delete(self) -> None:
        async def run() -> None:
            nc = await nats.connect(URL)
            try:
                await nc.jetstream().delete_stream(self.name)
            finally:
                await nc.close()

        asyncio.run(run())

    def publish(self, messages: Sequence[tuple[bytes, dict[str, str] | None]]) -> None:
        """Publish (body, headers) messages to ``<prefix>.events``, each acknowledged
        by JetStream (stored in the stream) before this returns."""

        async def run() -> None:
            nc = await nats.connect(URL)
            try:
                js = nc.jetstream()
                for body, headers in messages:
                    await js.publish(f"{self.prefix}.events", body, headers=headers)
            finally:
                await nc.close()

        asyncio.run(run())


def structured(event: dict[str, Any]) -> tuple[bytes, dict[str, str] | None]:
    return json.dumps(event).encode(), {"content-type": "application/cloudevents+json"}


def binary(event: dict[str, Any]) -> tuple[bytes, dict[str, str] | None]:
    headers = {f"ce-{k}": str(v) for k, v in event.items() if k not in ("data", "datacontenttype")}
    headers["content-type"] = "application/json"
    return json.dumps(event["data"]).encode(), headers
