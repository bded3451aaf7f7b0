"""A clock that moves only when told: every computation takes ``now`` from
an injected clock (``collector.clock.Clock``), so tests never sleep."""

from __future__ import annotations

from collector.timefmt import NS_PER_S

__all__ = ["ManualClock"]


class ManualClock:
    """Integer nanoseconds since the epoch, moved by hand."""

    def __init__(self, now_ns: int) -> None:
        self.now_ns = now_ns

    def __call__(self) -> int:
        return self.now_ns

    def advance(self, seconds: float) -> int:
        """Move ``seconds`` on; returns the new time."""
        self.now_ns += int(seconds * NS_PER_S)
        return self.now_ns
