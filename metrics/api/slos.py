"""``GET /api/v1/slos`` and ``GET /api/v1/slos/{name}``: each SLO's state, computed by synclens."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends, HTTPException, Query, Request

from collector.api.deps import ReaderAuth
from collector.api.responses import Model, invalid, refusals
from collector.timefmt import iso
from metrics.api.models import OneSlo, SloList
from metrics.api.slis import EngineDep
from metrics.slis.compute import parse_window
from metrics.slis.engine import SliEngine
from metrics.slo import SloSpec
from metrics.slo.calendar import period_at
from metrics.slo.groups import dimension, evaluate_slo
from metrics.slo.history import (
    PART_SLIS,
    family,
    firing_intervals,
    firing_since,
    history,
    history_exclusions,
    instants,
)
from metrics.slo.maintenance import DEADLINE_HORIZON_NS, Maintenance, exclusions
from metrics.slo.period import calendar_state

__all__ = ["MaintenanceDep", "SlosDep", "maintenance_now", "report", "router"]


def _slos(request: Request) -> list[SloSpec]:
    slos = getattr(request.app.state, "slos", None)
    if slos is None:
        raise HTTPException(503, "no SLOs are loaded")
    return list(slos)


SlosDep = Annotated[list[SloSpec], Depends(_slos)]


def _maintenance(request: Request) -> list[Maintenance]:
    return list(getattr(request.app.state, "maintenance", None) or ())


MaintenanceDep = Annotated[list[Maintenance], Depends(_maintenance)]

router = APIRouter(
    prefix="/api/v1",
    tags=["slos"],
    dependencies=[ReaderAuth],
    responses=refusals(401, (503, "the SLI engine or the SLOs are not loaded")),
)


def report(
    engine: SliEngine,
    slos: Sequence[SloSpec],
    *,
    now_ns: int | None = None,
    maintenance: Sequence[Maintenance] = (),
) -> dict[str, Any]:
    """Every SLO's state at one instant: one SLI computation per distinct
    window (and calendar period), maintenance left out (docs/slos.md)."""
    now = engine.clock() if now_ns is None else now_ns
    windows = sorted({w for slo in slos for w in slo.all_windows})
    labels = sorted({d for slo in slos if (d := dimension(slo)) is not None})
    oldest = now - max((parse_window(w) for w in windows), default=0)
    periods = {
        (s.calendar, s.time_zone): period_at(s.calendar, now, s.time_zone)
        for s in slos
        if s.calendar
    }
    oldest = min([oldest, *(p.start_ns for p in periods.values())])
    excluded = exclusions(maintenance, oldest, now + DEADLINE_HORIZON_NS)

    def slis(window: str, from_ns: int | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        by_label: dict[str, Any]
        overall = engine.slis(window, now_ns=now, from_ns=from_ns, excluded=excluded)["slis"]
        by_label = {
            label: engine.slis(window, now_ns=now, by=label, from_ns=from_ns, excluded=excluded)[
                "groups"
            ]
            for label in labels
        }
        return overall, by_label

    per_window = {w: slis(w) for w in windows}
    per_period = {key: slis(p.label, p.start_ns) for key, p in periods.items()}
    states = []
    for slo in slos:
        label = dimension(slo) or ""
        by_window = {w: per_window[w][1].get(label, {}) for w in windows}
        state = evaluate_slo(slo, {w: per_window[w][0] for w in windows}, by_window)
        if slo.calendar:
            key = (slo.calendar, slo.time_zone)
            overall, by_label = per_period[key]
            state["calendar"] = calendar_state(slo, periods[key], now, overall, by_label.get(label))
        states.append(state)
    return {
        "computed_at": iso(now),
        "maintenance": maintenance_now(maintenance, now),
        "slos": states,
    }


def maintenance_now(windows: Sequence[Maintenance], now_ns: int) -> list[dict[str, Any]]:
    """Each maintenance window: whether it is on now, and its current or next occurrence
    within a week."""
    out = []
    for window in windows:
        upcoming = next(iter(window.occurrences(now_ns, now_ns + DEADLINE_HORIZON_NS)), None)
        out.append(
            {
                "name": window.name,
                "targets": list(window.targets),
                "warehouses": list(window.warehouses),
                "active": upcoming is not None and upcoming[0] <= now_ns,
                "start": None if upcoming is None else iso(upcoming[0]),
                "end": None if upcoming is None else iso(upcoming[1]),
            }
        )
    return out


@router.get(
    "/slos",
    summary="Every SLO: SLI, error budget remaining, burn rates, status",
    response_model=SloList,
)
async def get_slos(engine: EngineDep, slos: SlosDep, maintenance: MaintenanceDep) -> dict[str, Any]:
    return await anyio.to_thread.run_sync(lambda: report(engine, slos, maintenance=maintenance))


@router.get(
    "/slos/{name}",
    summary="One SLO's state",
    response_model=OneSlo,
    responses=refusals((404, "no SLO of that name")),
)
async def get_slo(
    name: str, engine: EngineDep, slos: SlosDep, maintenance: MaintenanceDep
) -> dict[str, Any]:
    chosen = [slo for slo in slos if slo.name == name]
    if not chosen:
        raise HTTPException(404, f"no SLO named {name!r}")
    result = await anyio.to_thread.run_sync(lambda: report(engine, chosen, maintenance=maintenance))
    return {"computed_at": result["computed_at"], **result["slos"][0]}


class HistoryPoint(Model):
    at: str
    at_ns: int
    status: str
    firing: Literal["page", "ticket"] | None
    burn_rates: dict[str, float | None]
    error_budget_remaining: float | None
    sli_value: float | None


class FiringInterval(Model):
    severity: Literal["page", "ticket"]
    from_ns: int
    to_ns: int


class SloHistory(Model):
    """The SLO's state at evenly spaced instants, and when its alerts fired."""

    name: str
    window: str
    firing_since: str | None
    points: list[HistoryPoint]
    firing: list[FiringInterval]


@router.get(
    "/slos/{name}/history",
    summary="One SLO's burn rates and error budget over time, and its firing intervals",
    response_model=SloHistory,
    responses=refusals((404, "no SLO of that name")),
)
async def get_slo_history(
    name: str,
    engine: EngineDep,
    slos: SlosDep,
    maintenance: MaintenanceDep,
    window: Annotated[str, Query(description="how far back, e.g. 6h, 24h, 7d")] = "6h",
    steps: Annotated[int, Query(ge=2, le=200, description="instants across the window")] = 24,
) -> dict[str, Any]:
    chosen = next((slo for slo in slos if slo.name == name), None)
    if chosen is None:
        raise HTTPException(404, f"no SLO named {name!r}")
    try:
        span = parse_window(window)
    except ValueError as exc:
        raise invalid(("query", "window"), str(exc)) from exc

    def run() -> list[dict[str, Any]]:
        now = engine.clock()
        at = instants(now, span, steps)
        parts = chosen.sli in PART_SLIS
        # maintenance left out as GET /slos leaves it out (docs/slos.md)
        excluded = history_exclusions(chosen, maintenance, at, now)
        return history(
            chosen,
            lambda wanted: engine.slis_at(
                wanted, parts=parts, excluded=excluded, only=family(chosen)
            ),
            at,
        )

    points = await anyio.to_thread.run_sync(run)
    # a PART_SLIS SLI measures now only: since when it fires is unknown
    since = None if chosen.sli in PART_SLIS else firing_since(points)
    return {
        "name": name,
        "window": window,
        "firing_since": iso(since),
        "points": [{**p, "at": iso(p["at_ns"])} for p in points],
        "firing": firing_intervals(points),
    }
