"""``/api/v1/reconciliations``: run one now, the latest, the history (SPEC 5)."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, HTTPException, Path, Query

from collector.api.deps import ReaderAuth
from collector.api.responses import refusals
from collector.identity import Need, requires
from metrics.api.deps import running
from metrics.api.models import PassSummary, RunDetail, RunList
from metrics.reconciliation.results import run_detail, runs
from metrics.reconciliation.service import ReconcileService

__all__ = ["ServiceDep", "router"]


ServiceDep = Annotated[
    ReconcileService, Depends(running("reconcile", ReconcileService, "reconciliation"))
]
Result = Annotated[str | None, Query(pattern="^(transient|mismatch)$")]

router = APIRouter(
    prefix="/api/v1/reconciliations",
    tags=["reconciliation"],
    dependencies=[ReaderAuth],
    responses=refusals(401, 403, (503, "reconciliation is starting or stopping")),
)

#: ids and offsets are 64-bit in the store: larger ones are invalid (422), not an error
RunId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Offset = Annotated[int, Query(ge=0, le=2**63 - 1)]


@router.post(
    "",
    summary="Reconcile the latest snapshots and run every detector now",
    response_model=PassSummary,
    dependencies=[requires(Need.OPERATE)],
)
async def post_reconciliation(service: ServiceDep) -> dict[str, Any]:
    result = await anyio.to_thread.run_sync(lambda: service.run_pass(trigger="api"))
    return result.as_dict()


@router.get(
    "/latest",
    summary="The latest run: counts and the keys that did not match",
    response_model=RunDetail,
    responses=refusals((404, "no reconciliation has run yet")),
)
def get_latest(
    service: ServiceDep,
    result: Result = None,
    sku: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
    offset: Offset = 0,
) -> dict[str, Any]:
    with service.store.reader() as cur:
        run = run_detail(cur, result=result, sku=sku, limit=limit, offset=offset)
    if run is None:
        raise HTTPException(404, "no reconciliation has run yet")
    return run


@router.get("", summary="Past runs, newest first (summaries)", response_model=RunList)
def get_runs(
    service: ServiceDep, limit: Annotated[int, Query(ge=1, le=1000)] = 50
) -> dict[str, Any]:
    with service.store.reader() as cur:
        return {"runs": runs(cur, limit=limit)}


@router.get(
    "/{run_id}",
    summary="One past run with its non-matching keys",
    response_model=RunDetail,
    responses=refusals((404, "no such run (the newest runs are kept)")),
)
def get_run(
    service: ServiceDep,
    run_id: RunId,
    result: Result = None,
    sku: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
    offset: Offset = 0,
) -> dict[str, Any]:
    with service.store.reader() as cur:
        run = run_detail(cur, run_id, result=result, sku=sku, limit=limit, offset=offset)
    if run is None:
        raise HTTPException(404, f"no reconciliation run {run_id} (kept: the newest runs)")
    return run
