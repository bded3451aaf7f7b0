"""Decoding ingest bodies into Arrow tables off the event loop.

With ``workers = 0`` a body is decoded in a thread of the server process.
With ``workers > 0`` it is decoded in a pool of processes, so decoding
(the bulk of ingest CPU) runs beside the HTTP handling and the store's
writer instead of sharing one interpreter lock with them; the table comes
back as Arrow IPC, which costs a copy of its buffers, not a conversion.
Either way the result is the same table, so the choice is only about speed.
Protobuf spans go through the C decoder (``collector/otlp/native.py``) when
it is built, chosen (``ingest.native_decoder``: auto, on, off; see
:func:`use_native`) and the body is within what it handles, else through
``decode_protobuf``: the same table again, faster.  The C decoder releases
the interpreter lock, so protobuf bodies are decoded in a thread even when
there is a pool: the pool is for the Python-heavy paths (CloudEvents,
OTLP/JSON), where it keeps decoding off the writer's and the event loop's
interpreter.

A decode process that dies (``kill -9``, the OOM killer) breaks its pool:
every request waiting on it gets :class:`DecoderUnavailable` (ingest answers
a retryable 503), the pool is replaced at once by a fresh one, and
:attr:`Decoder.ready` is False until the new process has started.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from typing import Literal, TypeVar, cast

import anyio
import pyarrow as pa

from collector.cloudevents import EventBatch, decode_batch, decode_binary, decode_structured
from collector.otlp import SpanBatch, decode_json, decode_protobuf
from collector.otlp.native import decode_protobuf_table, native_decoder
from collector.schema import EVENT_SCHEMA, SPAN_SCHEMA

__all__ = [
    "DecodedEvents",
    "DecodedSpans",
    "Decoder",
    "DecoderUnavailable",
    "EventMode",
    "NativeChoice",
    "NativeUnavailable",
    "decode_events",
    "decode_spans",
    "use_native",
]

EventMode = Literal["structured", "batch", "binary"]
NativeChoice = Literal["auto", "on", "off"]
T = TypeVar("T")

log = logging.getLogger(__name__)


class DecoderUnavailable(Exception):
    """No decode process could take the body (one died and is being
    replaced): retry shortly."""


class NativeUnavailable(RuntimeError):
    """``ingest.native_decoder`` is ``on`` but the C extension cannot be used."""


def use_native(choice: NativeChoice) -> bool:
    """Whether protobuf bodies go to the C decoder: ``auto`` when it is built
    and fits the installed protos, ``on`` always (NativeUnavailable when it
    cannot), ``off`` never."""
    if choice == "off":
        return False
    available = native_decoder() is not None
    if choice == "on" and not available:
        raise NativeUnavailable(
            "ingest.native_decoder is on, but the C extension collector.otlp._native is not "
            "built or does not fit the installed opentelemetry-proto (reinstall with a C "
            "compiler: make install), or set it to auto"
        )
    return available


@dataclass(frozen=True, slots=True)
class DecodedSpans:
    batch: SpanBatch  # counts and reasons; its columns are emptied once tabled
    table: pa.Table
    native_declined: bool = False  # the C decoder was tried and handed the body back


@dataclass(frozen=True, slots=True)
class DecodedEvents:
    batch: EventBatch
    table: pa.Table


def decode_spans(body: bytes, as_json: bool, received_ns: int, native: bool = True) -> DecodedSpans:
    """``native``: try the C decoder first (protobuf only)."""
    tried = native and not as_json
    if tried:  # the C decoder, when built and the body is within what it handles
        decoded = decode_protobuf_table(body, received_ns)
        if decoded is not None:
            table, counts = decoded
            return DecodedSpans(counts, table)
    batch = (decode_json if as_json else decode_protobuf)(body, received_ns=received_ns)
    table = pa.Table.from_pydict(batch.columns, schema=SPAN_SCHEMA)
    return DecodedSpans(replace(batch, columns={}), table, native_declined=tried)


def decode_events(
    mode: EventMode,
    headers: Mapping[str, str],
    body: bytes,
    received_ns: int,
    allowed: frozenset[str] | None,
) -> DecodedEvents:
    if mode == "binary":
        batch = decode_binary(headers, body, received_ns=received_ns, allowed_systems=allowed)
    elif mode == "batch":
        batch = decode_batch(body, received_ns=received_ns, allowed_systems=allowed)
    else:
        batch = decode_structured(body, received_ns=received_ns, allowed_systems=allowed)
    table = pa.Table.from_pydict(batch.columns, schema=EVENT_SCHEMA)
    return DecodedEvents(replace(batch, columns={}), table)


def _to_ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def _from_ipc(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(pa.py_buffer(data)).read_all()


def _in_worker(
    decode: Callable[..., DecodedSpans | DecodedEvents], *args: object
) -> tuple[SpanBatch | EventBatch, bytes]:
    """In a pool process: decode, and send the table back as Arrow IPC."""
    decoded = decode(*args)
    return decoded.batch, _to_ipc(decoded.table)


def _warm() -> bool:
    return True


def _follow_parent(parent: int) -> None:
    """Pool initializer: the server decides when its workers stop.  A worker
    ignores SIGINT and SIGTERM (Ctrl-C and a service manager signal the whole
    process group; the server shuts its pool down after answering what is
    under way), and exits when its server died (``kill -9``) instead of
    waiting forever for work that will never come."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="synclens-decoder-watchdog", daemon=True).start()


