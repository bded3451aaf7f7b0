"""Serving the Dash app inside the FastAPI service, on the same port.

The service's parts (store, engines) exist only once its lifespan has
started, so the route is mounted at once and the Dash app attached later:
until then ``/dashboards/`` answers 503.
"""

from __future__ import annotations

from typing import Any

import dash
from a2wsgi import WSGIMiddleware
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

__all__ = ["DashMount"]


class DashMount:
    """An ASGI app that forwards to a Dash app's Flask server once attached."""

    def __init__(self) -> None:
        self._app: Any = None

    def attach(self, app: dash.Dash) -> None:
        self._app = WSGIMiddleware(app.server)

    def detach(self) -> None:
        self._app = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self._app
        if app is None:
            response = PlainTextResponse("the dashboards are starting", status_code=503)
            await response(scope, receive, send)
            return
        await app(scope, receive, send)
