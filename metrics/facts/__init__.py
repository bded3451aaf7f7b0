"""SPEC 2's per-pair facts, derived incrementally from the store's group commits."""

from metrics.facts.derive import (
    ATTEMPT_SLACK_NS,
    LATENCY_BOUNDS_S,
    Derivation,
    Refresher,
    RefreshResult,
    prune_facts,
    refresh,
)

__all__ = [
    "ATTEMPT_SLACK_NS",
    "LATENCY_BOUNDS_S",
    "Derivation",
    "RefreshResult",
    "Refresher",
    "prune_facts",
    "refresh",
]
