"""A deadline for a request's headers, in uvicorn's protocol: a client that
opens a connection, or starts a request, and does not finish its headers
within ``header_timeout_s`` is disconnected (slowloris holds connections
open by sending a header line now and then).  Between requests uvicorn's
own ``timeout_keep_alive`` closes idle connections."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["with_header_deadline"]


class _HeaderDeadline(HttpToolsProtocol):
    header_timeout_s: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.header_timeout_s, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def with_header_deadline(header_timeout_s: float) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol with that deadline (``Config(http=...)``)."""
    return type(
        "HeaderDeadlineProtocol", (_HeaderDeadline,), {"header_timeout_s": header_timeout_s}
    )
