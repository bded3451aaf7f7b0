"""Small simulated networks for fast model tests (no network I/O)."""

from __future__ import annotations

from typing import Any

from simulator.faults import FaultProfile, profile_from_mapping
from simulator.model import FlowKnobs
from simulator.runner import RunOptions, Summary, run
from simulator.transport import MemoryTransport

START_NS = 1_795_000_000_000_000_000  # a fixed simulated start: 2026-11-18T...


def small_options(profile: str | FaultProfile, **overrides: Any) -> RunOptions:
    base: dict[str, Any] = {
        "seed": 11,
        "profile": profile,
        "duration_s": 5 * 3600,
        "start_ns": START_NS,
        "skus": 60,
        "warehouses": 2,
        "knobs": FlowKnobs(
            orders_per_hour=240, cycle_counts_per_hour=20, damages_per_hour=4, return_rate=0.2
        ),
        "snapshot_interval_s": 600,
        "truth_full_rounds": True,
    }
    base.update(overrides)
    return RunOptions(**base)


def run_small(profile: str | FaultProfile, **overrides: Any) -> tuple[Summary, MemoryTransport]:
    transport = MemoryTransport()
    summary = run(small_options(profile, **overrides), transport)
    return summary, transport


def only(**faults: Any) -> FaultProfile:
    """A profile with nothing but the given fault settings."""
    return profile_from_mapping({"faults": faults}, name="only-" + "-".join(sorted(faults)))
