"""The injected clock: a function returning integer nanoseconds since the epoch."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Clock", "system_clock"]

Clock = Callable[[], int]


def system_clock() -> int:
    return time.time_ns()
