"""Password guessing is throttled: failed sign-ins per login and per address
over a sliding window, then 429 with Retry-After; the clock is injected."""

from __future__ import annotations

from typing import Any

import httpx

from collector.identity.passwords import hash_password
from collector.identity.throttle import SignInThrottle, ThrottleLimits
from synclens.settings import IngestSettings, load_settings
from tests.conftest import LiveServer

S = 1_000_000_000
PASSWORD = "the-right-one"


class FakeClock:
    def __init__(self) -> None:
        self.ns = 1_800_000_000 * S

    def __call__(self) -> int:
        return self.ns

    def advance(self, seconds: float) -> None:
        self.ns += int(seconds * S)


def test_the_window_slides() -> None:
    clock = FakeClock()
    throttle = SignInThrottle(ThrottleLimits(per_login=3, per_address=100, window_s=60), clock)
    for _ in range(3):
        assert throttle.retry_after_s("Ana", "10.0.0.1") is None
        throttle.failed("Ana", "10.0.0.1")
        clock.advance(10)
    # failures at t=0, 10, 20; now t=30: free again when the first leaves, at t=60
    assert throttle.retry_after_s("ana", "10.0.0.2") == 30  # the login, whatever its case
    clock.advance(29)
    assert throttle.retry_after_s("ana", None) == 1
    clock.advance(1)
    assert throttle.retry_after_s("ana", None) is None
    throttle.failed("ana", None)  # t=60: failures at 10, 20, 60
    assert throttle.retry_after_s("ana", None) == 10
    throttle.succeeded("ANA")
    assert throttle.retry_after_s("ana", None) is None


def test_many_logins_are_forgotten_oldest_first() -> None:
    throttle = SignInThrottle(ThrottleLimits(per_login=1, max_tracked=10), FakeClock())
    for n in range(50):
        throttle.failed(f"user{n}", None)
    assert throttle.retry_after_s("user49", None) is not None
    assert throttle.retry_after_s("user0", None) is None  # memory stays bounded


def _post(url: str, login: str, password: str, address: str | None = None) -> httpx.Response:
    headers = {"origin": url} | ({"x-forwarded-for": f"192.0.2.1, {address}"} if address else {})
    return httpx.post(
        f"{url}/auth/sign-in",
        data={"login": login, "password": password, "next": "/dashboards/"},
        headers=headers,
        timeout=30,
    )


def test_failed_sign_ins_are_throttled_per_login_and_per_address(tmp_path: Any) -> None:
    clock = FakeClock()
    settings = load_settings(
        db=str(tmp_path / "synclens.duckdb"),
        ops_db=f"sqlite:///{tmp_path / 'ops.sqlite'}",
        ingest=IngestSettings(decode_workers=0),
        reconciliation={"interval_s": 86_400},
        exceptions={"detect_interval_s": 86_400},
        auth={
            "users": [{"login": "ana", "role": "viewer", "password_hash": hash_password(PASSWORD)}],
            "proxy": {"trusted": ["127.0.0.1/32"]},  # its X-Forwarded-For names the address
            "sign_in": {
                "max_failures_per_login": 3,
                "max_failures_per_address": 5,
                "window_s": 60,
            },
        },
    )
    with LiveServer(settings, clock=clock) as svc:
        for _ in range(3):
            assert _post(svc.url, "ana", "guess", "198.51.100.1").status_code == 401
        # the right password too is refused now, from anywhere: the login is throttled
        refused = _post(svc.url, "ana", PASSWORD, "198.51.100.2")
        assert refused.status_code == 429 and refused.headers["retry-after"] == "60"
        assert "Too many failed sign-ins: try again in 60 seconds" in refused.text
        assert "set-cookie" not in refused.headers
        clock.advance(59)
        assert _post(svc.url, "ana", PASSWORD).headers["retry-after"] == "1"
        clock.advance(1)
        assert _post(svc.url, "ana", PASSWORD).status_code == 303

        # one address trying many logins
        for n in range(5):
            assert _post(svc.url, f"user{n}", "guess", "203.0.113.7").status_code == 401
        assert _post(svc.url, "ana", PASSWORD, "203.0.113.7").status_code == 429
        assert _post(svc.url, "ana", PASSWORD, "203.0.113.8").status_code == 303

        assert svc.metric("synclens_sign_ins_total", method="password", outcome="failed") == 8
        assert svc.metric("synclens_sign_ins_total", method="password", outcome="throttled") == 3
        assert svc.metric("synclens_sign_ins_total", method="password", outcome="ok") == 2
