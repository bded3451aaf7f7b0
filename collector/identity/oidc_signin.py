"""OpenID Connect sign-in (``/auth/oidc/...``): off to the provider, and back.

``start`` keeps a :class:`Flow` in a signed cookie that lives 10 minutes
and only on ``/auth/oidc`` and sends the browser to the provider;
``callback`` checks what comes back against it, redeems the code, and sets
the same session cookie a local user gets.  Sign-out is ``/auth/sign-out``.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from collector.identity.access import requires
from collector.identity.oidc import Flow, OidcError, OpenIdClient
from collector.identity.principal import Need
from collector.identity.resolver import Resolver
from collector.identity.sessions import cookie_header
from collector.identity.signin import page, safe_next
from collector.identity.throttle import SignInMetrics

__all__ = ["CALLBACK_PATH", "START_PATH", "router"]

log = logging.getLogger("synclens")

START_PATH = "/auth/oidc/start"
CALLBACK_PATH = "/auth/oidc/callback"
_FLOW_COOKIE = "synclens_oidc"
_FLOW_PATH = "/auth/oidc"
_FLOW_MAX_AGE_S = 600

router = APIRouter(tags=["sign-in"], include_in_schema=False)


def _serializer(resolver: Resolver) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(resolver.sessions.secret, salt="synclens-oidc-flow")


def _flow(request: Request, resolver: Resolver) -> Flow | None:
    raw = request.cookies.get(_FLOW_COOKIE)
    if not raw:
        return None
    try:
        data = _serializer(resolver).loads(raw, max_age=_FLOW_MAX_AGE_S)
    except BadSignature:
        return None
    if not (isinstance(data, list) and len(data) == 4 and all(isinstance(d, str) for d in data)):
        return None
    return Flow(*data)


def _flow_cookie(value: str, *, max_age_s: int, secure: bool) -> str:
    parts = [
        f"{_FLOW_COOKIE}={value}",
        f"Path={_FLOW_PATH}",
        f"Max-Age={max_age_s}",
        "HttpOnly",
        "SameSite=Lax",  # the provider's redirect back is a top-level GET: sent
    ]
    return "; ".join([*parts, "Secure"] if secure else parts)


def _setup(request: Request) -> tuple[Resolver, OpenIdClient, str]:
    resolver: Resolver = request.app.state.resolver
    if resolver.oidc is None:
        raise OidcError(404, "OpenID Connect sign-in is not configured (auth.oidc.issuer)")
    redirect = resolver.oidc.config.redirect_url or (
        str(request.base_url).rstrip("/") + CALLBACK_PATH
    )
    return resolver, resolver.oidc, redirect


def _refused(request: Request, exc: OidcError) -> Response:
    log.warning("OpenID Connect sign-in refused (%d): %s", exc.status, exc.message)
    metrics: SignInMetrics = request.app.state.sign_in_metrics
    metrics.count("oidc", "failed")
    resolver: Resolver = request.app.state.resolver
    response = page(resolver, "", f"Sign-in failed: {exc.message}", status=exc.status)
    response.headers.append(
        "set-cookie", _flow_cookie("", max_age_s=0, secure=request.url.scheme == "https")
    )
    return response


@router.get(START_PATH, dependencies=[requires(Need.PUBLIC)])
async def oidc_start(request: Request, next: Annotated[str | None, Query()] = None) -> Response:
    try:
        resolver, client, redirect = _setup(request)
        flow = Flow.begin(safe_next(next))
        target = await client.authorization_url(flow, redirect)
    except OidcError as exc:
        return _refused(request, exc)
    response = RedirectResponse(target, status_code=303)
    value = str(_serializer(resolver).dumps([flow.state, flow.nonce, flow.verifier, flow.next]))
    response.headers["set-cookie"] = _flow_cookie(
        value, max_age_s=_FLOW_MAX_AGE_S, secure=request.url.scheme == "https"
    )
    return response


@router.get(CALLBACK_PATH, dependencies=[requires(Need.PUBLIC)])
async def oidc_callback(request: Request) -> Response:
    try:
        resolver, client, redirect = _setup(request)
        flow = _flow(request, resolver)
        params = {k: v[:4096] for k, v in request.query_params.items()}
        person = await client.finish(params, flow, redirect)
    except OidcError as exc:
        return _refused(request, exc)
    assert flow is not None  # finish() refuses a missing flow
    log.info("signed in through OpenID Connect: %s (%s)", person.subject, person.role)
    metrics: SignInMetrics = request.app.state.sign_in_metrics
    metrics.count("oidc", "ok")
    response = RedirectResponse(flow.next, status_code=303)
    secure = request.url.scheme == "https"
    codec = resolver.sessions
    response.headers.append(
        "set-cookie", cookie_header(codec.encode(person), max_age_s=codec.max_age_s, secure=secure)
    )
    response.headers.append("set-cookie", _flow_cookie("", max_age_s=0, secure=secure))
    return response
