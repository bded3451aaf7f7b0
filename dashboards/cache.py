"""Reusing SLI answers while they are still fresh enough to show.

An SLI over a window of length W computed at time t still describes
``[now - W, now)`` to within ``W * fraction`` of its length until
``t + W * fraction``: a 28-day budget computed a minute ago is as good as a
new one, a 5-minute burn rate is not.  So each answer is kept for
``min(W * fraction, max_age_s)`` (28 d: 2 min, 1 h: 1.8 s, 5 m: 0.15 s),
judged by the injected clock.  One lock per key: concurrent viewers of a
cold page wait for one computation instead of each starting their own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from collector.timefmt import NS_PER_S

__all__ = ["FreshnessCache"]


class FreshnessCache:
    def __init__(
        self, *, fraction: float = 1 / 2000, max_age_s: float = 120.0, size: int = 512
    ) -> None:
        self.fraction = fraction
        self.max_age_ns = int(max_age_s * NS_PER_S)
        self.size = size
        self._values: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def max_age_for(self, span_ns: int) -> int:
        """Nanoseconds an answer over a window of ``span_ns`` stays fresh."""
        return min(int(span_ns * self.fraction), self.max_age_ns)

    def get(self, key: Hashable, *, span_ns: int, now_ns: int, compute: Callable[[], Any]) -> Any:
        """The cached answer for ``key`` if fresh at ``now_ns``, else ``compute()``'s (kept)."""
        max_age = self.max_age_for(span_ns)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                found = self._values.get(key)
            if found is not None and 0 <= now_ns - found[0] <= max_age:
                return found[1]
            value = compute()
            with self._guard:
                self._values[key] = (now_ns, value)
                self._values.move_to_end(key)
                while len(self._values) > self.size:
                    old, _ = self._values.popitem(last=False)
                    self._locks.pop(old, None)
            return value

    def clear(self) -> None:
        with self._guard:
            self._values.clear()
