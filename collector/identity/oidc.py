"""Signing people in with an OpenID Connect provider: the authorization code
flow with PKCE, ``state`` and ``nonce``, the provider found through its
discovery document, and the ID token's signature checked against its JWKS.

A :class:`Flow` (state, nonce, PKCE verifier, where to go on to) is kept in
a short-lived signed cookie between the redirect to the provider and the
way back; :meth:`OpenIdClient.finish` turns the code the provider sends back
into a :class:`Principal` whose role comes from a claim (groups, roles)
mapped through :class:`GroupRoles`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import quote_plus, urlencode

import httpx
import jwt

from collector.identity.principal import Principal
from collector.identity.roles import GroupRoles

__all__ = ["ALGORITHMS", "Flow", "OidcConfig", "OidcError", "OpenIdClient"]

#: signatures accepted on an ID token: public-key ones only (never ``none``,
#: and not HMAC with the client secret, which anyone holding it could forge)
ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)
_LEEWAY_S = 60  # clocks differ a little between us and the provider
_MAX_CLAIM_VALUES = 1000


class OidcError(Exception):
    """A sign-in that cannot be completed; ``status`` is what the browser gets."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str | None
    roles: GroupRoles
    scopes: tuple[str, ...] = ("openid", "profile", "email")
    role_claim: str = "groups"
    redirect_url: str | None = None
    display_name: str = "single sign-on"
    ca_file: str | None = None
    timeout_s: float = 10.0


