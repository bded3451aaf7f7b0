"""Fail closed: the service does not start with a route that declares no need."""

from __future__ import annotations

from collections.abc import Iterator

import fastapi.routing
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Mount

from collector.identity import Need, declared_need
from collector.identity.guard import Guarded

__all__ = ["check_every_route_declares_a_need", "route_needs"]


def _routes(app: FastAPI) -> Iterator[tuple[BaseRoute, str]]:
    """Every route with its full path (FastAPI >= 0.16x keeps included
    routers as such in ``app.routes``; earlier ones copied their routes in)."""
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    if contexts is None:
        for route in app.routes:
            yield route, str(getattr(route, "path", ""))
        return
    for context in contexts(app.routes):
        yield context.original_route, str(context.path)


def route_needs(app: FastAPI) -> dict[tuple[str, str], list[Need]]:
    """``(method, path)`` -> the needs declared for it, every route of ``app``
    (a mount is ``("*", path)``); raises ``LookupError`` naming a route of a
    kind that cannot declare one."""
    found: dict[tuple[str, str], list[Need]] = {}
    for route, path in _routes(app):
        if isinstance(route, APIRoute):
            needs = declared_need(route.dependant)
            for method in sorted(route.methods or ()):
                found[(method, path)] = needs
        elif isinstance(route, Mount) and isinstance(route.app, Guarded):
            found[("*", path)] = [route.app.need]
        else:
            raise LookupError(f"route {route!r} cannot declare what it needs")
    return found


def check_every_route_declares_a_need(app: FastAPI) -> None:
    missing = [f"{m} {p}" for (m, p), needs in route_needs(app).items() if not needs]
    if missing:
        raise RuntimeError(f"routes without a declared need (collector.identity): {missing}")
