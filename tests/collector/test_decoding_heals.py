"""A decode process killed under load is replaced: 503 + Retry-After for what
was in flight, never a 500, ingest again within 5 s, every ack stored."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from typing import Any

import httpx
import pytest

from collector.testing.wire import BATCH, batch_body, cloudevent
from synclens.settings import IngestSettings


def _sender(url: str, n: int, stop: threading.Event, out: list[tuple[int, str, list[str]]]) -> None:
    batch = 0
    with httpx.Client(timeout=30) as client:
        while not stop.is_set():
            ids = [f"k-{n}-{batch}-{i}" for i in range(400)]
            body = batch_body(*(cloudevent(i, sku="HEAL-1") for i in ids))
            resp = client.post(f"{url}/v1/events", content=body, headers=BATCH)
            out.append((resp.status_code, resp.headers.get("retry-after", ""), ids))
            batch += 1


def test_a_killed_decode_process_is_replaced(
    make_service: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="collector.decoding")
    with make_service(ingest=IngestSettings(decode_workers=1)) as svc:
        (worker,) = multiprocessing.active_children()
        results: list[tuple[int, str, list[str]]] = []
        stop = threading.Event()
        senders = [
            threading.Thread(target=_sender, args=(svc.url, n, stop, results)) for n in range(2)
        ]
        for t in senders:
            t.start()
        while len(results) < 4:  # the pool is busy decoding
            time.sleep(0.01)
        os.kill(worker.pid, signal.SIGKILL)  # type: ignore[arg-type]
        killed = time.monotonic()
        saw_unready = False
        while time.monotonic() - killed < 5.0:
            ready = svc.get("/readyz")
            if ready.status_code == 503:
                saw_unready = True
                assert "decode" in ready.json()["reason"]
            elif saw_unready:
                break
            time.sleep(0.02)
        healed = time.monotonic() - killed
        time.sleep(0.5)
        stop.set()
        for t in senders:
            t.join(timeout=30)

        statuses = [status for status, _, _ in results]
        assert 500 not in statuses
        assert set(statuses) <= {200, 503}
        refused = [(s, retry) for s, retry, _ in results if s == 503]
        assert refused, "a request decoding when its process died is answered 503"
        assert all(retry == "1" for _, retry in refused)
        assert saw_unready and healed < 5.0, f"/readyz ready again after {healed:.1f} s"
        assert results[-1][0] == 200, "ingest works again"
        assert svc.metric("synclens_decode_restarts_total") == 1
        assert svc.metric("synclens_ingest_requests_rejected_total", code="503") == len(refused)
        assert any("decode process died" in r.getMessage() for r in caplog.records)
        new_worker = multiprocessing.active_children()
        assert [w.pid for w in new_worker] != [worker.pid]

        acked = {i for status, _, ids in results if status == 200 for i in ids}
        with svc.store.reader() as cur:
            stored = {row[0] for row in cur.execute("SELECT id FROM events").fetchall()}
        assert acked <= stored
        assert len(acked) >= 400
