"""A deterministic discrete-event scheduler on a simulated clock (nanoseconds)."""

from __future__ import annotations

import heapq
from collections.abc import Callable

__all__ = ["NS_PER_S", "Scheduler"]

#: nanoseconds per second (the simulator talks to synclens only over the
#: wire, so it keeps this one constant of its own)
NS_PER_S = 1_000_000_000


class Scheduler:
    """Callbacks ordered by (time, insertion order): same seed, same order."""

    def __init__(self, start_ns: int) -> None:
        self.now_ns = start_ns
        self._heap: list[tuple[int, int, Callable[[], object]]] = []
        self._seq = 0

    def at(self, t_ns: int, callback: Callable[[], object]) -> None:
        heapq.heappush(self._heap, (max(t_ns, self.now_ns), self._seq, callback))
        self._seq += 1

    def next_time(self) -> int | None:
        return self._heap[0][0] if self._heap else None

    def run_next(self) -> None:
        t, _, callback = heapq.heappop(self._heap)
        self.now_ns = t
        callback()

    def __len__(self) -> int:
        return len(self._heap)
