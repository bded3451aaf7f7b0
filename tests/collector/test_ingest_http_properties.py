"""Random and mutated bodies over real HTTP: never a 500, never a dead process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collector.testing.wire import attempt_span, batch_body, cloudevent, request
from synclens.settings import load_settings
from tests.conftest import LiveServer, Service

VALID_SPANS = request(
    attempt_span(event_id="p-1"), attempt_span(event_id="p-2")
).SerializeToString()
VALID_EVENTS = batch_body(
    cloudevent("e-1"), cloudevent("e-2", type="inventory.moved", to_location="X/1")
)
ALLOWED = {200, 400, 413, 415}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    db = Path(tmp_path_factory.mktemp("props")) / "p.duckdb"
    with LiveServer(load_settings(db=str(db))) as svc:
        yield svc


def _mutate(data: bytes, flips: list[tuple[int, int]], cut: int | None) -> bytes:
    out = bytearray(data)
    for pos, value in flips:
        out[pos % len(out)] = value
    return bytes(out[:cut] if cut is not None else out)


def _check(svc: Service, path: str, body: bytes, headers: dict[str, str]) -> None:
    resp = httpx.post(f"{svc.url}{path}", content=body, headers=headers, timeout=30)
    assert resp.status_code in ALLOWED, (resp.status_code, resp.text[:300])


FLIPS = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8)
CUT = st.none() | st.integers(0, 400)
FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FAST
@given(flips=FLIPS, cut=CUT, as_json=st.booleans())
def test_mutated_otlp_never_500(live: Service, flips: Any, cut: Any, as_json: bool) -> None:
    if as_json:
        body = json.dumps(
            {
                "resourceSpans": [
                    {
                        "scopeSpans": [
                            {
                                "spans": [
                                    {
                                        "traceId": "5B8EFFF798038103D269B633813FC60C",
                                        "spanId": "EEE19B7EC3C1B174",
                                        "startTimeUnixNano": "1",
                                        "endTimeUnixNano": "2",
                                        "attributes": [
                                            {"key": "sync.attempt", "value": {"intValue": "1"}}
                                        ],
                                    }
                                ]
                            }
                        ]
                    }
                ]
            }
        ).encode()
        _check(live, "/v1/traces", _mutate(body, flips, cut), {"content-type": "application/json"})
    else:
        _check(
            live,
            "/v1/traces",
            _mutate(VALID_SPANS, flips, cut),
            {"content-type": "application/x-protobuf"},
        )


@FAST
@given(flips=FLIPS, cut=CUT, mode=st.sampled_from(["batch", "structured"]))
def test_mutated_cloudevents_never_500(live: Service, flips: Any, cut: Any, mode: str) -> None:
    if mode == "batch":
        body, ctype = VALID_EVENTS, "application/cloudevents-batch+json"
    else:
        body, ctype = json.dumps(cloudevent("s-1")).encode(), "application/cloudevents+json"
    _check(live, "/v1/events", _mutate(body, flips, cut), {"content-type": ctype})


@FAST
@given(
    body=st.binary(max_size=2000),
    ctype=st.sampled_from(
        [
            "application/x-protobuf",
            "application/json",
            "application/cloudevents-batch+json",
            "application/cloudevents+json",
            "text/plain",
            "",
        ]
    ),
    encoding=st.sampled_from(["", "gzip", "br"]),
)
def test_random_bytes_never_500(live: Service, body: bytes, ctype: str, encoding: str) -> None:
    headers = {"content-type": ctype}
    if encoding:
        headers["content-encoding"] = encoding
    _check(live, "/v1/traces", body, headers)
    _check(live, "/v1/events", body, headers)
    assert httpx.get(f"{live.url}/healthz", timeout=10).status_code == 200
