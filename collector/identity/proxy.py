"""A trusted authenticating proxy (oauth2-proxy's convention): who the user is
comes in headers, believed only from the configured proxy addresses."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from collector.identity.principal import Principal, Role
from collector.identity.roles import GroupRoles

__all__ = ["TrustedProxy"]

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class TrustedProxy:
    networks: tuple[_Network, ...]
    user_header: str
    email_header: str
    groups_header: str
    roles: GroupRoles

    @classmethod
    def build(
        cls,
        trusted: Iterable[str],
        roles: GroupRoles,
        *,
        user_header: str = "x-forwarded-user",
        email_header: str = "x-forwarded-email",
        groups_header: str = "x-forwarded-groups",
    ) -> TrustedProxy:
        networks = tuple(ipaddress.ip_network(t, strict=False) for t in trusted)
        return cls(
            networks, user_header.lower(), email_header.lower(), groups_header.lower(), roles
        )

    def trusts(self, address: str | None) -> bool:
        if not address:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.networks)

    def principal(self, address: str | None, headers: Mapping[str, str]) -> Principal | None:
        """The proxy's user, when the request comes from a trusted proxy and
        names one; ``None`` otherwise (the headers of anyone else are ignored)."""
        if not self.trusts(address):
            return None
        user = headers.get(self.user_header, "").strip()
        email = headers.get(self.email_header, "").strip()
        if not (user or email):
            return None
        groups = [g.strip() for g in headers.get(self.groups_header, "").split(",") if g.strip()]
        role: Role | None = self.roles.role(groups)
        return Principal.person(f"proxy:{user or email}", email or user, role)
