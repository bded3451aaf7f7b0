"""Who may run which Dash callback, checked on the server.

Every callback is registered through :func:`callback` with the need it has
(``read`` to look, ``operate`` to acknowledge or resolve).  A Flask
``before_request`` hook refuses a ``/_dash-update-component`` call whose
caller lacks its callback's need (403) before Dash runs it, so a viewer who
calls the resolve callback by hand is refused as one who clicks.  The caller
is the principal the service resolved, found in ``environ["asgi.scope"]``
(a2wsgi puts the ASGI scope there).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import dash
from flask import Response, has_request_context, request

from collector.identity import Need, Principal, principal_of, refusal

__all__ = ["NEEDS_KEY", "callback", "callback_needs", "current_principal", "guard"]

NEEDS_KEY = "synclens.callback_needs"
_UPDATE = "/_dash-update-component"
F = TypeVar("F", bound=Callable[..., Any])


def current_principal() -> Principal:
    """The caller of the Dash request under way (nobody outside a request)."""
    if not has_request_context():
        return principal_of({})
    scope = request.environ.get("asgi.scope")
    return principal_of(scope if isinstance(scope, dict) else {})


def callback_needs(app: dash.Dash) -> dict[str, Need]:
    """Callback id (``app.callback_map``'s key) -> its need."""
    needs: dict[str, Need] = app.server.extensions.setdefault(NEEDS_KEY, {})
    return needs


def callback(app: dash.Dash, need: Need, *args: Any, **kwargs: Any) -> Callable[[F], F]:
    """``app.callback(*args, **kwargs)``, recording that it needs ``need``."""
    before = set(app.callback_map)
    register = app.callback(*args, **kwargs)  # Dash files it here already

    def decorate(func: F) -> F:
        done = register(func)
        for key in set(app.callback_map) - before:
            callback_needs(app)[key] = need
        return done  # type: ignore[no-any-return]

    return decorate


def guard(app: dash.Dash, max_body_bytes: int) -> None:
    """Check every callback call against its need; fail at start-up when a
    callback declares none."""
    needs = callback_needs(app)
    missing = sorted(set(app.callback_map) - set(needs))
    if missing:
        raise RuntimeError(f"Dash callbacks without a declared need: {missing}")
    app.server.config["MAX_CONTENT_LENGTH"] = max_body_bytes

    def _check() -> Response | None:
        if request.method != "POST" or request.path != _UPDATE:
            return None
        body = request.get_json(silent=True)
        output = body.get("output") if isinstance(body, dict) else None
        need = needs.get(output) if isinstance(output, str) else None
        if need is None:
            return _refuse(400, "no such callback")
        refused = refusal(current_principal(), need)
        return None if refused is None else _refuse(refused.status, refused.message)

    app.server.before_request(_check)


def _refuse(status: int, message: str) -> Response:
    return Response(json.dumps({"detail": message}), status, mimetype="application/json")