class Decoder:
    """Decodes OTLP and CloudEvents bodies; ``workers`` processes, or threads when 0.

    Decode errors (``OtlpDecodeError``, ``EventDecodeError``) reach the caller
    unchanged either way.  A broken pool (a decode process died) raises
    :class:`DecoderUnavailable` and is replaced; :attr:`restarts` counts the
    replacements.
    """

    def __init__(self, workers: int = 0, *, native: NativeChoice = "auto") -> None:
        self.workers = workers
        self.restarts = 0
        self._native = use_native(native)  # NativeUnavailable: "on" but not built
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._warming: Future[bool] | None = None
        if workers > 0:
            self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn, not fork: the server process has threads (store writer, DuckDB)
        pool = ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_follow_parent,
            initargs=(os.getpid(),),
        )
        self._warming = pool.submit(_warm)
        return pool

    async def start(self) -> None:
        """Start the worker processes now rather than on the first request."""
        if self._warming is not None:
            await _wrap(self._warming)

    @property
    def ready(self) -> bool:
        """False while no decode process can serve: the pool broke and its
        replacement has not started yet (a broken pool is replaced here too,
        so readiness does not wait for the next request to notice)."""
        if self._pool is None:
            return True
        pool = self._pool
        try:
            pool.submit(_warm)  # raises at once when the pool is broken
        except BrokenProcessPool:
            self._replace(pool)
            return False
        except RuntimeError:  # shut down: the server is stopping
            return False
        warming = self._warming
        return warming is None or (warming.done() and warming.exception() is None)

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        """Swap in a fresh pool, once per broken one."""
        with self._lock:
            if self._pool is not broken:
                return  # another request replaced it already
            self._pool = self._new_pool()
            self.restarts += 1
        log.warning(
            "decode process died; started a new pool of %d (restart %d)",
            self.workers,
            self.restarts,
        )
        broken.shutdown(wait=False, cancel_futures=True)

    async def _in_pool(self, pool: ProcessPoolExecutor, *args: object) -> tuple[object, bytes]:
        try:
            return await _wrap(pool.submit(_in_worker, *args))  # type: ignore[arg-type]
        except BrokenProcessPool as exc:
            self._replace(pool)
            raise DecoderUnavailable("a decode process died; it is being replaced") from exc
        except RuntimeError as exc:  # submit after shutdown
            raise DecoderUnavailable("the decoder is shutting down") from exc

    async def spans(self, body: bytes, *, as_json: bool, received_ns: int) -> DecodedSpans:
        # the native protobuf decoder releases the interpreter lock: a thread
        # runs it beside everything else without the pool's copies
        pool = self._pool
        if pool is None or (not as_json and self._native):
            return await anyio.to_thread.run_sync(
                decode_spans, body, as_json, received_ns, self._native
            )
        batch, data = await self._in_pool(pool, decode_spans, body, as_json, received_ns, False)
        return DecodedSpans(cast(SpanBatch, batch), _from_ipc(data))

    async def events(
        self,
        mode: EventMode,
        headers: Mapping[str, str],
        body: bytes,
        *,
        received_ns: int,
        allowed: frozenset[str] | None,
    ) -> DecodedEvents:
        pool = self._pool
        if pool is None:
            return await anyio.to_thread.run_sync(
                decode_events, mode, headers, body, received_ns, allowed
            )
        batch, data = await self._in_pool(
            pool, decode_events, mode, dict(headers), body, received_ns, allowed
        )
        return DecodedEvents(cast(EventBatch, batch), _from_ipc(data))

    @property
    def description(self) -> str:
        """Which decoders run, for the log line at start."""
        protobuf = "native C extension" if self._native else "Python"
        where = f"{self.workers} decode process(es)" if self.workers else "threads"
        return f"OTLP protobuf: {protobuf}; OTLP/JSON and CloudEvents: Python in {where}"

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


async def _wrap(future: Future[T]) -> T:
    return await asyncio.wrap_future(future)
