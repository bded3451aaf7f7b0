"""Sections of the settings that configure the service's edges: who may call
it (tokens, users, a trusted proxy, sessions) and how (TLS, limits); the
front doors beside HTTP (OTLP/gRPC, NATS, RabbitMQ); the lake; where
exception events go.  :class:`synclens.settings.Settings` holds them."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from collector.identity.passwords import scheme_of

__all__ = [
    "AmqpSettings",
    "AuthSettings",
    "BudgetCauseSettings",
    "EdgeSettings",
    "EventSettings",
    "EventSinkSettings",
    "GrpcSettings",
    "LakeSettings",
    "LocalUserSettings",
    "MiB",
    "NatsSettings",
    "OidcSettings",
    "ProxySettings",
    "Role",
    "SessionSettings",
    "SignInSettings",
    "Strict",
    "Token",
]


MiB = 1024 * 1024
Role = Literal["viewer", "operator", "admin"]


class Strict(BaseModel):
    """A settings section: unknown keys are errors, values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


_SCOPE = r"^(traces|read|operate|admin|(events|snapshots):(\*|[\w.-]+(,[\w.-]+)*))$"


class Token(Strict):
    """A bearer token for a machine: either ``scopes``, or (today's form)
    ``systems``, meaning ingest only for those systems (``*``: all, and traces)."""

    name: str = Field(min_length=1, max_length=128)
    token: SecretStr
    systems: tuple[str, ...] | None = None
    scopes: tuple[Annotated[str, Field(pattern=_SCOPE)], ...] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Token:
        if self.systems is not None and self.scopes is not None:
            raise ValueError(f"token {self.name!r}: give either systems or scopes, not both")
        return self


class LocalUserSettings(Strict):
    """A person who signs in with a password (hash: ``synclens users hash``)."""

    login: str = Field(min_length=1, max_length=128, pattern=r"^[^\s:]+$")
    name: str | None = None
    password_hash: SecretStr
    role: Role = "viewer"

    @field_validator("password_hash")
    @classmethod
    def _known_hash(cls, value: SecretStr) -> SecretStr:
        if scheme_of(value.get_secret_value()) is None:
            raise ValueError(
                "not an argon2 ($argon2id$...) or bcrypt ($2b$..., 60 characters) hash: "
                "make one with `synclens users hash`"
            )
        return value


class ProxySettings(Strict):
    """A trusted authenticating proxy (oauth2-proxy) in front of synclens."""

    trusted: tuple[str, ...] = ()
    user_header: str = "X-Forwarded-User"
    email_header: str = "X-Forwarded-Email"
    groups_header: str = "X-Forwarded-Groups"

    @field_validator("trusted")
    @classmethod
    def _networks(cls, trusted: tuple[str, ...]) -> tuple[str, ...]:
        for entry in trusted:
            ipaddress.ip_network(entry, strict=False)  # ValueError names the entry
        return trusted


class SessionSettings(Strict):
    secret: SecretStr | None = None
    max_age_s: int = Field(8 * 3600, ge=60)


class OidcSettings(Strict):
    """Signing in with an OpenID Connect provider (authorization code + PKCE).

    On when ``issuer`` is set.  ``role_claim`` names the claim (a dotted path
    for nested ones, e.g. ``realm_access.roles``) whose values are mapped to
    roles by ``groups`` (default: ``auth.groups``)."""

    issuer: str | None = Field(None, pattern=r"^https?://[^\s?#]+$")
    client_id: str | None = None
    client_secret: SecretStr | None = None
    scopes: tuple[str, ...] = ("openid", "profile", "email")
    role_claim: str = Field("groups", min_length=1)
    groups: dict[str, Role] | None = None
    redirect_url: str | None = Field(None, pattern=r"^https?://[^\s?#]+$")
    display_name: str = Field("single sign-on", min_length=1, max_length=64)
    ca_file: str | None = None
    timeout_s: float = Field(10.0, gt=0)

    @model_validator(mode="after")
    def _client(self) -> OidcSettings:
        if self.issuer is not None and not self.client_id:
            raise ValueError("auth.oidc.client_id is needed with auth.oidc.issuer")
        if self.issuer is not None and "openid" not in self.scopes:
            raise ValueError("auth.oidc.scopes must include 'openid'")
        return self


class SignInSettings(Strict):
    """Throttling password guessing on the sign-in page."""

    max_failures_per_login: int = Field(5, ge=1)
    max_failures_per_address: int = Field(20, ge=1)
    window_s: float = Field(300.0, gt=0)


class AuthSettings(Strict):
    tokens: tuple[Token, ...] = ()
    users: tuple[LocalUserSettings, ...] = ()
    proxy: ProxySettings = ProxySettings()
    oidc: OidcSettings = OidcSettings()
    groups: dict[str, Role] = Field(default_factory=dict)
    default_role: Role | None = None
    anonymous_role: Role | None = None
    session: SessionSettings = SessionSettings()
    sign_in: SignInSettings = SignInSettings()


