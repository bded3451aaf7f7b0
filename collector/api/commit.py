"""Waiting for the store's commit of an ingest request, never for ever."""

from __future__ import annotations

import asyncio
from typing import Literal

import pyarrow as pa

from collector.api.deps import CollectorState
from collector.store import StoreClosed, WriteResult

__all__ = ["WriteTimeout", "commit"]


class WriteTimeout(StoreClosed):
    """The store did not commit within ``ingest.write_timeout_s``: retry later
    (the rows may still be committed; a retry is then counted a duplicate)."""


async def commit(
    state: CollectorState, kind: Literal["spans", "events"], table: pa.Table
) -> WriteResult:
    """Queue ``table`` and wait for its commit at most ``state.write_timeout_s``.

    Raises what :meth:`Store.submit` raises (``QueueFull``, ``StoreClosed``),
    the commit's own error (``duckdb.Error``) and :class:`WriteTimeout`.
    """
    future = asyncio.wrap_future(state.store.submit(kind, table))
    try:
        # shield: a timed-out request leaves the write to finish, it does not cancel it
        return await asyncio.wait_for(asyncio.shield(future), state.write_timeout_s)
    except TimeoutError as exc:
        raise WriteTimeout(f"the store did not commit within {state.write_timeout_s:g} s") from exc
