"""SLO specs: ``apiVersion: synclens/v1``, ``kind: SLO`` YAML files (SPEC 4).

A spec names a business SLI, an objective (the share of good events), a
rolling window and an alerting policy.  The multiwindow, multi-burn-rate
alert windows of the SRE Workbook are derived from the window: each one
fires when a given share of the budget would be spent within its long
window (2 % in 1 h and 5 % in 6 h page; 10 % in 1 d and 10 % in 3 d
ticket), so the factors are 14.4 / 6 / 3 / 1 for 30 d and 13.44 / 5.6 /
2.8 / 1 for 28 d (a factor is never below 1: burning at exactly budget pace
ends the window on budget, which is no breach).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from metrics.slo.documents import (
    LABEL_VALUE,
    Named,
    SloError,
    Strict,
    check_time_zone,
    is_kind,
    read_text,
    yaml_documents,
    yaml_files,
)

__all__ = [
    "AGING_BUCKETS",
    "COUNTER_SLIS",
    "SHIPPED_SLO_DIR",
    "SLI_LABELS",
    "SLI_NAMES",
    "AlertWindow",
    "Alerting",
    "BurnWindow",
    "Outage",
    "OutageRule",
    "SloError",
    "SloSpec",
    "default_windows",
    "duration_s",
    "load_slo_file",
    "load_slos",
    "slo_from_mapping",
]

#: the shipped default SLOs (``slos/`` at the top of the repository)
SHIPPED_SLO_DIR = Path(__file__).resolve().parents[2] / "slos"

SLI_NAMES = ("latency", "first_pass", "mismatch", "exception_aging", "api_failure")
#: SLIs that count events (their window totals grow with the window); the others are gauges
COUNTER_SLIS = ("latency", "first_pass", "api_failure")
#: the Prometheus labels an SLO can be grouped by or filtered on, per SLI (SPEC 6)
SLI_LABELS: dict[str, tuple[str, ...]] = {
    "latency": ("target", "event_type"),
    "first_pass": ("target",),
    "api_failure": ("target",),
    "mismatch": ("warehouse", "channel"),
    "exception_aging": (),
}
#: SLIs whose total-outage page is on unless the SLO turns it off
_OUTAGE_BY_DEFAULT = ("first_pass", "api_failure")
#: ``synclens_exceptions_unresolved`` age buckets that are *aged* for an aging objective
AGING_BUCKETS: dict[str, tuple[str, ...]] = {
    "1h": ("1h_4h", "4h_24h", "gt_24h"),
    "4h": ("4h_24h", "gt_24h"),
    "24h": ("gt_24h",),
}

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_DURATION = re.compile(r"^(\d+)([smhdw])$")

# (severity, long, short, share of the budget spent within the long window)
_WORKBOOK: tuple[tuple[Literal["page", "ticket"], str, str, float], ...] = (
    ("page", "1h", "5m", 0.02),
    ("page", "6h", "30m", 0.05),
    ("ticket", "1d", "2h", 0.10),
    ("ticket", "3d", "6h", 0.10),
)


def duration_s(text: str) -> int:
    """``"5m"`` -> 300; a Prometheus-style duration with one unit (s, m, h, d, w)."""
    match = _DURATION.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"duration {text!r} must be a positive number and a unit s, m, h, d or w")
    return int(match.group(1)) * _UNITS[match.group(2)]


def _check_duration(text: str) -> str:
    duration_s(text)
    return text


class AlertWindow(Strict):
    """One window pair of a multiwindow, multi-burn-rate alert."""

    severity: Literal["page", "ticket"]
    long: str
    short: str
    burn_rate: float | None = Field(None, alias="burnRate", gt=0)
    consumption: float | None = Field(None, gt=0, le=1)
    for_: str | None = Field(None, alias="for")

    _long = field_validator("long", "short")(_check_duration)

    @model_validator(mode="after")
    def _one_of(self) -> AlertWindow:
        if (self.burn_rate is None) == (self.consumption is None):
            raise ValueError("give exactly one of burnRate or consumption")
        if duration_s(self.short) >= duration_s(self.long):
            raise ValueError(f"short window {self.short} must be shorter than {self.long}")
        if self.for_ is not None:
            _check_duration(self.for_)
        return self


class Outage(Strict):
    """The total-outage page: a target with ``minAttempts`` attempts and no success
    in ``window``, whatever its volume."""

    enabled: bool | None = None
    min_attempts: int = Field(3, alias="minAttempts", ge=1)
    window: str = "30m"
    for_: str | None = Field(None, alias="for")

    _window = field_validator("window")(_check_duration)

    @field_validator("for_")
    @classmethod
    def _for(cls, value: str | None) -> str | None:
        return None if value is None else _check_duration(value)


class Alerting(Strict):
    page: bool = True
    ticket: bool = True
    windows: tuple[AlertWindow, ...] | None = None
    outage: Outage = Outage()
    #: how long the SLI's metric may be absent before SynclensSLOMetricAbsent; null: never
    absent_for: str | None = Field("10m", alias="absentFor")

    @field_validator("absent_for")
    @classmethod
    def _absent_for(cls, value: str | None) -> str | None:
        return None if value is None else _check_duration(value)


class _Metadata(Named):
    display_name: str | None = Field(None, alias="displayName")
    labels: dict[str, str] = Field(default_factory=dict)


class _Spec(Strict):
    description: str = ""
    sli: Literal["latency", "first_pass", "mismatch", "exception_aging", "api_failure"]
    objective: float = Field(gt=0, lt=1)
    window: str = "30d"
    min_traffic: float = Field(1.0, alias="minTraffic", ge=0)
    aging_objective: Literal["1h", "4h", "24h"] = Field("4h", alias="agingObjective")
    group_by: Literal["target", "warehouse", "channel", "event_type"] | None = Field(
        None, alias="groupBy"
    )
    matchers: dict[str, str] = Field(default_factory=dict)
    alerting: Alerting = Alerting()
    calendar: Literal["week", "month", "quarter"] | None = None
    time_zone: str = Field("UTC", alias="timeZone")

    _window = field_validator("window")(_check_duration)
    _time_zone = field_validator("time_zone")(check_time_zone)

    @model_validator(mode="after")
    def _labels(self) -> _Spec:
        known = SLI_LABELS[self.sli]
        for label in ([self.group_by] if self.group_by else []) + list(self.matchers):
            if label not in known:
                raise ValueError(
                    f"the {self.sli} SLI has no label {label!r} in Prometheus "
                    f"(it has: {', '.join(known) or 'none'})"
                )
        if len(self.matchers) > 1 or (
            self.matchers and self.group_by not in (None, *self.matchers)
        ):
            raise ValueError("matchers name one label, the groupBy label if there is one")
        for value in self.matchers.values():
            if not LABEL_VALUE.match(value):
                raise ValueError(f"matcher value {value!r} must be non-empty, without quotes")
        return self


class _Document(Strict):
    api_version: Literal["synclens/v1"] = Field(alias="apiVersion")
    kind: Literal["SLO"]
    metadata: _Metadata
    spec: _Spec


class BurnWindow(BaseModel):
    """A resolved alert window: the factor is the burn rate both windows must exceed."""

    model_config = ConfigDict(frozen=True)

    severity: Literal["page", "ticket"]
    long: str
    short: str
    factor: float
    for_: str | None = None


class OutageRule(BaseModel):
    """A resolved total-outage page."""

    model_config = ConfigDict(frozen=True)

    min_attempts: int
    window: str
    for_: str | None = None


class SloSpec(BaseModel):
    """One SLO, validated and resolved (alert windows computed)."""

    model_config = ConfigDict(frozen=True)

    name: str
    display_name: str
    description: str
    sli: str
    objective: float
    window: str
    min_traffic: float
    aging_objective: str
    labels: dict[str, str]
    windows: tuple[BurnWindow, ...]
    outage: OutageRule | None = None
    group_by: str | None = None
    matchers: dict[str, str] = {}
    absent_for: str | None = None
    #: a calendar-aligned budget period beside the rolling window (week, month, quarter)
    calendar: str | None = None
    time_zone: str = "UTC"
    source: str = ""
    #: the document as written (keys as in YAML, defaults left out): what ``slo export`` writes
    document: dict[str, Any] = {}

    @property
    def error_budget(self) -> float:
        """The allowed share of bad events, ``1 - objective``."""
        return round(1.0 - self.objective, 12)

    @property
    def all_windows(self) -> tuple[str, ...]:
        """Every window the SLO is judged over, shortest first, the SLO window last."""
        names = {w.long for w in self.windows} | {w.short for w in self.windows}
        names.discard(self.window)
        return (*sorted(names, key=duration_s), self.window)

    def min_traffic_in(self, window: str) -> float:
        """The minimum-traffic guard of ``window``: ``minTraffic`` is the events
        needed over the SLO window; a counter SLI needs the same rate in a
        shorter window (``ceil(minTraffic x window / SLO window)``), so a
        low-traffic SLO's 1 h page needs the events an hour actually has.
        A gauge SLI's windows average items, not count them: ``minTraffic`` each."""
        if window == self.window:
            return self.min_traffic
        return self.min_traffic_over(duration_s(window))

    def min_traffic_over(self, seconds: float) -> float:
        """The guard of a span of ``seconds`` (e.g. a calendar period so far),
        scaled as :meth:`min_traffic_in` does."""
        if self.sli not in COUNTER_SLIS:
            return self.min_traffic
        share = self.min_traffic * seconds / duration_s(self.window)
        return float(math.ceil(round(share, 9)))


