"""``GET /api/v1/report?period=``: the executive report of a week, a month
or a quarter (:func:`metrics.report.period_report`)."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query
from pydantic import Field

from collector.api.deps import ReaderAuth
from collector.api.responses import Model, invalid, refusals
from metrics.api.reconciliations import ServiceDep
from metrics.api.slis import EngineDep
from metrics.api.slos import MaintenanceDep, SlosDep
from metrics.report import PeriodError, ReportError, parse_period, period_report

__all__ = ["PeriodReport", "router"]


class ReportPeriod(Model):
    label: str
    kind: str
    from_: str = Field(alias="from")
    to: str
    until: str
    complete: bool
    previous: str


class SloAttainment(Model):
    name: str
    display_name: str | None
    sli: str
    objective: float
    matchers: dict[str, str]
    good: float | None
    total: float | None
    attainment: float | None
    budget_spent: float | None
    met: bool | None
    status: str  # met | missed | no_data | not_historical
    previous_attainment: float | None  # over the period before, of the same kind


class AlertEpisode(Model):
    slo: str
    display_name: str | None
    alert: str  # burn_rate | outage
    severity: str
    group: dict[str, str] | None
    started_at: str
    ended_at: str | None
    duration_s: int
    peak_burn_rate: float | None  # None for an outage


class OpenedExceptions(Model):
    opened: int
    resolved: int
    by_kind: dict[str, int]
    by_severity: dict[str, int]
    orders_impacted: int


class BudgetCost(Model):
    slo: str
    dimension: str
    value: str
    bad: float
    total: float
    budget_spent: float


class WeekPoint(Model):
    week: str
    from_: str = Field(alias="from")
    to: str
    slo: str
    good: float | None
    total: float | None
    attainment: float | None
    change: float | None


class PeriodReport(Model):
    """``GET /api/v1/report``: the period, each SLO's attainment and budget
    spent, the alerts that fired, the costliest targets and warehouses, the
    orders impacted and the week-over-week trend."""

    period: ReportPeriod
    computed_at: str
    slos: list[SloAttainment]
    alerts: list[AlertEpisode]
    exceptions: OpenedExceptions | None
    orders_impacted: int | None
    costs: list[BudgetCost]
    trend: list[WeekPoint]


router = APIRouter(
    prefix="/api/v1",
    tags=["report"],
    dependencies=[ReaderAuth],
    responses=refusals(401, (503, "the SLI engine or the SLOs are not loaded")),
)


@router.get(
    "/report",
    summary="The executive report of a week, a month or a quarter",
    response_model=PeriodReport,
)
async def get_report(
    engine: EngineDep,
    slos: SlosDep,
    service: ServiceDep,
    maintenance: MaintenanceDep,
    period: Annotated[
        str, Query(description="an ISO week (2026-W48), a month (2026-11) or a quarter (2026-Q4)")
    ],
) -> dict[str, Any]:
    try:
        chosen = parse_period(period)
    except PeriodError as exc:
        raise invalid(("query", "period"), str(exc)) from exc
    now = engine.clock()
    try:
        return await anyio.to_thread.run_sync(
            lambda: period_report(
                engine,
                slos,
                chosen,
                now_ns=now,
                exceptions=service.exceptions,
                maintenance=maintenance,
            )
        )
    except ReportError as exc:
        raise invalid(("query", "period"), str(exc)) from exc
