"""Throttling password guessing: failed sign-ins are counted per login and
per client address over a sliding window; past the limit, sign-in is
refused (429 with ``Retry-After``) until the oldest failure in the window
is old enough.  A successful sign-in clears its login's count."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter

from collector.clock import Clock

__all__ = ["SignInMetrics", "SignInThrottle", "ThrottleLimits"]

_NS = 1_000_000_000


class SignInMetrics:
    """``synclens_sign_ins_total{method, outcome}``: ``method`` is
    ``password`` or ``oidc``; ``outcome`` ``ok``, ``failed`` or ``throttled``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.sign_ins = Counter(
            "synclens_sign_ins",
            "People's sign-in attempts, by method and outcome",
            ["method", "outcome"],
            registry=registry,
        )

    def count(self, method: str, outcome: str) -> None:
        self.sign_ins.labels(method=method, outcome=outcome).inc()


@dataclass(frozen=True, slots=True)
class ThrottleLimits:
    per_login: int = 5
    per_address: int = 20
    window_s: float = 300.0
    max_tracked: int = 10_000  # keys remembered at most (the oldest are forgotten)


class SignInThrottle:
    """``now`` is the injected clock (nanoseconds)."""

    def __init__(self, limits: ThrottleLimits, now: Clock) -> None:
        self.limits = limits
        self.now = now
        self._failures: OrderedDict[str, deque[int]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: str, now: int) -> deque[int]:
        found = self._failures.get(key)
        if found is None:
            return deque()
        horizon = now - int(self.limits.window_s * _NS)
        while found and found[0] <= horizon:
            found.popleft()
        if not found:
            del self._failures[key]
        return found

    def _keys(self, login: str, address: str | None) -> list[tuple[str, int]]:
        keys = [(f"login:{login.casefold()}", self.limits.per_login)]
        if address:
            keys.append((f"address:{address}", self.limits.per_address))
        return keys

    def retry_after_s(self, login: str, address: str | None) -> int | None:
        """Seconds until this login from this address may try again; ``None``: now."""
        now = self.now()
        wait = 0
        with self._lock:
            for key, limit in self._keys(login, address):
                recent = self._recent(key, now)
                if len(recent) >= limit:
                    # free again once enough of the failures have left the window
                    oldest = recent[len(recent) - limit]
                    wait = max(wait, oldest + int(self.limits.window_s * _NS) - now)
        return max(1, math.ceil(wait / _NS)) if wait > 0 else None

    def failed(self, login: str, address: str | None) -> None:
        now = self.now()
        with self._lock:
            for key, _ in self._keys(login, address):
                self._recent(key, now)
                self._failures.setdefault(key, deque()).append(now)
                self._failures.move_to_end(key)
            while len(self._failures) > self.limits.max_tracked:
                self._failures.popitem(last=False)

    def succeeded(self, login: str) -> None:
        with self._lock:
            self._failures.pop(f"login:{login.casefold()}", None)
