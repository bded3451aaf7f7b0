"""Who is asking (a person, a machine token, or nobody) and what they may do.

A role is a bundle of scopes; a token carries scopes directly.  Routes and
Dash callbacks declare a :class:`Need`; :meth:`Principal.can` answers it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

__all__ = [
    "ANY_SYSTEM",
    "ROLES",
    "ROLE_SCOPES",
    "SCOPE_PATTERN",
    "Kind",
    "Need",
    "Principal",
    "Role",
    "anonymous",
]

Role = Literal["viewer", "operator", "admin"]
Kind = Literal["person", "token", "anonymous"]
ROLES: tuple[Role, ...] = ("viewer", "operator", "admin")
ANY_SYSTEM = "*"

#: a token scope: ``traces``, ``read``, ``operate``, ``events:<systems>``,
#: ``snapshots:<systems>`` (systems comma-separated, or ``*``)
SCOPE_PATTERN = re.compile(
    r"^(traces|read|operate|admin|(events|snapshots):(\*|[\w.-]+(,[\w.-]+)*))$"
)


class Need(StrEnum):
    """What a route or a callback requires of its caller."""

    PUBLIC = "public"  # health checks: anyone
    READ = "read"  # dashboards, the query API, /metrics, the API docs
    OPERATE = "operate"  # acknowledge / resolve, run a reconciliation
    ADMIN = "admin"  # whatever configures the service
    TRACES = "traces"  # POST /v1/traces
    EVENTS = "events"  # POST /v1/events (for the systems in the scope)
    SNAPSHOTS = "snapshots"  # POST /v1/snapshots (for the systems in the scope)


ROLE_SCOPES: dict[Role, frozenset[str]] = {
    "viewer": frozenset({"read"}),
    "operator": frozenset({"read", "operate", "snapshots:*"}),
    "admin": frozenset({"read", "operate", "admin", "traces", "events:*", "snapshots:*"}),
}


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of one request.

    ``subject`` is stable and unique (``user:ana``, ``token:wms``,
    ``proxy:ana@example.com``, ``oidc:<issuer sub>``, ``anonymous``);
    ``name`` is what people read in the audit log.  ``problem`` says why an
    anonymous caller is anonymous (an invalid token, say) for the 401.
    """

    subject: str
    name: str
    kind: Kind
    scopes: frozenset[str] = frozenset()
    role: Role | None = None
    problem: str | None = field(default=None, compare=False)

    @classmethod
    def person(cls, subject: str, name: str, role: Role | None) -> Principal:
        return cls(subject, name, "person", ROLE_SCOPES[role] if role else frozenset(), role)

    @classmethod
    def token(cls, name: str, scopes: frozenset[str]) -> Principal:
        return cls(f"token:{name}", name, "token", scopes)

    def can(self, need: Need) -> bool:
        if need is Need.PUBLIC:
            return True
        if need in (Need.EVENTS, Need.SNAPSHOTS):
            return any(s.startswith(f"{need.value}:") for s in self.scopes)
        if need is Need.READ:  # whoever may operate may look first
            return bool({"read", "operate", "admin"} & self.scopes)
        if need is Need.OPERATE:
            return bool({"operate", "admin"} & self.scopes)
        return need.value in self.scopes

    def systems(self, need: Literal[Need.EVENTS, Need.SNAPSHOTS]) -> frozenset[str] | None:
        """The source systems this caller may send ``need`` for; ``None``: any."""
        found: set[str] = set()
        for scope in self.scopes:
            kind, _, systems = scope.partition(":")
            if kind == need.value:
                found.update(systems.split(","))
        return None if ANY_SYSTEM in found else frozenset(found)


def anonymous(role: Role | None = None, problem: str | None = None) -> Principal:
    """Nobody signed in: no scopes, or ``role``'s when the service lets
    anonymous callers in (no auth configured on loopback: ``admin``)."""
    scopes = ROLE_SCOPES[role] if role else frozenset()
    return Principal("anonymous", "anonymous", "anonymous", scopes, role, problem)
