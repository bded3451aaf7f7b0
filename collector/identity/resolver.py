"""Who the caller of one request is: a bearer token, a trusted proxy's user,
a session cookie, or nobody."""

from __future__ import annotations

from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie

from starlette.datastructures import Headers
from starlette.types import Scope

from collector.identity.oidc import OpenIdClient
from collector.identity.principal import Principal, Role, anonymous
from collector.identity.proxy import TrustedProxy
from collector.identity.sessions import COOKIE, SessionCodec
from collector.identity.tokens import TokenTable
from collector.identity.users import UserBook

__all__ = ["Resolver"]


@dataclass(frozen=True, slots=True)
class Resolver:
    """``open_role`` is what anonymous callers get (``admin`` when nothing
    is configured and the service listens on loopback; ``None``: nothing)."""

    sessions: SessionCodec
    tokens: TokenTable = field(default_factory=TokenTable)
    users: UserBook = field(default_factory=UserBook)
    proxy: TrustedProxy | None = None
    open_role: Role | None = None
    oidc: OpenIdClient | None = None

    @property
    def people_sign_in(self) -> bool:
        """Whether a browser can sign in here (local users or OpenID Connect)."""
        return bool(self.users) or self.oidc is not None

    def bearer(self, authorization: str | None) -> Principal:
        """The caller of a call that carries at most a bearer token (OTLP/gRPC)."""
        if authorization:
            return self.tokens.principal(authorization)
        return anonymous(self.open_role)

    def resolve(self, scope: Scope) -> Principal:
        headers = Headers(scope=scope)
        authorization = headers.get("authorization")
        if authorization:
            return self.tokens.principal(authorization)
        if self.proxy is not None:
            client = scope.get("client")
            found = self.proxy.principal(client[0] if client else None, headers)
            if found is not None:
                return found
        cookie = _cookie(headers.get("cookie"))
        if cookie:
            person = self.sessions.decode(cookie)
            if person is not None and person.subject.startswith("user:"):
                person = self.users.current(person.subject)  # removed or role changed
            if person is not None:
                return person
            return anonymous(self.open_role, problem="the session has expired: sign in again")
        return anonymous(self.open_role)


def _cookie(header: str | None) -> str | None:
    if not header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel else None
