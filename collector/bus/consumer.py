"""What every bus consumer shares: its life in a task of the event loop, and
reconnecting after any broker trouble without ever stopping the service."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from collector.api.deps import CollectorState
from collector.bus.telemetry import BusMetrics

__all__ = ["Consumer"]

log = logging.getLogger(__name__)

RETRY_S = 2.0  # between sessions: after a failed connect, a lost connection, a missing stream


class Consumer:
    """Runs :meth:`_session` (connect, consume until asked to stop, close)
    between :meth:`start` and :meth:`stop`, again after each failure that is
    one of :attr:`_errors` (logged, never raised)."""

    name = "bus"
    _errors: tuple[type[BaseException], ...] = (OSError,)

    def __init__(self, state: CollectorState, metrics: BusMetrics) -> None:
        self._state = state
        self._metrics = metrics
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.lag: int | None = None  # synclens_bus_consumer_lag, None until known

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"synclens-{self.name}-consumer")

    async def stop(self) -> None:
        """Settle the batch under way (commit, then acknowledge), then disconnect."""
        self._stopping.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self._session()
            except self._errors as exc:
                log.warning("%s consumer: %r; retrying in %.0f s", self.name, exc, RETRY_S)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), RETRY_S)

    async def _session(self) -> None:
        raise NotImplementedError
