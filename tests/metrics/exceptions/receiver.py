"""Real receivers of exception events for the tests: an HTTP server that checks
signatures (and fails on purpose for a while), and a JetStream stream on the
machine's NATS."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import nats

NATS_URL = "nats://127.0.0.1:4222"


class Receiver:
    """Answers 500 to the first ``fail_first`` requests, then 200 (after
    ``delay_s``); keeps every well-signed event it answered 200 to, in order."""

    def __init__(self, secret: bytes, *, fail_first: int = 0, delay_s: float = 0.0) -> None:
        self.secret = secret
        self.fail_first = fail_first
        self.delay_s = delay_s
        self.requests = 0
        self.bad_signatures = 0
        self.events: dict[str, list[dict[str, Any]]] = {}  # by path (one per sink)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ts = self.headers.get("X-Synclens-Timestamp", "")
                mac = hmac.new(receiver.secret, ts.encode() + b"." + body, hashlib.sha256)
                good = hmac.compare_digest(
                    "v1=" + mac.hexdigest(), self.headers.get("X-Synclens-Signature", "")
                )
                with receiver.lock:
                    receiver.requests += 1
                    failing = receiver.requests <= receiver.fail_first
                    receiver.bad_signatures += not good
                if not good:
                    self.send_response(401)
                elif failing:
                    self.send_response(500)
                else:
                    time.sleep(receiver.delay_s)
                    with receiver.lock:
                        receiver.events.setdefault(self.path, []).append(json.loads(body))
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


async def _stream(name: str, subject: str, *, create: bool) -> list[dict[str, Any]]:
    nc = await nats.connect(NATS_URL)
    try:
        js = nc.jetstream()
        if create:
            await js.add_stream(name=name, subjects=[subject])
            return []
        info = await js.stream_info(name)
        out = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await js.get_msg(name, seq)
            out.append(json.loads(msg.data or b"null"))
        return out
    finally:
        await nc.close()


async def _drop(name: str) -> None:
    nc = await nats.connect(NATS_URL)
    try:
        await nc.jetstream().delete_stream(name)
    finally:
        await nc.close()


@contextmanager
def nats_stream() -> Iterator[tuple[str, str]]:
    """A fresh JetStream stream on a subject of its own: ``(stream, subject)``."""
    tag = uuid.uuid4().hex[:10]
    name, subject = f"SYNCLENS_TEST_{tag}", f"synclens.test.{tag}.exceptions"
    asyncio.run(_stream(name, subject, create=True))
    try:
        yield name, subject
    finally:
        asyncio.run(_drop(name))


def stream_events(name: str) -> list[dict[str, Any]]:
    return asyncio.run(_stream(name, "", create=False))


def first_seen(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events with repeats (by CloudEvent id) dropped, in order of arrival."""
    seen: set[str] = set()
    out = []
    for ev in events:
        if ev["id"] not in seen:
            seen.add(ev["id"])
            out.append(ev)
    return out
