"""A batch of bus messages, one CloudEvent each, into the store.

Each message is a CloudEvent in structured mode (the body is the JSON event)
or binary mode (``ce-*`` headers, the body is ``data``), as the NATS protocol
binding (1.0.3 draft) and the AMQP binding allow.  The valid ones are stored
in one group commit and counted exactly as ``POST /v1/events`` counts them
(:func:`collector.telemetry.count_stored_events`): a message whose event is
already stored (a redelivery after a crash) is a duplicate, stored once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import anyio
import duckdb
import pyarrow as pa

from collector.api.commit import commit
from collector.api.deps import CollectorState
from collector.cloudevents import EventDecodeError
from collector.decoding import EventMode, decode_events
from collector.store import QueueFull, StoreClosed
from collector.telemetry import count_stored_events

__all__ = ["BusMessage", "Outcome", "StoreBusy", "Taken", "take_events"]

Outcome = Literal["stored", "duplicate", "bad"]


@dataclass(frozen=True, slots=True)
class BusMessage:
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Taken:
    """Per message of the batch: stored, duplicate (stored before) or bad;
    ``reasons`` says why each bad one is, by its index."""

    outcomes: tuple[Outcome, ...]
    reasons: Mapping[int, str]


class StoreBusy(Exception):
    """Nothing of the batch was stored (queue full, store closing): settle
    none of its valid messages as done, redeliver them later."""


@dataclass(frozen=True, slots=True)
class _Decoded:
    tables: list[tuple[int, pa.Table]]  # (message index, its one-row table)
    bad: dict[int, tuple[str, str]]  # message index -> (reason code, reason)


def _decode(messages: Sequence[BusMessage], received_ns: int) -> _Decoded:
    tables: list[tuple[int, pa.Table]] = []
    bad: dict[int, tuple[str, str]] = {}
    for i, message in enumerate(messages):
        headers = {name.lower(): value for name, value in message.headers.items()}
        mode: EventMode = "binary" if "ce-specversion" in headers else "structured"
        try:
            decoded = decode_events(mode, headers, message.body, received_ns, None)
        except EventDecodeError as exc:
            bad[i] = ("not_cloudevent", str(exc))
            continue
        if decoded.batch.rejected:
            rejection = decoded.batch.rejected[0]
            bad[i] = (rejection.code, rejection.reason)
        elif decoded.table.num_rows == 1:
            tables.append((i, decoded.table))
        else:
            bad[i] = ("not_cloudevent", "no event in the message")
    return _Decoded(tables, bad)


async def take_events(state: CollectorState, messages: Sequence[BusMessage]) -> Taken:
    """Decode every message, store the valid events in one commit and wait
    for it.  Raises :class:`StoreBusy` when the store takes none of them."""
    decoded = await anyio.to_thread.run_sync(_decode, messages, state.clock())
    outcomes: list[Outcome] = ["bad"] * len(messages)
    for code, _ in decoded.bad.values():
        state.metrics.events_rejected.labels(reason=code).inc()
    if decoded.tables:
        table = pa.concat_tables([t for _, t in decoded.tables])
        try:
            result = await commit(state, "events", table)
        except QueueFull as exc:
            state.metrics.dropped.inc(table.num_rows)
            raise StoreBusy(f"{exc}; redelivering later") from exc
        except (StoreClosed, duckdb.Error) as exc:
            raise StoreBusy(f"store unavailable: {exc}") from exc
        count_stored_events(state.metrics, table, result, state.labels)
        duplicates = set(result.duplicate_rows)
        for row, (i, _) in enumerate(decoded.tables):
            outcomes[i] = "duplicate" if row in duplicates else "stored"
    return Taken(tuple(outcomes), {i: reason for i, (_, reason) in decoded.bad.items()})
