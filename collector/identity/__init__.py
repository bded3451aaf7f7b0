"""Who may see and do what: principals, roles, scopes, and how a request's
caller is found (bearer tokens, a trusted proxy, signed session cookies)."""

from collector.identity.access import (
    PRINCIPAL_KEY,
    IdentityMiddleware,
    Refusal,
    Requirement,
    declared_need,
    principal_of,
    refusal,
    requires,
)
from collector.identity.principal import ROLES, Need, Principal, Role, anonymous
from collector.identity.resolver import Resolver

__all__ = [
    "PRINCIPAL_KEY",
    "ROLES",
    "IdentityMiddleware",
    "Need",
    "Principal",
    "Refusal",
    "Requirement",
    "Resolver",
    "Role",
    "anonymous",
    "declared_need",
    "principal_of",
    "refusal",
    "requires",
]
