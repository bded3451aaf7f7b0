"""What the API answers when it refuses a request, for ``/openapi.json``.

The query API answers ``{"detail": "..."}`` (FastAPI's ``HTTPException``)
and, for invalid parameters or bodies, FastAPI's validation error (422, a
list of ``{loc, msg, type}``); :func:`invalid` raises that same 422 from a
handler. The ingest routes answer ``{"error": "..."}`` with what else the
route says. :func:`refusals` gives a route's ``responses=``: every status
it can answer besides 200, with its body's model and why.
"""

from __future__ import annotations

from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict

__all__ = ["ApiError", "IngestError", "Model", "invalid", "refusals"]


class Model(BaseModel):
    """A response body: the fields it documents, and any it may grow."""

    model_config = ConfigDict(extra="allow")


class ApiError(Model):
    """A refused query API request: ``detail`` says why."""

    detail: str


class IngestError(Model):
    """A refused ingest request: ``error`` says why (the route may say more)."""

    error: str


_WHY: dict[int, str] = {
    400: "the request cannot be decoded",
    401: "missing or invalid bearer token (WWW-Authenticate: Bearer)",
    403: "the credentials may not do this",
    404: "not found",
    409: "the exception's status does not allow this transition",
    413: "the body is over the limit, before or after gzip",
    415: "unsupported content type or encoding",
    429: "ingest queue full; retry after Retry-After seconds",
    503: "not running yet or any more, or the store is unavailable; retry after Retry-After",
}


def refusals(
    *codes: int | tuple[int, str], ingest: bool = False
) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each code with its body model and why
    (``(404, "no such run")`` says why in the route's own words). 422 is
    FastAPI's validation error, which FastAPI lists itself."""
    model = IngestError if ingest else ApiError
    out: dict[int | str, dict[str, Any]] = {}
    for item in codes:
        code, why = item if isinstance(item, tuple) else (item, _WHY[item])
        out[code] = {"model": model, "description": why}
    return out


def invalid(where: tuple[str, ...], message: str) -> RequestValidationError:
    """The 422 FastAPI answers for a parameter it cannot validate, for one
    the handler finds invalid (``where``: e.g. ``("query", "since")``)."""
    return RequestValidationError([{"loc": where, "msg": message, "type": "value_error"}])
