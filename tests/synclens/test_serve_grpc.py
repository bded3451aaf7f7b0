"""``synclens serve`` with its OTLP/gRPC receiver, as a real process: the
start-up line, SIGTERM answering the calls under way, a port in use."""

from __future__ import annotations

import signal
import socket
import threading
from pathlib import Path

import duckdb
import grpc
import pytest

from collector.api.grpc_traces import SERVICE
from collector.testing.wire import NS, T0, attempt_span, request
from tests.conftest import free_port, start_process


def test_sigterm_answers_the_calls_under_way(tmp_path: Path) -> None:
    port = free_port()
    served = start_process(tmp_path / "s.duckdb", tmp_path / "serve.log", "--grpc-port", str(port))
    assert f"OTLP/gRPC on 127.0.0.1:{port}" in served.log.read_text()
    acked: list[str] = []  # event ids of the requests answered OK
    codes: list[grpc.StatusCode] = []
    stop = threading.Event()
    started = threading.Barrier(5)

    def sender(w: int) -> None:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            call = channel.unary_unary(f"/{SERVICE}/Export")
            started.wait()
            for n in range(10_000):
                if stop.is_set():
                    return
                event_id = f"term-{w}-{n}"
                spans = [
                    attempt_span(event_id=event_id, sku="TERM", start_ns=T0 + i * NS)
                    for i in range(200)
                ]
                try:
                    call(request(*spans).SerializeToString(), timeout=60)
                except grpc.RpcError as exc:
                    codes.append(exc.code())
                    return
                acked.append(event_id)

    threads = [threading.Thread(target=sender, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    started.wait()
    while len(acked) < 8:  # calls are flowing
        threading.Event().wait(0.02)
    served.proc.send_signal(signal.SIGTERM)
    assert served.proc.wait(timeout=60) == 0
    stop.set()
    for t in threads:
        t.join(timeout=60)
    # after the stop every call is refused with a code OTLP clients retry
    # (UNAVAILABLE; CANCELLED for a call the closing connection cut off before
    # the server took it), never with one they drop
    assert set(codes) <= {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED}, codes
    with duckdb.connect(str(served.db), read_only=True) as con:
        stored = {
            row[0]: row[1]
            for row in con.execute(
                "SELECT event_id, count(*) FROM spans WHERE sku = 'TERM' GROUP BY event_id"
            ).fetchall()
        }
    assert all(stored.get(event_id) == 200 for event_id in acked), "an OK was not committed"


def test_grpc_port_in_use_stops_start_up_saying_so(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RuntimeError, match="exited early"):
            start_process(tmp_path / "p.duckdb", tmp_path / "serve.log", "--grpc-port", str(port))
    log = (tmp_path / "serve.log").read_text()
    assert f"synclens: cannot listen for OTLP/gRPC on 127.0.0.1:{port}: " in log
    assert "Traceback" not in log  # one line, no start-up traceback
