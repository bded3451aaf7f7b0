"""The HTTP transport against a plain HTTP server that has no /v1/snapshots yet."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from simulator.model import FlowKnobs
from simulator.runner import simulate


class _Collector(BaseHTTPRequestHandler):
    seen: ClassVar[dict[str, int]] = {}
    auth: ClassVar[set[str]] = set()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.seen[self.path] = self.seen.get(self.path, 0) + 1
        self.auth.add(self.headers.get("Authorization", ""))
        if self.path == "/v1/events":
            reply = json.dumps({"accepted": len(json.loads(body)), "duplicates": 0, "rejected": []})
            self._send(200, reply.encode(), "application/json")
        elif self.path == "/v1/traces":
            self._send(200, b"", "application/x-protobuf")
        else:
            self._send(404, b'{"detail":"Not Found"}', "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def plain_collector() -> Iterator[str]:
    _Collector.seen = {}
    _Collector.auth = set()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_missing_snapshot_endpoint_is_one_warning(
    plain_collector: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="simulator.transport"):
        summary = simulate(
            plain_collector, seed=2, profile="none", duration_s=1800, skus=30, warehouses=1,
            token="s3cret", knobs=FlowKnobs(orders_per_hour=300),
        )  # fmt: skip
    assert summary.events > 0 and summary.snapshots > 5
    assert _Collector.seen["/v1/snapshots"] == 1
    assert _Collector.seen["/v1/events"] >= 1 and _Collector.seen["/v1/traces"] >= 1
    assert _Collector.auth == {"Bearer s3cret"}
    warnings = [r for r in caplog.records if "snapshots" in r.getMessage()]
    assert len(warnings) == 1
