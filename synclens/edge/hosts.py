"""Only the configured host names (no DNS rebinding into a loopback instance)."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["AllowedHosts", "host_name"]


def host_name(host_header: str) -> str:
    """``Host`` without its port, lower case (``[::1]:4318`` -> ``::1``)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class AllowedHosts:
    """400 for a request whose ``Host`` is not listed; ``*.example.com``
    matches subdomains, ``*`` anything."""

    def __init__(self, app: ASGIApp, hosts: Iterable[str]) -> None:
        self.app = app
        self.exact = {h.lower() for h in hosts if not h.startswith("*")}
        self.suffixes = tuple(h[1:].lower() for h in hosts if h.startswith("*."))
        self.any = "*" in set(hosts)

    def allows(self, host_header: str | None) -> bool:
        if self.any:
            return True
        name = host_name(host_header or "")
        return name in self.exact or (bool(self.suffixes) and name.endswith(self.suffixes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = Headers(scope=scope).get("host")
            if not self.allows(host):
                response = PlainTextResponse(
                    f"host {host!r} is not served here (edge.allowed_hosts)", status_code=400
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
