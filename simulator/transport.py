"""Sending to a collector: CloudEvents batches, OTLP/HTTP spans, snapshots.

:class:`Transport` is the one small interface; :class:`HttpTransport` speaks
the wire (SPEC 1.1-1.3), :class:`MemoryTransport` keeps everything in lists
for tests and benchmarks of the model alone.
"""

from __future__ import annotations

import io
import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExportResult

__all__ = [
    "BackgroundTransport",
    "HttpTransport",
    "MemoryTransport",
    "Snapshot",
    "Transport",
    "TransportError",
]

log = logging.getLogger(__name__)

_RETRYABLE = {429, 502, 503, 504}


class TransportError(RuntimeError):
    pass


@dataclass(frozen=True)
class Snapshot:
    """One system's full stock state at ``taken_at`` (SPEC 1.3)."""

    system: str
    instance: str
    taken_at: str  # RFC 3339
    rows: dict[tuple[str, str, str, str], int]  # (sku, location, stock_status, lot) -> qty
    channel: str | None = None

    def query(self) -> dict[str, str]:
        """Header fields as query parameters (CSV / Parquet bodies, SPEC 1.3)."""
        q = {"system": self.system, "instance": self.instance, "taken_at": self.taken_at}
        if self.channel is not None:
            q["channel"] = self.channel
        return q

    def to_parquet(self) -> bytes:
        keys = list(self.rows)
        table = pa.table(
            {
                "sku": pa.array([k[0] for k in keys], pa.string()),
                "location": pa.array([k[1] for k in keys], pa.string()),
                "stock_status": pa.array([k[2] for k in keys], pa.string()),
                "quantity": pa.array(list(self.rows.values()), pa.int64()),
                "lot": pa.array([k[3] or None for k in keys], pa.string()),
            }
        )
        buf = io.BytesIO()
        pq.write_table(table, buf)
        return buf.getvalue()

    def to_json(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "instance": self.instance,
            "taken_at": self.taken_at,
            "channel": self.channel,
            "rows": [
                {"sku": k[0], "location": k[1], "stock_status": k[2], "quantity": q}
                | ({"lot": k[3]} if k[3] else {})
                for k, q in self.rows.items()
            ],
        }


class Transport(Protocol):
    def send_events(self, events: Sequence[dict[str, Any]]) -> None: ...
    def send_spans(self, spans: Sequence[ReadableSpan]) -> None: ...
    def send_snapshot(self, snapshot: Snapshot) -> None: ...
    def close(self) -> None: ...


class MemoryTransport:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.spans: list[ReadableSpan] = []
        self.snapshots: list[Snapshot] = []

    def send_events(self, events: Sequence[dict[str, Any]]) -> None:
        self.events.extend(events)

    def send_spans(self, spans: Sequence[ReadableSpan]) -> None:
        self.spans.extend(spans)

    def send_snapshot(self, snapshot: Snapshot) -> None:
        self.snapshots.append(snapshot)

    def close(self) -> None:
        pass


