"""``POST /api/v1/admin/backup``: a consistent backup made by the running
service (``synclens backup`` calls it); admin only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from collector.api.deps import CollectorDep
from collector.auth import Unauthorized
from collector.store import StoreClosed
from synclens.backup import BackupError, backup

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/admin", tags=["operations"])


class BackupRequest(BaseModel):
    to: str = Field(description="absolute path of a new or empty directory, on the service's host")


@router.post(
    "/backup",
    summary="Back up the store and the operational store while ingest goes on",
    responses={
        200: {"description": "the backup's manifest (rows, created, seconds)"},
        400: {"description": "the directory is not absolute or not empty"},
        401: {"description": "missing or invalid bearer token"},
        403: {"description": "the token may not speak for every system (not an admin)"},
        503: {"description": "the store cannot be read now; retry after Retry-After seconds"},
    },
)
def post_backup(body: BackupRequest, request: Request, state: CollectorDep) -> Any:
    try:
        systems = state.authorizer.systems_for(request.headers.get("authorization"))
    except Unauthorized as exc:
        return JSONResponse({"error": str(exc)}, 401, headers={"WWW-Authenticate": "Bearer"})
    if systems is not None:
        return JSONResponse({"error": "backups need a token for every system ('*')"}, 403)
    try:
        return backup(state.store, request.app.state.settings.ops_db, Path(body.to), state.clock)
    except BackupError as exc:
        return JSONResponse({"error": str(exc)}, 400)
    except (StoreClosed, duckdb.Error, OSError) as exc:
        retry = {"Retry-After": str(state.retry_after_s)}
        return JSONResponse({"error": f"backup failed: {exc}"}, 503, headers=retry)
