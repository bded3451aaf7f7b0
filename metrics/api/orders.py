"""``/api/v1/orders/impacted``: order follow-up (issue 19, docs/exceptions.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from collector.api.deps import ReaderAuth
from metrics.api.reconciliations import ServiceDep
from metrics.exceptions.orders import impacted_orders
from metrics.exceptions.tables import KINDS

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/orders", tags=["orders"], dependencies=[ReaderAuth])


@router.get("/impacted", summary="Orders hurt by unresolved exceptions, with those exceptions")
def list_impacted(
    service: ServiceDep,
    kind: Annotated[str | None, Query(pattern="^(" + "|".join(KINDS) + ")$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    total, page = impacted_orders(service.exceptions, kind=kind, limit=limit, offset=offset)
    return {"total": total, "limit": limit, "offset": offset, "orders": page}
