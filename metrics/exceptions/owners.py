"""Owner routing: which team gets an exception, by kind, warehouse and target."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["OwnerRouter", "OwnerRule"]


@dataclass(frozen=True, slots=True)
class OwnerRule:
    owner: str
    kind: str | None = None
    warehouse: str | None = None
    target: str | None = None

    def matches(self, kind: str, warehouse: str | None, target: str | None) -> bool:
        return (
            (self.kind is None or self.kind == kind)
            and (self.warehouse is None or self.warehouse == warehouse)
            and (self.target is None or self.target == target)
        )

    @property
    def specificity(self) -> int:
        return sum(x is not None for x in (self.kind, self.warehouse, self.target))


class OwnerRouter:
    """The most specific matching rule wins (most fields set; first listed on a tie)."""

    def __init__(self, rules: Sequence[OwnerRule] = (), default: str = "inventory-ops") -> None:
        self._rules = list(rules)
        self.default = default

    def owner(self, kind: str, warehouse: str | None, target: str | None) -> str:
        best: tuple[int, int, str] | None = None
        for i, rule in enumerate(self._rules):
            if rule.matches(kind, warehouse, target):
                rank = (-rule.specificity, i, rule.owner)
                if best is None or rank < best:
                    best = rank
        return best[2] if best else self.default
