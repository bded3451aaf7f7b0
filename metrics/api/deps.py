"""Handing the app's running parts (hung on ``app.state``) to the metrics routers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import HTTPException, Request

__all__ = ["running"]

T = TypeVar("T")


def running(name: str, kind: type[T], what: str) -> Callable[[Request], T]:
    """A dependency returning ``app.state.<name>``; 503 saying ``what`` is not
    running while it is absent (start-up, shutdown)."""

    def get(request: Request) -> T:
        found = getattr(request.app.state, name, None)
        if not isinstance(found, kind):
            raise HTTPException(503, f"{what} is not running")
        return found

    return get
