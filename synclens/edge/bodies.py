"""A body limit and a read deadline on every route but ingest (which reads
its own bodies, streaming, under ``ingest.max_body_bytes`` and
``snapshots.max_body_bytes``): the Dash callbacks, the API, sign-in.

Such bodies are small, so they are read here whole, within
``max_body_bytes`` (413 beyond) and ``timeout_s`` (408 past it), then
handed to the app.
"""

from __future__ import annotations

from collections.abc import Iterable

import anyio
from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimit"]


class _TooLarge(Exception):
    pass


class BodyLimit:
    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, timeout_s: float, streaming: Iterable[str]
    ) -> None:
        self.app = app
        self.limit = max_body_bytes
        self.timeout_s = timeout_s
        self.streaming = frozenset(streaming)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.streaming:
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared and declared.isdigit() and int(declared) > self.limit:
            await self._fail(scope, receive, send, 413)
            return
        try:
            with anyio.fail_after(self.timeout_s):
                body, more = await self._read(receive)
        except TimeoutError:
            await self._fail(scope, receive, send, 408)
            return
        except _TooLarge:
            await self._fail(scope, receive, send, 413)
            return
        if not more:  # the client went away
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # http.disconnect, when it comes
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"", False
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), True

    async def _fail(self, scope: Scope, receive: Receive, send: Send, status: int) -> None:
        text = (
            f"body over the limit of {self.limit} bytes (edge.max_body_bytes)"
            if status == 413
            else f"body not received within {self.timeout_s:g} s (edge.body_timeout_s)"
        )
        response = PlainTextResponse(text, status_code=status, headers={"connection": "close"})
        await response(scope, receive, send)
