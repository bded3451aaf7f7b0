"""Response bodies of the SLI, SLO, reconciliation and exception routes (SPEC 5)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from collector.api.responses import Model
from metrics.exceptions import MAX_NOTE_BYTES

__all__ = [
    "AuditLog",
    "ExceptionPage",
    "ExceptionView",
    "PassSummary",
    "RunDetail",
    "RunList",
    "RunSummary",
    "SliReport",
    "SloList",
    "SloState",
    "Transition",
]


class Latency(Model):
    p50_s: float | None
    p95_s: float | None
    p99_s: float | None
    good: int
    total: int
    ratio: float | None


class Ratio(Model):
    good: int
    total: int
    ratio: float | None


class ApiFailure(Model):
    failed: int
    total: int
    ratio: float | None


class Mismatch(Model):
    mismatched: int
    transient: int
    compared: int
    ratio: float | None


class ExceptionAging(Model):
    unresolved: int
    aged: int
    oldest_age_s: float | None
    ratio: float | None


class Slis(Model):
    """Every SLI of SPEC 4 over the window."""

    latency: Latency
    first_pass: Ratio
    api_failure: ApiFailure
    mismatch: Mismatch | None = None
    exception_aging: ExceptionAging | None = None
    replays: int
    duplicates: int
    undelivered: int
    dead_lettered: int
    double_applies: int
    orders_impacted: int | None = None


class SliReport(Model):
    """``GET /api/v1/slis``: every SLI over ``[computed_at - window, computed_at)``."""

    window: str
    computed_at: str
    from_: str = Field(alias="from")
    slis: Slis
    by: str | None = None
    groups: dict[str, dict[str, Any]] | None = None


class AlertState(Model):
    severity: str
    long_window: str
    short_window: str
    factor: float
    long_burn_rate: float | None
    short_burn_rate: float | None
    firing: bool


class CalendarState(Model):
    """An SLO's budget over its calendar period so far (``spec.calendar``)."""

    period: str
    label: str
    time_zone: str
    from_: str = Field(alias="from")
    to: str
    elapsed: float
    min_traffic: float
    good: float | None
    total: float | None
    sli_value: float | None
    error_budget_remaining: float | None
    groups: list[dict[str, Any]] | None = None


class MaintenanceState(Model):
    """A maintenance window: on now or not, its current or next occurrence within a week."""

    name: str
    targets: list[str]
    warehouses: list[str]
    active: bool
    start: str | None
    end: str | None


class SloState(Model):
    """One SLO: its SLI, error budget remaining, burn rates and status."""

    name: str
    display_name: str | None
    description: str | None
    sli: str
    objective: float
    window: str
    min_traffic: float
    labels: dict[str, str]
    good: float | None
    total: float | None
    sli_value: float | None
    error_budget: float
    error_budget_remaining: float | None
    burn_rates: dict[str, float | None]
    alerts: list[AlertState]
    status: str
    calendar: CalendarState | None = None


class SloList(Model):
    """``GET /api/v1/slos``: every SLO at one instant."""

    computed_at: str
    maintenance: list[MaintenanceState] = Field(default_factory=list)
    slos: list[SloState]


class OneSlo(SloState):
    computed_at: str


class RunSummary(Model):
    """A reconciliation run's counts."""

    run_id: int
    now_ns: int
    trigger: str
    duration_s: float
    snapshots: list[dict[str, Any]]
    compared: int
    matched: int
    transient: int
    mismatched: int


class RunDetail(RunSummary):
    """A run with its counts by instance, warehouse, channel and result, and
    the keys that did not match."""

    counts: list[dict[str, Any]]
    results: list[dict[str, Any]]


class RunList(Model):
    runs: list[RunSummary]


class ExceptionCounts(BaseModel):
    opened: int
    updated: int
    resolved: int


class PassSummary(RunSummary):
    """``POST /api/v1/reconciliations``: the run, and what the detectors changed per kind."""

    exceptions: dict[str, ExceptionCounts]


class ExceptionView(Model):
    """One exception (SPEC 3)."""

    id: int
    kind: str
    identity: str
    status: Literal["open", "acknowledged", "resolved"]
    severity: str
    owner_team: str
    reason: str
    sku: str | None
    location: str | None
    warehouse: str | None
    target: str | None
    stock_status: str | None
    source: str | None
    event_ids: list[str]
    trace_ids: list[str]
    order_ids: list[str]
    detail: dict[str, Any]
    opened_at_ns: int
    updated_at_ns: int
    acknowledged_at_ns: int | None
    acknowledged_by: str | None
    resolved_at_ns: int | None
    resolved_by: str | None
    resolution: str | None


class ExceptionPage(Model):
    """``GET /api/v1/exceptions``: a page, newest first, and how many match."""

    total: int
    limit: int
    offset: int
    exceptions: list[ExceptionView]


class AuditRow(Model):
    id: int
    exception_id: int
    at_ns: int
    action: str
    from_status: str | None
    to_status: str
    by: str = Field(description="who acted: the signed-in user's or the token's name")
    by_subject: str | None = Field(
        None, description="their stable id (user:, proxy:, token:); none for synclens itself"
    )
    note: str


class AuditLog(Model):
    exception_id: int
    audit: list[AuditRow]


class Transition(BaseModel):
    """Body of ``/ack`` and ``/resolve``; who acts is the caller, never the body."""

    note: str = Field("", description=f"why (at most {MAX_NOTE_BYTES} bytes of UTF-8)")
    by: str | None = Field(
        None,
        deprecated=True,
        description="ignored: the audit records the signed-in user or the token's name",
    )

    @field_validator("note")
    @classmethod
    def _note_fits(cls, note: str) -> str:
        size = len(note.encode())
        if size > MAX_NOTE_BYTES:
            raise ValueError(f"note is {size} bytes; at most {MAX_NOTE_BYTES} are kept")
        return note
