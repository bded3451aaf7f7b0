"""CSRF: a state-changing request a browser sends on its own (cookies, a
trusted proxy's session, or an open loopback instance) must come from this
site's own pages.

Browsers send ``Origin`` with every cross-site POST (and ``Sec-Fetch-Site``);
a request whose ``Origin`` is another site is refused, and so is one carrying
the session cookie without any ``Origin`` or ``Referer`` to check.  Requests
with a bearer token are not a browser's doing and pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from collector.identity.sessions import COOKIE

__all__ = ["OriginCheck"]

_SAFE = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


class OriginCheck:
    """``trusted`` are extra origins (``public_url`` behind a proxy)."""

    def __init__(self, app: ASGIApp, trusted: Iterable[str] = ()) -> None:
        self.app = app
        self.trusted = {_origin(t) for t in trusted if _origin(t)}

    def refusal(self, scope: Scope) -> str | None:
        if scope["method"] in _SAFE:
            return None
        headers = Headers(scope=scope)
        if headers.get("authorization"):
            return None
        own = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}".lower()
        origin = headers.get("origin") or _origin(headers.get("referer", ""))
        if origin and origin != "null":
            if origin.lower() in (own, *self.trusted):
                return None
            return f"cross-site request from {origin} refused (CSRF)"
        if headers.get("sec-fetch-site") in ("cross-site", "same-site") or origin == "null":
            return "cross-site request refused (CSRF)"
        if f"{COOKIE}=" in headers.get("cookie", ""):
            return "a signed-in browser's request must say its Origin (CSRF)"
        return None  # not a browser: curl, the simulator, an OTLP exporter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refused = self.refusal(scope)
            if refused is not None:
                await JSONResponse({"detail": refused}, status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)
