"""``GET /api/v1/slos`` and ``GET /api/v1/slos/{name}``: each SLO's state, computed by synclens."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, HTTPException, Request

from collector.api.deps import ReaderAuth
from collector.api.responses import refusals
from collector.timefmt import iso
from metrics.api.models import OneSlo, SloList
from metrics.api.slis import EngineDep
from metrics.slis.engine import SliEngine
from metrics.slo import SloSpec
from metrics.slo.groups import dimension, evaluate_slo

__all__ = ["SlosDep", "report", "router"]


def _slos(request: Request) -> list[SloSpec]:
    slos = getattr(request.app.state, "slos", None)
    if slos is None:
        raise HTTPException(503, "no SLOs are loaded")
    return list(slos)


SlosDep = Annotated[list[SloSpec], Depends(_slos)]

router = APIRouter(
    prefix="/api/v1",
    tags=["slos"],
    dependencies=[ReaderAuth],
    responses=refusals(401, (503, "the SLI engine or the SLOs are not loaded")),
)


def report(
    engine: SliEngine, slos: Sequence[SloSpec], *, now_ns: int | None = None
) -> dict[str, Any]:
    """Every SLO's state at one instant: one SLI computation per distinct window."""
    now = engine.clock() if now_ns is None else now_ns
    windows = sorted({w for slo in slos for w in slo.all_windows})
    slis = {w: engine.slis(w, now_ns=now)["slis"] for w in windows}
    by_label: dict[str, dict[str, Any]] = {}
    for label in sorted({d for slo in slos if (d := dimension(slo)) is not None}):
        by_label[label] = {w: engine.slis(w, now_ns=now, by=label)["groups"] for w in windows}
    return {
        "computed_at": iso(now),
        "slos": [evaluate_slo(slo, slis, by_label.get(dimension(slo) or "")) for slo in slos],
    }


@router.get(
    "/slos",
    summary="Every SLO: SLI, error budget remaining, burn rates, status",
    response_model=SloList,
)
async def get_slos(engine: EngineDep, slos: SlosDep) -> dict[str, Any]:
    return await anyio.to_thread.run_sync(lambda: report(engine, slos))


@router.get(
    "/slos/{name}",
    summary="One SLO's state",
    response_model=OneSlo,
    responses=refusals((404, "no SLO of that name")),
)
async def get_slo(name: str, engine: EngineDep, slos: SlosDep) -> dict[str, Any]:
    chosen = [slo for slo in slos if slo.name == name]
    if not chosen:
        raise HTTPException(404, f"no SLO named {name!r}")
    result = await anyio.to_thread.run_sync(lambda: report(engine, chosen))
    return {"computed_at": result["computed_at"], **result["slos"][0]}