class EdgeSettings(Strict):
    """What every request meets: host names, limits, timeouts, TLS."""

    allowed_hosts: tuple[str, ...] = ()
    max_body_bytes: int = Field(1 * MiB, gt=0)
    body_timeout_s: float = Field(30.0, gt=0)
    header_timeout_s: float = Field(10.0, gt=0)
    keep_alive_s: float = Field(5.0, gt=0)
    tls_cert_file: str | None = None
    tls_key_file: str | None = None

    @model_validator(mode="after")
    def _both_or_neither(self) -> EdgeSettings:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("edge.tls_cert_file and edge.tls_key_file go together")
        return self


class LakeSettings(Strict):
    """The Iceberg lake beside the hot store (``collector/lake/``, ``docs/lake.md``).

    Off by default.  When on, settled rows are exported by a scheduler job;
    ``catalog_url`` and ``warehouse`` default to files beside ``db``."""

    enabled: bool = False
    catalog_url: str | None = None
    warehouse: str | None = None
    namespace: str = "synclens"
    sku_buckets: int = Field(16, ge=1, le=4096)
    s3_endpoint: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_region: str = "us-east-1"
    export_interval_s: float = Field(60.0, gt=0)
    export_max_rows: int = Field(1_000_000, ge=1)
    pair_facts_settle_s: float = Field(2 * 86_400.0, gt=0)
    maintenance_interval_s: float = Field(3600.0, gt=0)
    compact_min_files: int = Field(8, ge=2)
    snapshot_keep_s: float = Field(86_400.0, gt=0)
    retention_days: int = Field(396, ge=1)


class GrpcSettings(Strict):
    """The OTLP/gRPC receiver (``TraceService/Export``) beside the HTTP port."""

    port: int = Field(4317, ge=0, le=65535)  # 0: no gRPC receiver
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    shutdown_grace_s: float = Field(30.0, gt=0)

    @model_validator(mode="after")
    def _cert_and_key_together(self) -> GrpcSettings:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("grpc.tls_cert_file and grpc.tls_key_file go together")
        return self


class NatsSettings(Strict):
    """CloudEvents from NATS JetStream: a durable pull consumer (off without ``url``)."""

    url: str | None = None  # e.g. nats://127.0.0.1:4222
    stream: str = "INVENTORY"
    subject: str = "inventory.>"  # the consumer's filter subject
    durable: str = "synclens"
    batch: int = Field(100, ge=1, le=10_000)
    ack_wait_s: float = Field(30.0, gt=0)


class AmqpSettings(Strict):
    """CloudEvents from a RabbitMQ queue (AMQP 0-9-1; off without ``url``)."""

    url: SecretStr | None = None  # e.g. amqp://user:password@127.0.0.1:5672/
    queue: str = "synclens.events"
    prefetch: int = Field(100, ge=1, le=65_535)
    dead_letter_exchange: str | None = None


class EventSinkSettings(Strict):
    """One receiver of exception events (docs/exceptions.md, "Events out")."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")
    kind: Literal["webhook", "nats"]
    url: str  # webhook: the URL to POST to; nats: the server, e.g. nats://127.0.0.1:4222
    secret: SecretStr | None = None  # webhook: the HMAC-SHA256 key of the signature header
    subject: str | None = None  # nats: the subject (a JetStream stream must capture it)
    orders_only: bool = False  # only events of exceptions that impact orders (order follow-up)
    timeout_s: float = Field(10.0, gt=0)

    @model_validator(mode="after")
    def _complete(self) -> EventSinkSettings:
        if self.kind == "nats" and not self.subject:
            raise ValueError(f"event sink {self.name}: a nats sink needs a subject")
        return self


class EventSettings(Strict):
    sinks: tuple[EventSinkSettings, ...] = ()
    poll_interval_s: float = Field(1.0, gt=0)
    batch: int = Field(100, ge=1)
    retry_base_s: float = Field(2.0, gt=0)
    retry_max_s: float = Field(600.0, gt=0)
    keep_s: float = Field(7 * 86_400.0, gt=0)

    @field_validator("sinks")
    @classmethod
    def _unique_names(cls, sinks: tuple[EventSinkSettings, ...]) -> tuple[EventSinkSettings, ...]:
        names = [s.name for s in sinks]
        if len(names) != len(set(names)):
            raise ValueError("event sink names must be unique")
        return sinks


CauseName = Literal["partner", "architectural", "operational"]
_DEFAULT_KIND_CAUSES: dict[str, CauseName] = {
    "undelivered": "operational",
    "dead_lettered": "operational",
    "aged": "operational",
    "mismatch": "architectural",
}


class BudgetCauseSettings(Strict):
    """How budget spent is put down to partner, architectural or operational
    causes (docs/slos.md, "Budget by cause")."""

    partner_systems: tuple[str, ...] = ("commerce", "edi", "tpl", "tms")
    partner_errors: tuple[str, ...] = ("timeout", "429", "502", "503", "504")
    architectural_errors: tuple[str, ...] = ("validation", "mapping", "schema", "400", "409", "422")
    kinds: dict[str, CauseName] = Field(default_factory=lambda: dict(_DEFAULT_KIND_CAUSES))
    default: CauseName = "operational"
