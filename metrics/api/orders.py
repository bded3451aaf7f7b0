"""``/api/v1/orders/impacted``: order follow-up (issue 19, docs/exceptions.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from collector.api.deps import ReaderAuth
from collector.api.responses import Model, refusals
from metrics.api.reconciliations import ServiceDep
from metrics.exceptions.orders import impacted_orders
from metrics.exceptions.tables import KINDS

__all__ = ["ImpactedOrders", "router"]

router = APIRouter(
    prefix="/api/v1/orders",
    tags=["orders"],
    dependencies=[ReaderAuth],
    responses=refusals(401, (503, "the exception workflow is starting or stopping")),
)


class HurtingException(Model):
    """An unresolved exception that hurts the order, with a mismatch's correction."""

    id: int
    kind: str
    status: str
    severity: str
    sku: str | None
    location: str | None
    target: str | None
    reason: str
    correction: dict[str, Any] | None
    opened_at_ns: int


class ImpactedOrder(Model):
    order_id: str
    exceptions: list[HurtingException]


class ImpactedOrders(Model):
    """``GET /api/v1/orders/impacted``: a page of orders by id, and how many there are."""

    total: int
    limit: int
    offset: int
    orders: list[ImpactedOrder]


@router.get(
    "/impacted",
    summary="Orders hurt by unresolved exceptions, with those exceptions",
    response_model=ImpactedOrders,
)
def list_impacted(
    service: ServiceDep,
    kind: Annotated[str | None, Query(pattern="^(" + "|".join(KINDS) + ")$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
) -> dict[str, Any]:
    total, page = impacted_orders(service.exceptions, kind=kind, limit=limit, offset=offset)
    return {"total": total, "limit": limit, "offset": offset, "orders": page}
