"""Mapping a person's groups (from a proxy or an ID token) to a role."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from collector.identity.principal import ROLES, Role

__all__ = ["GroupRoles"]


@dataclass(frozen=True, slots=True)
class GroupRoles:
    """``groups`` maps a group name to a role; a person gets the highest
    role among their groups, or ``default`` (``None``: no access)."""

    groups: Mapping[str, Role] = field(default_factory=dict)
    default: Role | None = None

    def role(self, groups: Iterable[str]) -> Role | None:
        found = [self.groups[g] for g in groups if g in self.groups]
        if not found:
            return self.default
        return max(found, key=ROLES.index)
