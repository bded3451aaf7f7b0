"""Signed session cookies: who signed in, until when.

The cookie holds the subject, display name and role, signed with the
service's session secret (itsdangerous, HMAC-SHA1 over the payload and
time); it expires after ``max_age_s`` and on sign-out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from itsdangerous import BadSignature, URLSafeTimedSerializer

from collector.identity.principal import ROLES, Principal, Role

__all__ = ["COOKIE", "SessionCodec", "cookie_header"]

COOKIE = "synclens_session"


@dataclass(frozen=True, slots=True)
class SessionCodec:
    secret: str
    max_age_s: int

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt="synclens-session")

    def encode(self, principal: Principal) -> str:
        return str(
            self._serializer().dumps(
                {"s": principal.subject, "n": principal.name, "r": principal.role}
            )
        )

    def decode(self, value: str) -> Principal | None:
        """The person in a valid, unexpired cookie; ``None`` otherwise."""
        try:
            data = self._serializer().loads(value, max_age=self.max_age_s)
        except BadSignature:  # also SignatureExpired
            return None
        if not isinstance(data, dict):
            return None
        found = cast(dict[str, Any], data)
        role = found.get("r")
        if role is not None and role not in ROLES:
            return None
        return Principal.person(str(found.get("s")), str(found.get("n")), cast(Role | None, role))


def cookie_header(value: str, *, max_age_s: int, secure: bool) -> str:
    """A ``Set-Cookie`` value; ``max_age_s`` 0 clears the cookie."""
    parts = [f"{COOKIE}={value}", "Path=/", f"Max-Age={max_age_s}", "HttpOnly", "SameSite=Lax"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)
