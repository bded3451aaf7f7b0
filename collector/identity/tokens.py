"""Machine tokens: a bearer secret, a name, and the scopes it carries."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass

from collector.identity.principal import ANY_SYSTEM, Principal, anonymous

__all__ = ["MachineToken", "TokenTable", "legacy_scopes"]


def legacy_scopes(systems: Iterable[str]) -> frozenset[str]:
    """Today's ``systems`` form: ingest only, events and snapshots for those
    systems; ``*`` also sends traces."""
    systems = tuple(systems)
    if ANY_SYSTEM in systems:
        return frozenset({"traces", "events:*", "snapshots:*"})
    joined = ",".join(systems)
    return frozenset({f"events:{joined}", f"snapshots:{joined}"}) if systems else frozenset()


@dataclass(frozen=True, slots=True)
class MachineToken:
    name: str
    secret: str
    scopes: frozenset[str]


class TokenTable:
    """Finds the token an ``Authorization: Bearer`` header names."""

    def __init__(self, tokens: Iterable[MachineToken] = ()) -> None:
        self._tokens = [(t.secret.encode(), Principal.token(t.name, t.scopes)) for t in tokens]

    def __bool__(self) -> bool:
        return bool(self._tokens)

    def principal(self, authorization: str) -> Principal:
        """The token's principal; an anonymous one saying what is wrong otherwise."""
        scheme, _, credential = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            return anonymous(problem="Authorization header must be 'Bearer <token>'")
        offered = credential.strip().encode()
        match: Principal | None = None
        for secret, principal in self._tokens:
            # compare against every token so timing says nothing about which one
            if hmac.compare_digest(secret, offered):
                match = principal
        return match or anonymous(problem="invalid bearer token")
