"""What a run reports: the live progress bar and the one-line summary at the end."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.clock import NS_PER_S

__all__ = ["Progress", "Summary"]


@dataclass
class Summary:
    seed: int
    profile: str
    sim_start_ns: int
    sim_end_ns: int
    wall_s: float
    events: int = 0
    lost: int = 0
    resent: int = 0
    pairs: int = 0
    spans: int = 0
    attempts: int = 0
    failed_attempts: int = 0
    snapshots: int = 0
    stopped: bool = False
    truth_path: Path | None = None
    truth: dict[str, Any] | None = field(default=None, repr=False)

    def line(self) -> str:
        sim_h = (self.sim_end_ns - self.sim_start_ns) / NS_PER_S / 3600
        return (
            f"simulated {sim_h:.2f} h ({self.profile}, seed {self.seed}) in {self.wall_s:.1f} s: "
            f"{self.events} events ({self.lost} lost, {self.resent} re-sent), {self.pairs} deliveries, "
            f"{self.attempts} attempts ({self.failed_attempts} failed), {self.spans} spans, "
            f"{self.snapshots} snapshots"
            + (f"; truth: {self.truth_path}" if self.truth_path else "")
            + (" [stopped early]" if self.stopped else "")
        )


class Progress:
    """A one-line progress bar on stderr, redrawn at most 5 times a second."""

    def __init__(self, enabled: bool, start_ns: int, end_ns: int) -> None:
        self._on = enabled
        self._start, self._end = start_ns, end_ns
        self._last = 0.0

    def update(self, now_ns: int, summary: Summary, force: bool = False) -> None:
        wall = time.monotonic()
        if not self._on or (not force and wall - self._last < 0.2):
            return
        self._last = wall
        frac = min(1.0, (now_ns - self._start) / max(1, self._end - self._start))
        bar = "#" * int(frac * 30)
        sys.stderr.write(
            f"\r[{bar:<30}] {frac * 100:5.1f}%  events {summary.events}  spans {summary.spans}  "
            f"snapshots {summary.snapshots}"
        )
        sys.stderr.flush()

    def done(self) -> None:
        if self._on:
            sys.stderr.write("\n")
