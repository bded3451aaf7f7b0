"""Reusing SLI answers while they are still fresh enough to show.

An SLI over a window of length W computed at time t still describes
``[now - W, now)`` to within ``W * fraction`` of its length until
``t + W * fraction``: a 28-day budget computed a minute ago is as good as a
new one, a 5-minute burn rate is not.  So each answer is kept for
``min(W * fraction, max_age_s)`` (28 d: 2 min, 1 h: 1.8 s, 5 m: 0.15 s),
judged by the injected clock.  One lock per key: concurrent viewers of a
cold page wait for one computation instead of each starting their own.

An answer over a finished period (one that ends before now: an SLO
history's past instants) does not age with its window's length: the caller
says how long it stays (``get_many``'s ``keep_ns``), typically as long as a
page shows it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Mapping
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
            self._keep({key: value}, now_ns)
            return value

    def get_many(
        self,
        keys: Collection[Hashable],
        *,
        keep_ns: int,
        now_ns: int,
        compute: Callable[[list[Hashable]], Mapping[Hashable, Any]],
    ) -> dict[Hashable, Any]:
        """Each of ``keys``' answer: kept ones computed at most ``keep_ns``
        before ``now_ns``, the others by one ``compute(missing)`` (kept)."""
        found: dict[Hashable, Any] = {}
        with self._guard:
            for key in keys:
                kept = self._values.get(key)
                if kept is not None and 0 <= now_ns - kept[0] <= keep_ns:
                    found[key] = kept[1]
        missing = [k for k in keys if k not in found]
        if missing:
            computed = compute(missing)
            found.update({key: computed[key] for key in missing})
            self._keep({key: computed[key] for key in missing}, now_ns)
        return found

    def _keep(self, values: Mapping[Hashable, Any], now_ns: int) -> None:
        with self._guard:
            for key, value in values.items():
                self._values[key] = (now_ns, value)
                self._values.move_to_end(key)
            while len(self._values) > self.size:
                old, _ = self._values.popitem(last=False)
                self._locks.pop(old, None)

    def clear(self) -> None:
        with self._guard:
            self._values.clear()
