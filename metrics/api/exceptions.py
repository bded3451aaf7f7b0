"""``/api/v1/exceptions``: list, acknowledge, resolve, audit (SPEC 3 and 5)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query

from collector.api.deps import ReaderAuth
from collector.api.responses import refusals
from collector.identity import Need, Principal, requires
from metrics.api.models import AuditLog, ExceptionPage, ExceptionView, Transition
from metrics.api.reconciliations import ServiceDep
from metrics.exceptions import InvalidTransition, NotFound
from metrics.exceptions.tables import KINDS

__all__ = ["router"]

router = APIRouter(
    prefix="/api/v1/exceptions",
    tags=["exceptions"],
    dependencies=[ReaderAuth],
    responses=refusals(401, 403, (503, "the exception workflow is starting or stopping")),
)

_KIND = "^(" + "|".join(KINDS) + ")$"
#: exception ids are 32-bit in the operational store: larger ones are invalid (422)
ExceptionId = Annotated[int, Path(ge=1, le=2**31 - 1)]
_NOT_FOUND = refusals((404, "no exception with that id"))


@router.get(
    "", summary="Exceptions, newest first, with filters and paging", response_model=ExceptionPage
)
def list_exceptions(
    service: ServiceDep,
    status: Annotated[
        str | None, Query(pattern="^(open|acknowledged|resolved|unresolved)$")
    ] = None,
    kind: Annotated[str | None, Query(pattern=_KIND)] = None,
    sku: Annotated[str | None, Query()] = None,
    location: Annotated[str | None, Query()] = None,
    warehouse: Annotated[str | None, Query()] = None,
    target: Annotated[str | None, Query()] = None,
    owner: Annotated[str | None, Query(description="owner team")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
) -> dict[str, Any]:
    total, page = service.exceptions.search(
        status=status,
        kind=kind,
        sku=sku,
        location=location,
        warehouse=warehouse,
        target=target,
        owner_team=owner,
        limit=limit,
        offset=offset,
    )
    return {"total": total, "limit": limit, "offset": offset, "exceptions": page}


@router.get(
    "/{exception_id}", summary="One exception", response_model=ExceptionView, responses=_NOT_FOUND
)
def get_exception(service: ServiceDep, exception_id: ExceptionId) -> dict[str, Any]:
    found = service.exceptions.get(exception_id)
    if found is None:
        raise HTTPException(404, f"no exception {exception_id}")
    return found


Operator = Annotated[Principal, requires(Need.OPERATE)]


def _move(
    service: ServiceDep, exception_id: int, body: Transition, who: Principal, to: str
) -> dict[str, Any]:
    move = service.exceptions.acknowledge if to == "ack" else service.exceptions.resolve
    try:
        return move(
            exception_id, by=who.name, subject=who.subject, note=body.note, now_ns=service.clock()
        )
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except InvalidTransition as exc:
        raise HTTPException(409, str(exc)) from exc


#: a body FastAPI cannot read (not UTF-8) is its 400, before any validation
_MOVES = {**_NOT_FOUND, **refusals(409, (400, "the body cannot be read as UTF-8 JSON"))}


@router.post(
    "/{exception_id}/ack",
    summary="Acknowledge: open -> acknowledged",
    response_model=ExceptionView,
    responses=_MOVES,
)
def ack_exception(
    service: ServiceDep, exception_id: ExceptionId, body: Transition, who: Operator
) -> dict[str, Any]:
    return _move(service, exception_id, body, who, "ack")


@router.post(
    "/{exception_id}/resolve",
    summary="Resolve: open/acknowledged -> resolved",
    response_model=ExceptionView,
    responses=_MOVES,
)
def resolve_exception(
    service: ServiceDep, exception_id: ExceptionId, body: Transition, who: Operator
) -> dict[str, Any]:
    return _move(service, exception_id, body, who, "resolve")


@router.get(
    "/{exception_id}/audit",
    summary="Every transition: who, when, note (append-only)",
    response_model=AuditLog,
    responses=_NOT_FOUND,
)
def get_audit(service: ServiceDep, exception_id: ExceptionId) -> dict[str, Any]:
    if service.exceptions.get(exception_id) is None:
        raise HTTPException(404, f"no exception {exception_id}")
    return {"exception_id": exception_id, "audit": service.exceptions.audit_log(exception_id)}
