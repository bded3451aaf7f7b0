"""``/api/v1/lineage``, ``/api/v1/orders/{id}/lineage``, ``/api/v1/traces/{id}`` (SPEC 5)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query

from collector.api.deps import CollectorDep, ReaderAuth
from collector.api.models import OrderLineage, SkuLineage, TraceView
from collector.api.responses import invalid, refusals
from collector.lineage import LineageQuery, order_lineage, sku_lineage
from collector.timefmt import parse_rfc3339_ns
from collector.traces import trace_view

__all__ = ["router"]

router = APIRouter(
    prefix="/api/v1",
    tags=["lineage"],
    dependencies=[ReaderAuth],
    responses=refusals(401, (503, "the service is starting or stopping")),
)

Since = Annotated[str | None, Query(description="RFC 3339; events at or after this time")]
Until = Annotated[str | None, Query(description="RFC 3339; events before this time")]
Limit = Annotated[int, Query(ge=1, le=10_000, description="newest events returned at most")]


def _query(since: str | None, until: str | None, limit: int) -> LineageQuery:
    try:
        since_ns = parse_rfc3339_ns(since) if since else None
    except ValueError as exc:
        raise invalid(("query", "since"), f"must be an RFC 3339 time: {exc}") from exc
    try:
        until_ns = parse_rfc3339_ns(until) if until else None
    except ValueError as exc:
        raise invalid(("query", "until"), f"must be an RFC 3339 time: {exc}") from exc
    return LineageQuery(since_ns, until_ns, limit)


@router.get("/lineage", summary="One SKU's sync history across systems", response_model=SkuLineage)
def get_sku_lineage(
    state: CollectorDep,
    sku: Annotated[str, Query(min_length=1)],
    location: Annotated[str | None, Query()] = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = 200,
) -> dict[str, Any]:
    with state.read_sku(sku)() as cur:
        return sku_lineage(
            cur,
            sku,
            location=location,
            query=_query(since, until, limit),
            routes=state.routes,
            locations=state.locations,
            now_ns=state.clock(),
            extras=state.lineage_extras,
            everywhere=state.history,
        )


@router.get(
    "/orders/{order_id}/lineage",
    summary="One order's sync history across systems",
    response_model=OrderLineage,
)
def get_order_lineage(
    state: CollectorDep,
    order_id: Annotated[str, Path(min_length=1)],
    since: Since = None,
    until: Until = None,
    limit: Limit = 200,
) -> dict[str, Any]:
    with state.read()() as cur:
        return order_lineage(
            cur,
            order_id,
            query=_query(since, until, limit),
            routes=state.routes,
            locations=state.locations,
            now_ns=state.clock(),
            extras=state.lineage_extras,
        )


@router.get(
    "/traces/{trace_id}",
    summary="A trace's span tree, links followed",
    response_model=TraceView,
    responses=refusals((404, "no spans stored for this trace")),
)
def get_trace(
    state: CollectorDep,
    trace_id: Annotated[str, Path(pattern="^[0-9a-fA-F]{32}$")],
) -> dict[str, Any]:
    with state.read()() as cur:
        view = trace_view(cur, trace_id)
    if view is None:
        raise HTTPException(404, f"no spans stored for trace {trace_id.lower()}")
    return view
