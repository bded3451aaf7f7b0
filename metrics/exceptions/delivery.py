"""Exception events out: at-least-once, in order per sink, from the outbox.

Each sink has a cursor in ``event_sinks``: every outbox event up to
``delivered_id`` has reached it. A pass sends each due sink its next events
in outbox order and moves the cursor past those that went through; a failure
stops the sink's pass and retries it after ``retry_base_s * 2^(n-1)`` (at
most ``retry_max_s``), for as long as it takes. The cursor moves only after
the receiver acknowledged, so a crash in between sends those events again:
receivers dedupe by the CloudEvent ``id``. The scheduler calls
:meth:`Delivery.run_once`; tests call it directly with ``now_ns``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from metrics.exceptions.sinks import OutEvent, Sender
from metrics.exceptions.store import ExceptionStore
from metrics.exceptions.tables import event_outbox, event_sinks

__all__ = ["Delivery", "SinkState", "cloudevent"]

_S = 1_000_000_000


@dataclass(frozen=True, slots=True)
class SinkState:
    name: str
    pending: int  # events not yet delivered
    oldest_pending_ns: int | None  # when the oldest of them happened
    delivered: int
    failures: int  # failed attempts, ever
    attempts: int  # failed attempts since the last delivery
    last_error: str | None


def _rfc3339(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def cloudevent(row: Mapping[str, Any], base_url: str) -> dict[str, Any]:
    """An outbox row as a CloudEvent 1.0 (docs/exceptions.md has the schema)."""
    exc = json.loads(row["data"])
    base = base_url.rstrip("/")
    where = {k: exc[k] for k in ("sku", "location") if exc.get(k)}
    links = {"exception": f"{base}/api/v1/exceptions/{exc['id']}"}
    if where:
        links["lineage"] = f"{base}/api/v1/lineage?" + urlencode(where)
    return {
        "specversion": "1.0",
        "id": row["event_id"],
        "source": f"{base}/api/v1/exceptions",
        "type": row["type"],
        "subject": row["subject"],
        "time": _rfc3339(int(row["time_ns"])),
        "datacontenttype": "application/json",
        "sequence": f"{int(row['id']):020d}",
        "data": {"exception": exc, "links": links},
    }


class Delivery:
    def __init__(
        self,
        exceptions: ExceptionStore,
        senders: Mapping[str, tuple[Sender, bool]],  # name -> (sender, orders_only)
        *,
        base_url: str,
        clock: Callable[[], int],
        batch: int = 100,
        retry_base_s: float = 2.0,
        retry_max_s: float = 600.0,
        keep_s: float = 7 * 86_400.0,
    ) -> None:
        self._engine = exceptions.engine
        self._senders = dict(senders)
        self._base = base_url
        self._clock = clock
        self._batch = batch
        self._retry = (retry_base_s, retry_max_s)
        self._keep_ns = int(keep_s * _S)
        self._stopping = threading.Event()
        with self._engine.begin() as conn:
            have = {r[0] for r in conn.execute(select(event_sinks.c.name))}
            top = conn.execute(select(func.coalesce(func.max(event_outbox.c.id), 0))).scalar_one()
            for name in sorted(set(self._senders) - have):  # a new sink starts from now on
                conn.execute(
                    insert(event_sinks).values(
                        name=name, delivered_id=top, delivered=0, failures=0, attempts=0,
                        next_attempt_ns=0,
                    )
                )  # fmt: skip

    def stop(self) -> None:
        """No more sinks in a pass under way (shutdown); :meth:`close` after it ends."""
        self._stopping.set()

    def close(self) -> None:
        for sender, _ in self._senders.values():
            sender.close()

    def run_once(self, now_ns: int | None = None) -> dict[str, int]:
        """One pass over the due sinks; how many events each one took."""
        now = self._clock() if now_ns is None else now_ns
        done: dict[str, int] = {}
        for name, (sender, orders_only) in sorted(self._senders.items()):
            if self._stopping.is_set():
                break
            done[name] = self._deliver(name, sender, orders_only, now)
        self._prune(now)
        return done

    def _deliver(self, name: str, sender: Sender, orders_only: bool, now: int) -> int:
        with self._engine.connect() as conn:
            cursor = conn.execute(select(event_sinks).where(event_sinks.c.name == name)).one()
            if cursor.next_attempt_ns > now:
                return 0
            rows = [
                r._asdict()
                for r in conn.execute(
                    self._pending(cursor.delivered_id, orders_only).limit(self._batch)
                )
            ]
        if not rows:
            return 0
        events = [
            OutEvent(r["event_id"], json.dumps(cloudevent(r, self._base)).encode()) for r in rows
        ]
        sent, error = sender.send(events)
        with self._engine.begin() as conn:
            if sent:
                conn.execute(
                    update(event_sinks).where(event_sinks.c.name == name).values(
                        delivered_id=rows[sent - 1]["id"], delivered=event_sinks.c.delivered + sent,
                        attempts=0, next_attempt_ns=0, last_delivered_ns=now, last_error=None,
                    )
                )  # fmt: skip
            if error is not None:
                self._failed(conn, name, 0 if sent else cursor.attempts, error, now)
        return sent

    def _failed(self, conn: Connection, name: str, attempts: int, error: str, now: int) -> None:
        base, most = self._retry
        wait = min(base * 2**attempts, most)
        conn.execute(
            update(event_sinks).where(event_sinks.c.name == name).values(
                attempts=attempts + 1, failures=event_sinks.c.failures + 1,
                next_attempt_ns=now + int(wait * _S), last_error=error[:2000],
            )
        )  # fmt: skip

    @staticmethod
    def _pending(after_id: int, orders_only: bool) -> Any:
        query = select(event_outbox).where(event_outbox.c.id > after_id)
        if orders_only:
            query = query.where(event_outbox.c.has_orders)
        return query.order_by(event_outbox.c.id)

    def _prune(self, now: int) -> None:
        """Delete events every sink has and that are older than ``keep_s``."""
        with self._engine.begin() as conn:
            low = conn.execute(select(func.min(event_sinks.c.delivered_id)).where(
                event_sinks.c.name.in_(sorted(self._senders)))).scalar()  # fmt: skip
            cond = event_outbox.c.time_ns < now - self._keep_ns
            if self._senders:
                cond = and_(cond, event_outbox.c.id <= (low or 0))
            conn.execute(delete(event_outbox).where(cond))

    def states(self) -> list[SinkState]:
        """Each configured sink's delivery state (for /metrics)."""
        out = []
        with self._engine.connect() as conn:
            for name, (_, orders_only) in sorted(self._senders.items()):
                c = conn.execute(select(event_sinks).where(event_sinks.c.name == name)).one()
                pending = self._pending(c.delivered_id, orders_only).subquery()
                n, oldest = conn.execute(select(func.count(), func.min(pending.c.time_ns))).one()
                out.append(SinkState(name, int(n), None if oldest is None else int(oldest),
                                     int(c.delivered), int(c.failures), int(c.attempts),
                                     c.last_error))  # fmt: skip
        return out
