"""Which targets an event must reach, and by when (SPEC 1.4 ``routes``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import pyarrow as pa

from collector.timefmt import NS_PER_S

__all__ = ["PAIR_SCHEMA", "RouteLike", "RouteRule", "RouteTable"]


#: the expected (event, target) pairs of :meth:`RouteTable.expected_pairs`
PAIR_SCHEMA = pa.schema(
    [
        ("type", pa.string()),
        ("system", pa.string()),
        ("target", pa.string()),
        ("deadline_ns", pa.int64()),
        ("objective_ns", pa.int64()),
    ]
)


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

    def longest_deadline_ns(self) -> int:
        """The longest delivery deadline of any route (0 with none): after it,
        a pair of an event is applied or undelivered."""
        return max((int(r.deadline_s * NS_PER_S) for r in self._rules.values()), default=0)

    def lookup(self, event_type: str, source_system: str) -> RouteRule | None:
        """The rule for an event; its targets never include its own source system."""
        rule = self._rules.get((event_type, source_system)) or self._rules.get((event_type, None))
        if rule is None:
            return None
        if source_system in rule.targets:
            targets = tuple(t for t in rule.targets if t != source_system)
            return RouteRule(targets, rule.deadline_s, rule.latency_objective_s)
        return rule

    def expected_pairs(self, keys: Iterable[tuple[str, str]]) -> pa.Table:
        """For events of the ``(event type, source system)`` keys, the targets
        they must reach with the deadline and latency objective in
        nanoseconds: one row per target (:data:`PAIR_SCHEMA`), for joining
        events to their expected pairs in SQL."""
        rows: list[tuple[str, str, str, int, int]] = []
        for event_type, system in keys:
            rule = self.lookup(event_type, system)
            if rule is None:
                continue
            deadline, objective = (
                int(rule.deadline_s * NS_PER_S),
                int(rule.latency_objective_s * NS_PER_S),
            )
            rows.extend((event_type, system, t, deadline, objective) for t in rule.targets)
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(PAIR_SCHEMA)
        return pa.table([pa.array(c, f.type) for c, f in zip(columns, PAIR_SCHEMA, strict=True)],
                        schema=PAIR_SCHEMA)  # fmt: skip

    def deadlines(self, keys: Iterable[tuple[str, str]]) -> pa.Table:
        """``(type, system, deadline_ns)`` of the keys that have a route, whether
        or not it leaves them a target (sequence gaps come due by it)."""
        rows = [
            (t, s, int(rule.deadline_s * NS_PER_S))
            for t, s in keys
            if (rule := self.lookup(t, s)) is not None
        ]
        return pa.table(
            {
                "type": pa.array([r[0] for r in rows], pa.string()),
                "system": pa.array([r[1] for r in rows], pa.string()),
                "deadline_ns": pa.array([r[2] for r in rows], pa.int64()),
            }
        )

    def rows(self) -> list[tuple[str, str | None, str, float, float]]:
        """``(event_type, source_system, target, deadline_s, latency_objective_s)`` rows,
        for joining in SQL."""
        return [
            (event_type, system, target, rule.deadline_s, rule.latency_objective_s)
            for (event_type, system), rule in self._rules.items()
            for target in rule.targets
        ]
