"""``GET /api/v1/slis`` (SPEC 5)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends, HTTPException, Query

from collector.api.deps import ReaderAuth
from metrics.api.deps import running
from metrics.slis import parse_window
from metrics.slis.engine import SliEngine

__all__ = ["EngineDep", "router"]


EngineDep = Annotated[SliEngine, Depends(running("slis", SliEngine, "the SLI engine"))]

router = APIRouter(prefix="/api/v1", tags=["slis"], dependencies=[ReaderAuth])


@router.get("/slis", summary="Business SLIs over a window, overall or by a dimension")
async def get_slis(
    engine: EngineDep,
    window: Annotated[str, Query(description="e.g. 5m, 1h, 24h, 7d, 28d")] = "1h",
    by: Annotated[
        Literal["target", "warehouse", "channel", "event_type"] | None,
        Query(description="break the pair and attempt SLIs down by this dimension"),
    ] = None,
) -> dict[str, Any]:
    try:
        parse_window(window)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    return await anyio.to_thread.run_sync(lambda: engine.slis(window, by=by))
