"""Fault profiles: named mixes (``none``, ``realistic``, ``chaos``) and YAML files.

A profile holds a base :class:`FaultRates`, overrides per warehouse and per
target (most specific wins: target over warehouse over base), fixed outage
windows and a rate of random ones.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "FAULT_KINDS",
    "PROFILES",
    "FaultProfile",
    "FaultRates",
    "Latency",
    "Outage",
    "load_profile",
    "profile_from_mapping",
]

FAULT_KINDS = (
    "transient",
    "dead_letter",
    "lost",
    "duplicate",
    "out_of_order",
    "short_pick",
    "short_ship",
    "lot_relabel",
    "ownership_violation",
    "outage",
)


@dataclass(frozen=True)
class Latency:
    """Log-normal delivery latency of one attempt, in seconds."""

    median_s: float = 0.4
    sigma: float = 0.5
    max_s: float = 600.0

    def sample(self, rng: random.Random) -> float:
        return min(self.max_s, self.median_s * math.exp(self.sigma * rng.gauss(0.0, 1.0)))


@dataclass(frozen=True)
class FaultRates:
    """Probabilities (per attempt, pair, event or pick, as named) and retry policy."""

    transient: float = 0.0  # per attempt: timeout / 503, retried
    dead_letter: float = 0.0  # per (event, target): non-retryable error, parked at attempt 1
    replay: float = 0.0  # per dead-lettered pair: re-driven later from the DLQ
    replay_delay_s: tuple[float, float] = (600.0, 3600.0)
    lost: float = 0.0  # per event: never reaches the middleware (sequence gap)
    duplicate: float = 0.0  # per event: re-published with the same source + id
    duplicate_recognised: float = 0.5  # share of redeliveries the target recognises
    out_of_order: float = 0.0  # per (event, target): held back, overtaken by later events
    out_of_order_delay_s: tuple[float, float] = (60.0, 600.0)
    short_pick: float = 0.0  # per 3PL pick: units missing, written off without an event
    lot_relabel: float = 0.0  # per pick of a lot-controlled item: units re-labelled, no event
    # the seed's short ship, once per listed time (s after the start): the next 3PL pick of
    # 2+ units ships half; the ERP's provisional deduction of the rest is never reversed
    short_ship_after_s: tuple[float, ...] = ()
    ownership_violation_per_hour: float = 0.0  # channel sends on_hand adjustments
    outages_per_day: float = 0.0  # random 429 windows per target instance
    outage_duration_s: tuple[float, float] = (300.0, 1200.0)
    max_attempts: int = 5
    retry_base_s: float = 2.0
    latency: Latency = field(default_factory=Latency)


@dataclass(frozen=True)
class Outage:
    """A window (seconds from the run's start) in which ``target`` answers 429."""

    target: str  # target system (erp, commerce, wms, ...)
    start_s: float
    duration_s: float
    warehouse: str | None = None  # for wms: only that warehouse's system
    planned: bool = False  # planned downtime: marked in the truth (simulator/planned.py)

    def covers(self, target: str, warehouse: str, t_s: float) -> bool:
        return (
            self.target == target
            and (self.warehouse is None or self.warehouse == warehouse)
            and self.start_s <= t_s < self.start_s + self.duration_s
        )


@dataclass(frozen=True)
class FaultProfile:
    name: str
    base: FaultRates = field(default_factory=FaultRates)
    by_warehouse: dict[str, dict[str, Any]] = field(default_factory=dict, hash=False)
    by_target: dict[str, dict[str, Any]] = field(default_factory=dict, hash=False)
    outages: tuple[Outage, ...] = ()

    def rates(self, target: str | None = None, warehouse: str | None = None) -> FaultRates:
        rates = self.base
        if warehouse is not None and warehouse in self.by_warehouse:
            rates = _apply(rates, self.by_warehouse[warehouse])
        if target is not None and target in self.by_target:
            rates = _apply(rates, self.by_target[target])
        return rates

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "base": _rates_dict(self.base),
            "by_warehouse": self.by_warehouse,
            "by_target": self.by_target,
            "outages": [vars(o) for o in self.outages],
        }


def _rates_dict(rates: FaultRates) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(rates):
        value = getattr(rates, f.name)
        out[f.name] = vars(value) if isinstance(value, Latency) else value
    return out


_RATE_FIELDS = {f.name for f in fields(FaultRates)}


def _apply(rates: FaultRates, overrides: dict[str, Any]) -> FaultRates:
    changes: dict[str, Any] = {}
    for key, value in overrides.items():
        if key not in _RATE_FIELDS:
            raise ValueError(f"unknown fault setting {key!r}")
        if key == "latency":
            changes[key] = replace(rates.latency, **value)
        elif isinstance(value, list):
            changes[key] = tuple(float(v) for v in value)
        else:
            changes[key] = value
    return replace(rates, **changes)


_REALISTIC = FaultRates(
    transient=0.02,
    dead_letter=0.002,
    replay=0.8,
    lost=0.0005,
    duplicate=0.003,
    duplicate_recognised=0.7,
    out_of_order=0.002,
    short_pick=0.01,
    lot_relabel=0.01,
    ownership_violation_per_hour=0.2,
    outages_per_day=0.5,
    latency=Latency(median_s=1.5, sigma=0.9, max_s=900.0),
)

_CHAOS = FaultRates(
    transient=0.15,
    dead_letter=0.02,
    replay=0.6,
    lost=0.005,
    duplicate=0.03,
    duplicate_recognised=0.5,
    out_of_order=0.02,
    short_pick=0.08,
    lot_relabel=0.05,
    ownership_violation_per_hour=3.0,
    outages_per_day=3.0,
    latency=Latency(median_s=4.0, sigma=1.4, max_s=1800.0),
)

PROFILES: dict[str, FaultProfile] = {
    "none": FaultProfile("none"),
    "realistic": FaultProfile("realistic", _REALISTIC, by_target={"commerce": {"transient": 0.04}}),
    "chaos": FaultProfile("chaos", _CHAOS),
}


def profile_from_mapping(data: dict[str, Any], name: str = "custom") -> FaultProfile:
    """Build a profile from a YAML-shaped mapping (see docs/simulator.md)."""
    known = {"name", "base", "faults", "latency", "warehouses", "targets", "outages"}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown profile keys: {sorted(unknown)}")
    parent = PROFILES[str(data.get("base", "none"))]
    overrides: dict[str, Any] = dict(data.get("faults") or {})
    if "latency" in data:
        overrides["latency"] = data["latency"]
    outages = tuple(
        Outage(
            target=str(o["target"]),
            start_s=float(o["start_s"]),
            duration_s=float(o["duration_s"]),
            warehouse=o.get("warehouse"),
            planned=bool(o.get("planned", False)),
        )
        for o in data.get("outages") or ()
    )
    return FaultProfile(
        name=str(data.get("name", name)),
        base=_apply(parent.base, overrides),
        by_warehouse={**parent.by_warehouse, **(data.get("warehouses") or {})},
        by_target={**parent.by_target, **(data.get("targets") or {})},
        outages=parent.outages + outages,
    )


def load_profile(profile: str | Path | FaultProfile) -> FaultProfile:
    """A named profile, or a YAML file path."""
    if isinstance(profile, FaultProfile):
        return profile
    if isinstance(profile, str) and profile in PROFILES:
        return PROFILES[profile]
    path = Path(profile)
    if not path.exists():
        raise ValueError(f"unknown profile {profile!s}: not one of {sorted(PROFILES)} nor a file")
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a profile is a YAML mapping")
    return profile_from_mapping(data, name=path.stem)
