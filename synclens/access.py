"""Building who-may-do-what from the settings: the resolver of callers and
the role of an anonymous one."""

from __future__ import annotations

import logging
import secrets

from collector.identity import Resolver, Role
from collector.identity.oidc import OidcConfig, OpenIdClient
from collector.identity.proxy import TrustedProxy
from collector.identity.roles import GroupRoles
from collector.identity.sessions import SessionCodec
from collector.identity.tokens import MachineToken, TokenTable, legacy_scopes
from collector.identity.users import LocalUser, UserBook
from synclens.settings import Settings, Token

__all__ = ["anonymous_role", "build_resolver", "is_loopback", "token_systems"]

log = logging.getLogger("synclens")


def is_loopback(host: str) -> bool:
    return host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")


def token_systems(token: Token) -> set[str]:
    """The source systems a token names (``systems``, or its events: and
    snapshots: scopes), ``*`` left out."""
    if token.scopes is None:
        named = set(token.systems or ())
    else:
        named = {
            system
            for scope in token.scopes
            if scope.startswith(("events:", "snapshots:"))
            for system in scope.partition(":")[2].split(",")
        }
    return named - {"*"}


def anonymous_role(settings: Settings) -> Role | None:
    """What a caller who has not signed in may do: ``auth.anonymous_role``
    when set; with nothing configured, everything (as synclens always did:
    ``check_bind`` keeps that to loopback unless told otherwise); else nothing."""
    if settings.auth.anonymous_role is not None:
        return settings.auth.anonymous_role
    return None if settings.auth_enabled else "admin"


def build_resolver(settings: Settings) -> Resolver:
    auth = settings.auth
    tokens = TokenTable(
        MachineToken(
            t.name,
            t.token.get_secret_value(),
            frozenset(t.scopes) if t.scopes is not None else legacy_scopes(t.systems or ("*",)),
        )
        for t in auth.tokens
    )
    users = UserBook(
        LocalUser(u.login, u.name or u.login, u.password_hash.get_secret_value(), u.role)
        for u in auth.users
    )
    roles = GroupRoles(dict(auth.groups), auth.default_role)
    proxy = (
        TrustedProxy.build(
            auth.proxy.trusted,
            roles,
            user_header=auth.proxy.user_header,
            email_header=auth.proxy.email_header,
            groups_header=auth.proxy.groups_header,
        )
        if auth.proxy.trusted
        else None
    )
    oidc = _oidc_client(settings, roles)
    secret = auth.session.secret.get_secret_value() if auth.session.secret else None
    if secret is None and (users or oidc):
        log.warning("auth.session.secret is not set: sessions end when synclens restarts")
    codec = SessionCodec(secret or secrets.token_urlsafe(32), auth.session.max_age_s)
    open_role = anonymous_role(settings)
    if open_role == "admin" and not settings.auth_enabled:
        where = "on loopback" if is_loopback(settings.host) else f"on {settings.host}"
        log.info("no auth configured: everyone who reaches %s is admin", where)
    return Resolver(codec, tokens, users, proxy, open_role, oidc)


def _oidc_client(settings: Settings, roles: GroupRoles) -> OpenIdClient | None:
    oidc = settings.auth.oidc
    if oidc.issuer is None or oidc.client_id is None:
        return None
    redirect = oidc.redirect_url or (
        f"{settings.public_url.rstrip('/')}/auth/oidc/callback" if settings.public_url else None
    )
    config = OidcConfig(
        issuer=oidc.issuer,
        client_id=oidc.client_id,
        client_secret=oidc.client_secret.get_secret_value() if oidc.client_secret else None,
        roles=roles if oidc.groups is None else GroupRoles(dict(oidc.groups), roles.default),
        scopes=oidc.scopes,
        role_claim=oidc.role_claim,
        redirect_url=redirect,
        display_name=oidc.display_name,
        ca_file=oidc.ca_file,
        timeout_s=oidc.timeout_s,
    )
    log.info("OpenID Connect sign-in through %s (role claim %r)", oidc.issuer, oidc.role_claim)
    return OpenIdClient(config)
