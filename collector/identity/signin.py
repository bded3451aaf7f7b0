"""The sign-in page for local users, and sign-out (``/auth/...``).

A successful sign-in sets a signed session cookie (HttpOnly, SameSite=Lax,
Secure when the request came over TLS) and sends the browser on to where it
was going; signing out clears it.
"""

from __future__ import annotations

import html
import logging
from typing import Annotated
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from collector.identity.access import requires
from collector.identity.guard import SIGN_IN_PATH
from collector.identity.principal import Need
from collector.identity.resolver import Resolver
from collector.identity.sessions import cookie_header
from collector.identity.throttle import SignInMetrics, SignInThrottle

__all__ = ["client_address", "page", "router", "safe_next"]

log = logging.getLogger("synclens")

router = APIRouter(tags=["sign-in"], include_in_schema=False)

_MAX_FORM = 8192
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · synclens</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<style>body{{font-family:Inter,Segoe UI,Helvetica,Arial,sans-serif;background:#f3f4f6}}
form{{max-width:320px;margin:12vh auto;background:#fff;padding:24px;border-radius:8px}}
label,input,button{{display:block;width:100%;margin-top:8px}}
.error{{color:#b91c1c}}</style></head>
<body><form method="post" action="{action}">
<h1>synclens</h1>{error}{oidc}{local}</form></body></html>
"""
_OIDC = """<p><a id="sign-in-oidc" href="{href}">Sign in with {name}</a></p>"""
_LOCAL = """<label>User <input name="login" id="login" autocomplete="username" autofocus></label>
<label>Password <input name="password" id="password" type="password"
 autocomplete="current-password"></label>
<input type="hidden" name="next" value="{next}">
<button type="submit" id="sign-in">Sign in</button>"""


def _resolver(request: Request) -> Resolver:
    found: Resolver = request.app.state.resolver
    return found


def safe_next(target: str | None) -> str:
    """Only a path on this site: never ``//elsewhere`` or ``https://elsewhere``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/dashboards/"
    return target


def page(resolver: Resolver, next_: str, error: str = "", status: int = 200) -> HTMLResponse:
    """The sign-in page: a password form for local users, a link to the
    OpenID provider when one is configured, and ``error`` above them."""
    target = safe_next(next_)
    oidc = ""
    if resolver.oidc is not None:
        href = f"/auth/oidc/start?{urlencode({'next': target})}"
        oidc = _OIDC.format(
            href=html.escape(href, quote=True),
            name=html.escape(resolver.oidc.config.display_name),
        )
    local = _LOCAL.format(next=html.escape(target, quote=True)) if resolver.users else ""
    body = _PAGE.format(
        action=SIGN_IN_PATH,
        error=f'<p class="error" id="error">{html.escape(error)}</p>' if error else "",
        oidc=oidc,
        local=local,
    )
    return HTMLResponse(body, status_code=status)


@router.get(SIGN_IN_PATH, dependencies=[requires(Need.PUBLIC)])
def sign_in_page(request: Request, next: Annotated[str | None, Query()] = None) -> HTMLResponse:
    return page(_resolver(request), next or "")


@router.post(SIGN_IN_PATH, dependencies=[requires(Need.PUBLIC)])
async def sign_in(request: Request) -> Response:
    raw = await request.body()
    form = parse_qs(raw[:_MAX_FORM].decode("utf-8", "replace"))
    login = form.get("login", [""])[0].strip()[:256]
    password = form.get("password", [""])[0]
    target = safe_next(form.get("next", [""])[0])
    resolver = _resolver(request)
    throttle: SignInThrottle = request.app.state.sign_in_throttle
    metrics: SignInMetrics = request.app.state.sign_in_metrics
    address = client_address(request, resolver)
    wait = throttle.retry_after_s(login, address)
    if wait is not None:  # refused before the password is even looked at
        metrics.count("password", "throttled")
        log.warning("sign-in throttled for %r from %s: retry in %d s", login, address, wait)
        refused = page(
            resolver,
            target,
            f"Too many failed sign-ins: try again in {wait} seconds.",
            status=429,
        )
        refused.headers["retry-after"] = str(wait)
        return refused
    # argon2 and bcrypt take a while on purpose: not on the event loop
    person = (
        await run_in_threadpool(resolver.users.sign_in, login, password)
        if login and password
        else None
    )
    if person is None:
        metrics.count("password", "failed")
        throttle.failed(login, address)
        return page(resolver, target, "Wrong user or password.", status=401)
    metrics.count("password", "ok")
    throttle.succeeded(login)
    response = RedirectResponse(target, status_code=303)
    codec = resolver.sessions
    secure = request.url.scheme == "https"
    response.headers["set-cookie"] = cookie_header(
        codec.encode(person), max_age_s=codec.max_age_s, secure=secure
    )
    return response


def client_address(request: Request, resolver: Resolver) -> str | None:
    """The address a sign-in comes from: the peer's, or, when the peer is a
    trusted proxy, the last one it names in ``X-Forwarded-For``."""
    peer = request.client.host if request.client else None
    forwarded = request.headers.get("x-forwarded-for", "")
    if resolver.proxy is not None and resolver.proxy.trusts(peer) and forwarded.strip():
        return forwarded.split(",")[-1].strip()[:64] or peer
    return peer


@router.post("/auth/sign-out", dependencies=[requires(Need.PUBLIC)])
def sign_out(request: Request) -> Response:
    response = RedirectResponse(SIGN_IN_PATH, status_code=303)
    response.headers["set-cookie"] = cookie_header(
        "", max_age_s=0, secure=request.url.scheme == "https"
    )
    return response
