"""Decoding in worker processes gives exactly what decoding in a thread gives."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import time

import pytest

from collector.cloudevents import EventDecodeError
from collector.decoding import DecodedEvents, DecodedSpans, Decoder
from collector.otlp import OtlpDecodeError
from collector.testing.wire import attempt_span, batch_body, cloudevent, request

SPANS = request(
    attempt_span(event_id="d-1"), attempt_span(event_id="d-2", error="timeout", attempt=2)
).SerializeToString()
EVENTS = batch_body(cloudevent("e-1"), {"specversion": "1.0", "id": "bad"}, cloudevent("e-2"))


async def _both(decoder: Decoder) -> tuple[DecodedSpans, DecodedEvents]:
    await decoder.start()
    spans = await decoder.spans(SPANS, as_json=False, received_ns=7)
    events = await decoder.events("batch", {}, EVENTS, received_ns=7, allowed=None)
    with pytest.raises(OtlpDecodeError, match="protobuf"):
        await decoder.spans(b"\xff\xff\xff", as_json=False, received_ns=7)
    with pytest.raises(EventDecodeError):
        await decoder.events("batch", {}, b"{", received_ns=7, allowed=None)
    return spans, events


def test_process_pool_and_thread_decode_alike() -> None:
    results = []
    for workers in (0, 1):
        decoder = Decoder(workers)
        try:
            results.append(asyncio.run(_both(decoder)))
        finally:
            decoder.close()
    (spans0, events0), (spans1, events1) = results
    assert spans0.table.equals(spans1.table) and spans0.table.num_rows == 2
    assert spans0.batch == spans1.batch
    assert events0.table.equals(events1.table) and events0.table.num_rows == 2
    assert events0.batch.rejected == events1.batch.rejected
    assert [r.index for r in events1.batch.rejected] == [1]
    assert spans1.table["event_id"][0].as_py() == "d-1"


def test_a_decode_process_leaves_ctrl_c_and_sigterm_to_its_server() -> None:
    # Ctrl-C signals the terminal's whole process group and a service
    # manager may SIGTERM every process of the service: the worker must stay
    # (no KeyboardInterrupt traceback, no broken pool) until the server closes it.
    decoder = Decoder(1)
    try:
        asyncio.run(decoder.start())
        (worker,) = multiprocessing.active_children()
        os.kill(worker.pid, signal.SIGINT)
        os.kill(worker.pid, signal.SIGTERM)
        time.sleep(0.5)
        assert worker.is_alive()
        events = asyncio.run(decoder.events("batch", {}, EVENTS, received_ns=7, allowed=None))
        assert events.table.num_rows == 2
    finally:
        decoder.close()


def test_the_native_decoder_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from collector import decoding

    assert decoding.use_native("auto") is True  # built by make install
    assert decoding.use_native("on") is True
    assert decoding.use_native("off") is False
    monkeypatch.setattr(decoding, "native_decoder", lambda: None)  # as without a compiler
    assert decoding.use_native("auto") is False
    with pytest.raises(decoding.NativeUnavailable, match="native_decoder is on"):
        decoding.use_native("on")
