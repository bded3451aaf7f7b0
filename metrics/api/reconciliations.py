"""``/api/v1/reconciliations``: run one now, the latest, the history (SPEC 5)."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, HTTPException, Path, Query

from collector.api.deps import ReaderAuth
from metrics.api.deps import running
from metrics.reconciliation.results import run_detail, runs
from metrics.reconciliation.service import ReconcileService

__all__ = ["ServiceDep", "router"]


ServiceDep = Annotated[
    ReconcileService, Depends(running("reconcile", ReconcileService, "reconciliation"))
]
Result = Annotated[str | None, Query(pattern="^(transient|mismatch)$")]

router = APIRouter(
    prefix="/api/v1/reconciliations", tags=["reconciliation"], dependencies=[ReaderAuth]
)


@router.post("", summary="Reconcile the latest snapshots and run every detector now")
async def post_reconciliation(service: ServiceDep) -> dict[str, Any]:
    result = await anyio.to_thread.run_sync(lambda: service.run_pass(trigger="api"))
    return result.as_dict()


@router.get("/latest", summary="The latest run: counts and the keys that did not match")
def get_latest(
    service: ServiceDep,
    result: Result = None,
    sku: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    with service.store.reader() as cur:
        run = run_detail(cur, result=result, sku=sku, limit=limit, offset=offset)
    if run is None:
        raise HTTPException(404, "no reconciliation has run yet")
    return run


@router.get("", summary="Past runs, newest first (summaries)")
def get_runs(
    service: ServiceDep, limit: Annotated[int, Query(ge=1, le=1000)] = 50
) -> dict[str, Any]:
    with service.store.reader() as cur:
        return {"runs": runs(cur, limit=limit)}


@router.get("/{run_id}", summary="One past run with its non-matching keys")
def get_run(
    service: ServiceDep,
    run_id: Annotated[int, Path(ge=1)],
    result: Result = None,
    sku: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    with service.store.reader() as cur:
        run = run_detail(cur, run_id, result=result, sku=sku, limit=limit, offset=offset)
    if run is None:
        raise HTTPException(404, f"no reconciliation run {run_id} (kept: the newest runs)")
    return run
