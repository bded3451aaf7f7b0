"""Whose error budget is it?  Budget spent attributed to causes.

Every bad event that spends an SLO's error budget is put down to one of
three causes (docs/slos.md, "Budget by cause"):

- **partner**: a partner's API failed us: a timeout, 429 or 5xx from a
  system listed in ``partner_systems``;
- **architectural**: the integration's design: validation and mapping
  failures (any system), stock records that disagree (mismatches), and the
  exception kinds mapped so;
- **operational**: running it: undelivered backlog, dead letters, aged
  exceptions, and every failure no rule names (a timeout of our own WMS).

The mapping is configuration (``budget_causes`` in synclens.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["CAUSES", "Cause", "CauseMap"]

Cause = Literal["partner", "architectural", "operational"]
CAUSES: tuple[Cause, ...] = ("partner", "architectural", "operational")


@dataclass(frozen=True)
class CauseMap:
    """Which cause a failure class on a system, or an exception kind, is."""

    partner_systems: frozenset[str] = frozenset()
    partner_errors: frozenset[str] = frozenset({"timeout", "429", "502", "503", "504"})
    architectural_errors: frozenset[str] = frozenset(
        {"validation", "mapping", "schema", "400", "409", "422"}
    )
    kinds: dict[str, Cause] = field(default_factory=dict)
    default: Cause = "operational"

    def of_failure(self, system: str, error_class: str) -> Cause:
        """A failed delivery attempt to ``system`` of class ``error_class``."""
        if error_class in self.architectural_errors:
            return "architectural"
        if error_class in self.partner_errors and system in self.partner_systems:
            return "partner"
        return self.default

    def of_kind(self, kind: str) -> Cause:
        """A bad event of kind ``kind`` (undelivered, dead_lettered, mismatch,
        aged, or an exception kind): the ``kinds`` mapping, else the default."""
        return self.kinds.get(kind, self.default)