@dataclass(frozen=True, slots=True)
class Flow:
    """One sign-in under way: what the way back must match."""

    state: str
    nonce: str
    verifier: str
    next: str

    @classmethod
    def begin(cls, next_: str) -> Flow:
        return cls(
            secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48), next_
        )

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class OpenIdClient:
    """The relying party.  ``now`` is the clock ID tokens are checked
    against; ``transport`` lets a caller route the HTTP calls."""

    config: OidcConfig
    now: Callable[[], float] = time.time
    transport: httpx.AsyncBaseTransport | None = None
    _metadata: dict[str, Any] | None = field(default=None, repr=False)
    _keys: jwt.PyJWKSet | None = field(default=None, repr=False)

    def _client(self) -> httpx.AsyncClient:
        verify: Any = self.config.ca_file or True
        return httpx.AsyncClient(
            timeout=self.config.timeout_s, verify=verify, transport=self.transport
        )

    async def _get_json(self, url: str, what: str, **kw: Any) -> dict[str, Any]:
        try:
            async with self._client() as http:
                answer = await http.get(url, **kw)
        except httpx.HTTPError as exc:
            raise OidcError(502, f"the sign-in provider did not answer ({what}): {exc}") from exc
        if answer.status_code != 200:
            raise OidcError(502, f"the sign-in provider's {what} answered {answer.status_code}")
        try:
            found = answer.json()
        except ValueError as exc:
            raise OidcError(502, f"the sign-in provider's {what} is not JSON") from exc
        if not isinstance(found, dict):
            raise OidcError(502, f"the sign-in provider's {what} is not a JSON object")
        return cast(dict[str, Any], found)

    async def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (fetched once)."""
        if self._metadata is None:
            issuer = self.config.issuer.rstrip("/")
            found = await self._get_json(
                f"{issuer}/.well-known/openid-configuration", "discovery document"
            )
            if found.get("issuer") != self.config.issuer:
                raise OidcError(
                    502,
                    f"the discovery document names issuer {found.get('issuer')!r}, "
                    f"not the configured {self.config.issuer!r}",
                )
            for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(found.get(key), str):
                    raise OidcError(502, f"the discovery document has no {key}")
            self._metadata = found
        return self._metadata

    async def _signing_key(self, kid: str | None, alg: str) -> jwt.PyJWK:
        for refresh in (False, True):  # a key not seen yet: the provider rotated its keys
            if self._keys is None or refresh:
                jwks = await self._get_json((await self.metadata())["jwks_uri"], "key set")
                try:
                    self._keys = jwt.PyJWKSet.from_dict(jwks)
                except jwt.PyJWTError as exc:
                    raise OidcError(502, f"the provider's key set is unusable: {exc}") from exc
            usable = [
                k
                for k in self._keys.keys
                if (kid is None or k.key_id == kid)
                and k.public_key_use in (None, "sig")
                and k.algorithm_name in (alg, None)
            ]
            if len(usable) == 1 or (usable and kid is not None):
                return usable[0]
        raise OidcError(
            401, f"the ID token is signed with a key the provider does not list ({kid})"
        )

    async def authorization_url(self, flow: Flow, redirect_uri: str) -> str:
        endpoint = (await self.metadata())["authorization_endpoint"]
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.config.client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(self.config.scopes),
                "state": flow.state,
                "nonce": flow.nonce,
                "code_challenge": flow.challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    async def finish(
        self, params: Mapping[str, str], flow: Flow | None, redirect_uri: str
    ) -> Principal:
        """The person the provider's answer (``params``: the callback's query)
        names, once it matches ``flow`` and its ID token checks out."""
        if flow is None:
            raise OidcError(
                400,
                "no sign-in is under way in this browser (it took over 10 minutes, "
                "or was started elsewhere): start again",
            )
        if not hmac.compare_digest(params.get("state", ""), flow.state):
            raise OidcError(400, "the state the provider sent back does not match this sign-in")
        if "error" in params:
            why = params.get("error_description") or params["error"]
            raise OidcError(401, f"the sign-in provider refused: {why[:200]}")
        code = params.get("code")
        if not code:
            raise OidcError(400, "the provider sent back no authorization code")
        tokens = await self._redeem(code, flow, redirect_uri)
        raw = tokens.get("id_token")
        if not isinstance(raw, str):
            raise OidcError(502, "the provider's token answer holds no id_token")
        claims = await self.verify(raw, flow.nonce)
        access = tokens.get("access_token")
        if self._claim(claims) is None and isinstance(access, str):
            claims = {**(await self._userinfo(access, str(claims["sub"]))), **claims}
        return self.principal(claims)

    async def _redeem(self, code: str, flow: Flow, redirect_uri: str) -> dict[str, Any]:
        meta = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": flow.verifier,
            "client_id": self.config.client_id,
        }
        auth: httpx.BasicAuth | None = None
        secret = self.config.client_secret
        if secret is not None:
            methods = meta.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
            if "client_secret_basic" in methods:
                auth = httpx.BasicAuth(_form_encode(self.config.client_id), _form_encode(secret))
            else:
                form["client_secret"] = secret
        try:
            async with self._client() as http:
                answer = await http.post(
                    meta["token_endpoint"],
                    data=form,
                    auth=auth,  # type: ignore[arg-type]  # None: no client authentication
                    headers={"accept": "application/json"},
                )
        except httpx.HTTPError as exc:
            raise OidcError(502, f"the sign-in provider did not answer (token): {exc}") from exc
        try:
            found = answer.json()
        except ValueError:
            found = {}
        if answer.status_code != 200 or not isinstance(found, dict):
            error = found.get("error", answer.status_code) if isinstance(found, dict) else ""
            status = 400 if answer.status_code == 400 else 502
            raise OidcError(status, f"the provider would not redeem the code: {error}")
        return cast(dict[str, Any], found)

    async def _userinfo(self, access_token: str, sub: str) -> dict[str, Any]:
        endpoint = (await self.metadata()).get("userinfo_endpoint")
        if not isinstance(endpoint, str):
            return {}
        found = await self._get_json(
            endpoint, "userinfo", headers={"authorization": f"Bearer {access_token}"}
        )
        if found.get("sub") != sub:  # another person's claims: never merge them
            raise OidcError(502, "the provider's userinfo names another subject")
        return found

    async def verify(self, raw: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims, once its signature, issuer, audience, times
        and nonce check out; :class:`OidcError` (401) saying which did not."""
        try:
            header = jwt.get_unverified_header(raw)
        except jwt.PyJWTError as exc:
            raise OidcError(401, f"the ID token is malformed: {exc}") from exc
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise OidcError(401, f"the ID token's signature algorithm {alg!r} is not accepted")
        key = await self._signing_key(header.get("kid"), str(alg))
        try:
            claims: dict[str, Any] = jwt.decode(
                raw,
                key=key.key,
                algorithms=[str(alg)],
                audience=self.config.client_id,
                issuer=self.config.issuer,
                options={
                    "require": ["iss", "aud", "sub", "exp", "iat"],
                    "verify_exp": False,  # checked below against our clock
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.InvalidSignatureError as exc:
            raise OidcError(401, "the ID token's signature does not verify") from exc
        except jwt.PyJWTError as exc:
            raise OidcError(401, f"the ID token is not valid: {exc}") from exc
        self._check_times(claims)
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.config.client_id:
            raise OidcError(401, "the ID token is meant for several clients and not issued to us")
        if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
            raise OidcError(401, "the ID token's nonce does not match this sign-in")
        return claims

    def _check_times(self, claims: Mapping[str, Any]) -> None:
        now = self.now()
        try:
            exp, iat = float(claims["exp"]), float(claims["iat"])
            nbf = float(claims.get("nbf", iat))
        except (TypeError, ValueError) as exc:
            raise OidcError(401, "the ID token's times are not numbers") from exc
        if exp + _LEEWAY_S < now:
            raise OidcError(401, "the ID token has expired")
        if min(iat, nbf) - _LEEWAY_S > now:
            raise OidcError(401, "the ID token is not valid yet (is a clock wrong?)")

    def _claim(self, claims: Mapping[str, Any]) -> list[str] | None:
        """The role claim's values (a dotted path reaches nested claims)."""
        found: Any = claims
        for part in self.config.role_claim.split("."):
            if not isinstance(found, Mapping) or part not in found:
                return None
            found = found[part]
        if isinstance(found, str):
            return [found]
        if isinstance(found, list):
            return [str(v) for v in found[:_MAX_CLAIM_VALUES]]
        return None

    def principal(self, claims: Mapping[str, Any]) -> Principal:
        """The person, with the highest role their claim maps to; a person
        with no role cannot sign in (403, naming what they brought)."""
        values = self._claim(claims) or []
        name = next(
            (
                str(claims[k])
                for k in ("name", "preferred_username", "email")
                if isinstance(claims.get(k), str) and claims[k]
            ),
            str(claims["sub"]),
        )
        role = self.config.roles.role(values)
        if role is None:
            shown = ", ".join(values[:10]) or "none"
            raise OidcError(
                403,
                f"{name} signed in, but no role here is given to their "
                f"{self.config.role_claim} ({shown})",
            )
        return Principal.person(f"oidc:{claims['sub']}", name[:256], role)


def _form_encode(value: str) -> str:
    """client_secret_basic encodes id and secret as a form would (RFC 6749 2.3.1)."""
    return quote_plus(value)