def default_windows(window: str) -> tuple[BurnWindow, ...]:
    """The SRE Workbook's four window pairs, factors scaled to ``window``."""
    return tuple(
        BurnWindow(
            severity=sev,
            long=long,
            short=short,
            factor=_factor(consumption, window, long),
        )
        for sev, long, short, consumption in _WORKBOOK
    )


def _factor(consumption: float, window: str, long: str) -> float:
    return max(1.0, round(consumption * duration_s(window) / duration_s(long), 6))


def _resolve(doc: _Document, source: str) -> SloSpec:
    spec = doc.spec
    if spec.alerting.windows is None:
        windows = default_windows(spec.window)
    else:
        windows = tuple(
            BurnWindow(
                severity=w.severity,
                long=w.long,
                short=w.short,
                factor=w.burn_rate
                if w.burn_rate is not None
                else _factor(w.consumption or 0.0, spec.window, w.long),
                for_=w.for_,
            )
            for w in spec.alerting.windows
        )
    enabled = {"page": spec.alerting.page, "ticket": spec.alerting.ticket}
    windows = tuple(w for w in windows if enabled[w.severity])
    for w in windows:
        if duration_s(w.long) > duration_s(spec.window):
            raise ValueError(f"alert window {w.long} is longer than the SLO window {spec.window}")
    outage = spec.alerting.outage
    outage_on = outage.enabled if outage.enabled is not None else spec.sli in _OUTAGE_BY_DEFAULT
    if outage_on and spec.sli not in COUNTER_SLIS:
        raise ValueError(f"alerting.outage needs delivery attempts: not for the {spec.sli} SLI")
    outage_rule = (
        OutageRule(min_attempts=outage.min_attempts, window=outage.window, for_=outage.for_)
        if outage_on and spec.alerting.page
        else None
    )
    return SloSpec(
        name=doc.metadata.name,
        display_name=doc.metadata.display_name or doc.metadata.name,
        description=spec.description.strip(),
        sli=spec.sli,
        objective=spec.objective,
        window=spec.window,
        min_traffic=spec.min_traffic,
        aging_objective=spec.aging_objective,
        labels=dict(doc.metadata.labels),
        windows=windows,
        outage=outage_rule,
        group_by=spec.group_by,
        matchers=dict(spec.matchers),
        absent_for=spec.alerting.absent_for,
        calendar=spec.calendar,
        time_zone=spec.time_zone,
        source=source,
        document=doc.model_dump(by_alias=True, exclude_unset=True, mode="json"),
    )


