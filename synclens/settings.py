"""Typed settings: one object, built by :func:`load_settings`, never at import.

Precedence, highest first: command-line flags (the keyword arguments of
:func:`load_settings`, or of ``Settings(...)`` itself), environment variables
(``SYNCLENS_*``, nested keys joined by ``__``), the YAML file, the built-in
defaults below.  Nested sections merge key by key across the three.  Every
key is documented in ``docs/configuration.md`` and a test checks that.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    Field,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from synclens.sections import (
    AmqpSettings,
    AuthSettings,
    BudgetCauseSettings,
    EdgeSettings,
    EventSettings,
    EventSinkSettings,
    GrpcSettings,
    LakeSettings,
    LocalUserSettings,
    MiB,
    NatsSettings,
    ProxySettings,
    Role,
    SessionSettings,
    Strict,
    Token,
)

__all__ = [
    "AlertRuleSettings",
    "AlertmanagerSettings",
    "AmqpSettings",
    "AuthSettings",
    "BudgetCauseSettings",
    "ConfigError",
    "EdgeSettings",
    "EventSettings",
    "EventSinkSettings",
    "ExceptionSettings",
    "GrpcSettings",
    "IngestSettings",
    "ItemClass",
    "LabelSettings",
    "LakeSettings",
    "LocalUserSettings",
    "LocationInfo",
    "NatsSettings",
    "OwnerRoute",
    "ProxySettings",
    "ReconciliationSettings",
    "RetentionSettings",
    "Role",
    "Route",
    "SessionSettings",
    "Settings",
    "SliSettings",
    "SnapshotSettings",
    "StoreSettings",
    "Token",
    "Tolerance",
    "load_settings",
]


class ConfigError(ValueError):
    """The configuration file or environment is invalid; str() says where."""


class Route(Strict):
    """Where events of one type (optionally from one source system) must go."""

    event_type: str
    source_system: str | None = None
    targets: tuple[str, ...]
    deadline_s: float = Field(900.0, gt=0)
    latency_objective_s: float = Field(60.0, gt=0)


def _route(event_type: str, *targets: str) -> Route:
    return Route(event_type=event_type, targets=targets)


DEFAULT_ROUTES: tuple[Route, ...] = (
    _route("inventory.received", "erp", "commerce"),
    _route("inventory.adjusted", "erp", "commerce"),
    _route("shipment.confirmed", "erp", "commerce"),
    _route("return.received", "erp", "commerce"),
    _route("inventory.moved", "erp"),
    _route("inventory.reserved", "wms"),
    _route("inventory.released", "wms"),
    _route("asn.received", "erp", "wms"),
)

DEFAULT_OWNERSHIP: dict[str, tuple[str, ...]] = {
    "on_hand": ("wms", "tpl"),
    "damaged": ("wms", "tpl"),
    "quarantined": ("wms", "tpl"),
    "allocated": ("erp", "commerce"),
    "in_transit": ("erp", "edi", "tms"),
    "available": (),
}


class Tolerance(Strict):
    """Allowed |variance| for matching keys; the most specific rule wins."""

    item_class: str | None = None
    warehouse: str | None = None
    channel: str | None = None
    absolute: float = Field(0.0, ge=0)
    percent: float = Field(0.0, ge=0)


class LocationInfo(Strict):
    warehouse: str
    region: str | None = None


#: a token scope: traces, read, operate, events:<systems>, snapshots:<systems>
class StoreSettings(Strict):
    memory_limit: str = "768MB"
    checkpoint_threshold: str = "16MB"
    checkpoint_interval_s: float = Field(300.0, gt=0)
    compact_min_rows: int = Field(1_000_000, ge=1)
    compact_max_rows: int = Field(2_000_000, ge=1)
    compact_interval_s: float = Field(30.0, gt=0)
    hot_days: int = Field(7, ge=1)  # with the lake on: days kept hot (docs/lake.md)


class RetentionSettings(Strict):
    spans_days: int = Field(30, ge=1)
    events_days: int = Field(90, ge=1)


class IngestSettings(Strict):
    max_body_bytes: int = Field(20 * MiB, gt=0)
    queue_max_rows: int = Field(500_000, gt=0)
    retry_after_s: int = Field(1, ge=1)
    write_timeout_s: float = Field(8.0, gt=0)
    max_group_rows: int = Field(200_000, gt=0)
    decode_workers: int = Field(1, ge=0, le=64)
    native_decoder: Literal["auto", "on", "off"] = "auto"


class ItemClass(Strict):
    """SKUs matching ``pattern`` (a glob, e.g. ``BOLT-*``) belong to ``item_class``."""

    pattern: str
    item_class: str


class ReconciliationSettings(Strict):
    interval_s: float = Field(300.0, gt=0)
    lookback_s: float = Field(86_400.0, gt=0)
    keep_runs: int = Field(288, ge=1)
    item_classes: tuple[ItemClass, ...] = ()


class OwnerRoute(Strict):
    """Exceptions matching every given field go to ``owner``; the most specific rule wins."""

    owner: str
    kind: str | None = None
    warehouse: str | None = None
    target: str | None = None


class ExceptionSettings(Strict):
    detect_interval_s: float = Field(60.0, gt=0)
    aging_objective_s: float = Field(4 * 3600.0, gt=0)
    default_owner: str = "inventory-ops"
    routing: tuple[OwnerRoute, ...] = ()


class SnapshotSettings(Strict):
    max_body_bytes: int = Field(2048 * MiB, gt=0)
    max_errors: int = Field(20, ge=1)
    keep_per_system: int = Field(24, ge=1)


class SliSettings(Strict):
    refresh_interval_s: float = Field(15.0, gt=0)
    slo_dir: str | None = None


class AlertRuleSettings(Strict):
    """What ``synclens alerts generate`` / ``grafana generate`` write into rules and dashboards."""

    runbook_url: str = "https://github.com/synclens/synclens/blob/main/docs/alerts.md"
    grafana_url: str = "http://127.0.0.1:3000"
    job: str = "synclens"


class LabelSettings(Strict):
    """Label values allowed on ``/metrics`` besides those the configuration
    names already (routes, ownership, tokens, locations, tolerances)."""

    systems: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    warehouses: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()


class AlertmanagerSettings(Strict):
    url: str | None = None
    timeout_s: float = Field(5.0, gt=0)


class Settings(BaseSettings):
    """Everything synclens can be told.  See ``docs/configuration.md``."""

    model_config = SettingsConfigDict(
        env_prefix="SYNCLENS_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    host: str = "127.0.0.1"
    port: int = Field(4318, ge=0, le=65535)
    db: str = "data/synclens.duckdb"
    ops_db: str = "sqlite:///data/synclens-ops.sqlite"
    public_url: str | None = None
    log_level: str = "info"
    allow_unauthenticated_public_bind: bool = False
    ingest: IngestSettings = IngestSettings()
    grpc: GrpcSettings = GrpcSettings()
    nats: NatsSettings = NatsSettings()
    amqp: AmqpSettings = AmqpSettings()
    routes: tuple[Route, ...] = DEFAULT_ROUTES
    ownership: dict[str, tuple[str, ...]] = Field(default_factory=lambda: dict(DEFAULT_OWNERSHIP))
    tolerances: tuple[Tolerance, ...] = ()
    locations: dict[str, LocationInfo] = Field(default_factory=dict)
    auth: AuthSettings = AuthSettings()
    edge: EdgeSettings = EdgeSettings()
    retention: RetentionSettings = RetentionSettings()
    store: StoreSettings = StoreSettings()
    lake: LakeSettings = LakeSettings()
    reconciliation: ReconciliationSettings = ReconciliationSettings()
    exceptions: ExceptionSettings = ExceptionSettings()
    snapshots: SnapshotSettings = SnapshotSettings()
    alertmanager: AlertmanagerSettings = AlertmanagerSettings()
    events: EventSettings = EventSettings()
    slis: SliSettings = SliSettings()
    alerts: AlertRuleSettings = AlertRuleSettings()
    labels: LabelSettings = LabelSettings()
    budget_causes: BudgetCauseSettings = BudgetCauseSettings()

    @field_validator("routes")
    @classmethod
    def _route_never_targets_its_source(cls, routes: tuple[Route, ...]) -> tuple[Route, ...]:
        for route in routes:
            if route.source_system and route.source_system in route.targets:
                raise ValueError(
                    f"route for {route.event_type} from {route.source_system} "
                    "must not target its own source system"
                )
        return routes

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Arguments (flags) beat the environment, which beats the YAML file.
        return (init_settings, env_settings, _FileSource(settings_cls))

    @property
    def auth_enabled(self) -> bool:
        """Whether any way of telling callers apart is configured."""
        auth = self.auth
        return bool(auth.tokens or auth.users or auth.proxy.trusted or auth.oidc.issuer)


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings from an optional YAML file, the environment and overrides.

    ``overrides`` (command-line flags) whose value is ``None`` are ignored.
    Raises :class:`ConfigError` with a readable reason.
    """
    data: dict[str, Any] = {}
    if config is not None:
        try:
            loaded = yaml.safe_load(config.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read config file {config}: {exc.strerror}") from exc
        except yaml.YAMLError as exc:
            raise ConfigError(
                f"config file {config} is not valid YAML: {_yaml_problem(exc)}"
            ) from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"config file {config} must hold a mapping at the top level")
        data = loaded or {}
    updates = {key: value for key, value in overrides.items() if value is not None}
    unknown = set(updates) - set(Settings.model_fields)
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    try:
        with _file_data(data):
            settings = Settings(**updates)
    except ValueError as exc:
        where = f"config file {config}" if config else "configuration"
        raise ConfigError(f"invalid {where}: {_problems(exc)}") from exc
    return settings


_FILE_DATA: ContextVar[dict[str, Any]] = ContextVar("synclens_file_data")


@contextmanager
def _file_data(data: dict[str, Any]) -> Iterator[None]:
    """The YAML file's mapping, for :class:`_FileSource`, while settings are built."""
    token = _FILE_DATA.set(data)
    try:
        yield
    finally:
        _FILE_DATA.reset(token)


class _FileSource(PydanticBaseSettingsSource):
    """The configuration file: the lowest source but the defaults."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return _FILE_DATA.get({}).get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(_FILE_DATA.get({}))


def _problems(exc: ValueError) -> str:
    """One line: ``key.path: message; ...`` (pydantic's own text spans lines)."""
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(part) for part in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors()
        )
    return " ".join(str(exc).split())


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or " ".join(str(exc).split())
    return f"{problem} at line {mark.line + 1}, column {mark.column + 1}" if mark else problem
