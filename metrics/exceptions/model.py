"""What the exception workflow deals in: a detector's finding (``Candidate``),
what a sync changed (``SyncResult``), the severity of each kind, and the
errors of a transition asked by hand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "MAX_NOTE_BYTES",
    "SEVERITY",
    "Candidate",
    "InvalidTransition",
    "NotFound",
    "SyncResult",
]

#: notes are kept whole in the append-only audit log: a bound on one entry
MAX_NOTE_BYTES = 4096

SEVERITY: dict[str, str] = {
    "mismatch": "warning",
    "undelivered": "critical",
    "dead_lettered": "critical",
    "double_apply": "critical",
    "out_of_sequence": "warning",
    "sequence_gap": "critical",
    "ownership_violation": "warning",
}


class NotFound(LookupError):
    pass


class InvalidTransition(ValueError):
    pass


@dataclass(frozen=True)
class Candidate:
    """What a detector found: one exception's identity and evidence."""

    kind: str
    identity: str
    reason: str
    sku: str | None = None
    location: str | None = None
    warehouse: str | None = None
    target: str | None = None
    stock_status: str | None = None
    source: str | None = None
    event_ids: Sequence[str] = ()
    trace_ids: Sequence[str] = ()
    order_ids: Sequence[str] = ()
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class SyncResult:
    opened: list[int] = field(default_factory=list)
    updated: int = 0
    resolved: list[int] = field(default_factory=list)
