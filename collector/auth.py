"""Bearer tokens, each bound to the source systems it may speak for."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

__all__ = ["ALL_SYSTEMS", "Authorizer", "Unauthorized"]

ALL_SYSTEMS = "*"


class Unauthorized(Exception):
    """Missing or invalid credentials (-> 401); str() is the reason."""


class Authorizer:
    """``tokens`` maps a secret to the systems it may send for (``*``: any).

    With no tokens every call is allowed (the CLI then binds to loopback
    unless told otherwise).
    """

    def __init__(self, tokens: Mapping[str, frozenset[str]] | None = None) -> None:
        self._tokens = [(secret.encode(), systems) for secret, systems in (tokens or {}).items()]

    @property
    def enabled(self) -> bool:
        return bool(self._tokens)

    def systems_for(self, authorization: str | None) -> frozenset[str] | None:
        """The systems the caller may speak for; ``None`` means any.

        Raises :class:`Unauthorized` when auth is enabled and the header is
        missing, malformed or names no known token.
        """
        if not self._tokens:
            return None
        if not authorization:
            raise Unauthorized("missing Authorization header (expected 'Bearer <token>')")
        scheme, _, credential = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            raise Unauthorized("Authorization header must be 'Bearer <token>'")
        offered = credential.strip().encode()
        match: frozenset[str] | None = None
        for secret, systems in self._tokens:
            # compare against every token so timing says nothing about which one
            if hmac.compare_digest(secret, offered):
                match = systems
        if match is None:
            raise Unauthorized("invalid bearer token")
        return None if ALL_SYSTEMS in match else match