def _documents(text: str, source: str) -> Iterator[SloSpec]:
    for i, raw in yaml_documents(text, source):
        if is_kind(raw, "SLO"):
            yield slo_from_mapping(raw, f"{source} (document {i})", source)


def slo_from_mapping(raw: object, where: str, source: str = "") -> SloSpec:
    """One ``kind: SLO`` document, validated and resolved; SloError names ``where``."""
    try:
        return _resolve(_Document.model_validate(raw), source)
    except (ValidationError, ValueError) as exc:
        raise SloError(f"{where}: {exc}") from exc


def load_slo_file(path: Path) -> list[SloSpec]:
    """Every SLO document in one YAML file (``---`` separates several; other
    kinds, e.g. ``Maintenance``, are read by their own loaders)."""
    return list(_documents(read_text(path), path.name))


def load_slos(directory: Path | str | None = None) -> list[SloSpec]:
    """Every ``*.yaml`` / ``*.yml`` SLO in ``directory`` (default: the shipped set), by name."""
    slos: dict[str, SloSpec] = {}
    for path in yaml_files(SHIPPED_SLO_DIR if directory is None else Path(directory)):
        for slo in load_slo_file(path):
            if slo.name in slos:
                raise SloError(
                    f"{path.name}: SLO {slo.name!r} is already defined in {slos[slo.name].source}"
                )
            slos[slo.name] = slo
    return [slos[name] for name in sorted(slos)]
