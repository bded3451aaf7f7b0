"""Which targets an event must reach, and by when (SPEC 1.4 ``routes``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = ["RouteLike", "RouteRule", "RouteTable"]


class RouteLike(Protocol):
    @property
    def event_type(self) -> str: ...
    @property
    def source_system(self) -> str | None: ...
    @property
    def targets(self) -> tuple[str, ...]: ...
    @property
    def deadline_s(self) -> float: ...
    @property
    def latency_objective_s(self) -> float: ...


@dataclass(frozen=True, slots=True)
class RouteRule:
    targets: tuple[str, ...]
    deadline_s: float
    latency_objective_s: float


class RouteTable:
    """Looks routes up by (event type, source system); the specific rule wins."""

    def __init__(self, routes: Sequence[RouteLike]) -> None:
        self._rules: dict[tuple[str, str | None], RouteRule] = {}
        for route in routes:
            self._rules[(route.event_type, route.source_system)] = RouteRule(
                tuple(route.targets), route.deadline_s, route.latency_objective_s
            )

    def lookup(self, event_type: str, source_system: str) -> RouteRule | None:
        """The rule for an event; its targets never include its own source system."""
        rule = self._rules.get((event_type, source_system)) or self._rules.get((event_type, None))
        if rule is None:
            return None
        if source_system in rule.targets:
            targets = tuple(t for t in rule.targets if t != source_system)
            return RouteRule(targets, rule.deadline_s, rule.latency_objective_s)
        return rule

    def rows(self) -> list[tuple[str, str | None, str, float, float]]:
        """``(event_type, source_system, target, deadline_s, latency_objective_s)`` rows,
        for joining in SQL."""
        return [
            (event_type, system, target, rule.deadline_s, rule.latency_objective_s)
            for (event_type, system), rule in self._rules.items()
            for target in rule.targets
        ]
