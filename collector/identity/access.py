"""Checking a request's principal against what its route needs.

The principal is resolved once per request by :class:`IdentityMiddleware`
and kept in the ASGI scope (so the Dash app, behind a2wsgi, finds it in
``environ["asgi.scope"]``).  Every route declares its :class:`Need` with
:func:`requires`; :func:`declared_need` reads that back, for the start-up
check that no route is left without one and for the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Depends, HTTPException, Request
from fastapi.dependencies.models import Dependant
from starlette.types import ASGIApp, Receive, Scope, Send

from collector.identity.principal import Need, Principal, anonymous
from collector.identity.resolver import Resolver

__all__ = [
    "PRINCIPAL_KEY",
    "IdentityMiddleware",
    "Refusal",
    "Requirement",
    "declared_need",
    "principal_of",
    "refusal",
    "requires",
]

PRINCIPAL_KEY = "synclens.principal"


class IdentityMiddleware:
    """Resolves the caller once per HTTP request into ``scope[PRINCIPAL_KEY]``."""

    def __init__(self, app: ASGIApp, resolver: Resolver) -> None:
        self.app = app
        self.resolver = resolver

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[PRINCIPAL_KEY] = self.resolver.resolve(scope)
        await self.app(scope, receive, send)


def principal_of(scope: Scope) -> Principal:
    """The request's principal; nobody (no scopes) when none was resolved."""
    found = scope.get(PRINCIPAL_KEY)
    return found if isinstance(found, Principal) else anonymous()


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int  # 401: who are you?  403: not you.
    message: str
    headers: dict[str, str]


def refusal(principal: Principal, need: Need) -> Refusal | None:
    """Why ``principal`` may not do what needs ``need``; ``None`` when it may."""
    if principal.can(need):
        return None
    if principal.kind == "anonymous":
        message = principal.problem or (
            "missing Authorization header (expected 'Bearer <token>'), and nobody is signed in"
        )
        return Refusal(401, message, {"WWW-Authenticate": "Bearer"})
    what = "this token" if principal.kind == "token" else f"{principal.name} ({principal.role})"
    return Refusal(403, f"{what} may not do this: it needs the {need.value!r} permission", {})


@dataclass(frozen=True, slots=True)
class Requirement:
    """A FastAPI dependency: the caller, checked against ``need``.  With
    ``renders`` the route answers a refusal itself, in its own format (OTLP's
    google.rpc.Status, the ingest JSON), by calling :func:`refusal`."""

    need: Need
    renders: bool = False

    def __call__(self, request: Request) -> Principal:
        principal = principal_of(request.scope)
        if not self.renders:
            refused = refusal(principal, self.need)
            if refused is not None:
                raise HTTPException(refused.status, refused.message, headers=refused.headers)
        return principal


def requires(need: Need, *, renders: bool = False) -> Any:
    """``Depends`` on a :class:`Requirement`, for a route's or router's ``dependencies``
    or an ``Annotated[Principal, requires(...)]`` parameter."""
    return Depends(Requirement(need, renders))


def declared_need(dependant: Dependant) -> list[Need]:
    """Every need declared on a route (through its dependencies, recursively)."""
    found: list[Need] = []
    for dep in dependant.dependencies:
        if isinstance(dep.call, Requirement):
            found.append(dep.call.need)
        found.extend(declared_need(dep))
    return found
