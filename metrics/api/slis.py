"""``GET /api/v1/slis`` (SPEC 5)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends, Query

from collector.api.deps import ReaderAuth
from collector.api.responses import invalid, refusals
from metrics.api.deps import running
from metrics.api.models import SliReport
from metrics.slis import MAX_WINDOW_DAYS, parse_window
from metrics.slis.engine import SliEngine

__all__ = ["EngineDep", "router"]


EngineDep = Annotated[SliEngine, Depends(running("slis", SliEngine, "the SLI engine"))]

router = APIRouter(
    prefix="/api/v1",
    tags=["slis"],
    dependencies=[ReaderAuth],
    responses=refusals(401, (503, "the SLI engine is starting or stopping")),
)


@router.get(
    "/slis",
    summary="Business SLIs over a window, overall or by a dimension",
    response_model=SliReport,
)
async def get_slis(
    engine: EngineDep,
    window: Annotated[
        str, Query(description=f"e.g. 5m, 1h, 24h, 7d, 28d, 400d (at most {MAX_WINDOW_DAYS}d)")
    ] = "1h",
    by: Annotated[
        Literal["target", "warehouse", "channel", "event_type"] | None,
        Query(description="break the pair and attempt SLIs down by this dimension"),
    ] = None,
) -> dict[str, Any]:
    try:
        span = parse_window(window)
    except ValueError as exc:
        raise invalid(("query", "window"), str(exc)) from exc
    if span > MAX_WINDOW_DAYS * 86_400 * 1_000_000_000:
        raise invalid(("query", "window"), f"window {window!r} is over {MAX_WINDOW_DAYS} days")
    return await anyio.to_thread.run_sync(lambda: engine.slis(window, by=by))
