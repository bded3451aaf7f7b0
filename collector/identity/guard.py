"""Guarding a mounted ASGI app (the dashboards) with one need: a browser
that has not signed in is sent to the sign-in page."""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from collector.identity.access import principal_of, refusal
from collector.identity.principal import Need

__all__ = ["SIGN_IN_PATH", "Guarded"]

SIGN_IN_PATH = "/auth/sign-in"


class Guarded:
    """Forwards to ``app`` only callers who may ``need``; ``sign_in`` says
    whether a browser can sign in here (then a page view is redirected)."""

    def __init__(self, app: ASGIApp, need: Need, *, sign_in: bool) -> None:
        self.app = app
        self.need = need
        self.sign_in = sign_in

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refused = refusal(principal_of(scope), self.need)
            if refused is not None:
                response: Response
                if refused.status == 401 and self.sign_in and scope["method"] == "GET":
                    here = scope["path"]  # the full path (Starlette keeps it whole in mounts)
                    query = scope.get("query_string", b"").decode("latin-1")
                    target = here + (f"?{query}" if query else "")
                    response = RedirectResponse(
                        f"{SIGN_IN_PATH}?next={quote(target, safe='')}", status_code=303
                    )
                else:
                    response = JSONResponse(
                        {"detail": refused.message}, refused.status, headers=refused.headers
                    )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