class HttpTransport:
    """The collector's HTTP endpoints; ``target`` is its base URL."""

    def __init__(
        self,
        target: str,
        *,
        token: str | None = None,
        timeout_s: float = 30.0,
        span_chunk: int = 8000,
        snapshot_format: str = "json",
    ) -> None:
        if snapshot_format not in ("json", "parquet"):
            raise ValueError(f"snapshot format must be json or parquet, not {snapshot_format!r}")
        self._snapshot_format = snapshot_format
        base = target.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.Client(base_url=base, headers=headers, timeout=timeout_s)
        self._exporter = OTLPSpanExporter(
            endpoint=f"{base}/v1/traces", headers=headers, timeout=timeout_s
        )
        self._span_chunk = span_chunk
        self._snapshots_enabled = True
        self.span_failures = 0

    def _post(
        self, path: str, body: bytes, content_type: str, params: dict[str, str] | None = None
    ) -> httpx.Response:
        delay = 0.5
        for _ in range(8):
            try:
                resp = self._client.post(
                    path, content=body, headers={"Content-Type": content_type}, params=params
                )
            except httpx.TransportError as exc:
                log.warning("POST %s failed (%s); retrying in %.1fs", path, exc, delay)
            else:
                if resp.status_code not in _RETRYABLE:
                    return resp
                retry_after = resp.headers.get("Retry-After", "")
                delay = float(retry_after) if retry_after.isdigit() else delay
                log.warning("POST %s answered %s; retrying in %.1fs", path, resp.status_code, delay)
            time.sleep(delay)
            delay = min(delay * 2, 10.0)
        raise TransportError(f"POST {path}: collector unavailable")

    def send_events(self, events: Sequence[dict[str, Any]]) -> None:
        if not events:
            return
        body = json.dumps(list(events), separators=(",", ":")).encode()
        resp = self._post("/v1/events", body, "application/cloudevents-batch+json")
        if resp.status_code != 200:
            raise TransportError(f"POST /v1/events: {resp.status_code} {resp.text[:300]}")
        rejected = resp.json().get("rejected") or []
        if rejected:
            log.warning("collector rejected %d events, first: %s", len(rejected), rejected[0])

    def send_spans(self, spans: Sequence[ReadableSpan]) -> None:
        for i in range(0, len(spans), self._span_chunk):
            chunk = spans[i : i + self._span_chunk]
            if self._exporter.export(chunk) is not SpanExportResult.SUCCESS:
                self.span_failures += len(chunk)
                log.warning("OTLP export of %d spans failed", len(chunk))

    def send_snapshot(self, snapshot: Snapshot) -> None:
        if not self._snapshots_enabled:
            return
        if self._snapshot_format == "parquet":
            resp = self._post(
                "/v1/snapshots",
                snapshot.to_parquet(),
                "application/vnd.apache.parquet",
                params=snapshot.query(),
            )
        else:
            body = json.dumps(snapshot.to_json(), separators=(",", ":")).encode()
            resp = self._post("/v1/snapshots", body, "application/json")
        if resp.status_code in (404, 405):
            log.warning(
                "collector has no /v1/snapshots (%s); not sending snapshots", resp.status_code
            )
            self._snapshots_enabled = False
        elif resp.status_code >= 300:
            raise TransportError(f"POST /v1/snapshots: {resp.status_code} {resp.text[:300]}")

    def close(self) -> None:
        self._client.close()
        self._exporter.shutdown()  # type: ignore[no-untyped-call]


class _Worker:
    """One sending thread with a bounded queue; its first error is raised on the next put."""

    def __init__(self, name: str, depth: int) -> None:
        self._queue: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if self.error is None:
                try:
                    job()
                except BaseException as exc:  # handed to the producer thread, not swallowed
                    self.error = exc

    def put(self, job: Callable[[], None]) -> None:
        if self.error is not None:
            raise self.error
        self._queue.put(job)

    def join(self) -> None:
        self._queue.put(None)
        self._thread.join()


class BackgroundTransport:
    """Sends through ``inner`` on worker threads, so simulating and ingesting overlap.

    Events and spans go in order on one thread, snapshots on another (round-robin
    over ``snapshot_threads`` if more than one; then they may arrive out of
    ``taken_at`` order); at most
    ``depth`` sends wait per thread (back-pressure). A worker's first error is
    raised on the next call.
    """

    def __init__(self, inner: Transport, depth: int = 16, snapshot_threads: int = 1) -> None:
        self._inner = inner
        self._telemetry = _Worker("simulator-sender", depth)
        self._snapshots = [
            _Worker(f"simulator-snapshots-{i}", depth) for i in range(snapshot_threads)
        ]
        self._next = 0

    def send_events(self, events: Sequence[dict[str, Any]]) -> None:
        batch = list(events)
        self._telemetry.put(lambda: self._inner.send_events(batch))

    def send_spans(self, spans: Sequence[ReadableSpan]) -> None:
        batch = list(spans)
        self._telemetry.put(lambda: self._inner.send_spans(batch))

    def send_snapshot(self, snapshot: Snapshot) -> None:
        worker = self._snapshots[self._next % len(self._snapshots)]
        self._next += 1
        worker.put(lambda: self._inner.send_snapshot(snapshot))

    def close(self) -> None:
        workers = [self._telemetry, *self._snapshots]
        for worker in workers:
            worker.join()
        self._inner.close()
        for worker in workers:
            if worker.error is not None:
                raise worker.error
