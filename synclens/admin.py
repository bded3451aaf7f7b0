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
from collector.api.responses import Model, refusals
from collector.identity import Need, requires
from collector.store import StoreClosed
from synclens.backup import BackupError, backup

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/admin", tags=["operations"], dependencies=[requires(Need.ADMIN)])


class BackupRequest(BaseModel):
    to: str = Field(description="absolute path of a new or empty directory, on the service's host")


class BackupManifest(Model):
    """What a backup holds (also written to its ``manifest.json``)."""

    created: str
    rows: dict[str, int]
    last_events_seq: int | None
    store: str
    ops: str | None
    ops_note: str | None
    seconds: float


@router.post(
    "/backup",
    summary="Back up the store and the operational store while ingest goes on",
    response_model=BackupManifest,
    responses=refusals(
        (400, "the directory is not absolute or not empty"),
        401,
        (403, "the caller is no admin (a person with the admin role, a token with 'admin')"),
        (503, "the store cannot be read or the backup written now; retry after Retry-After"),
    ),
)
def post_backup(body: BackupRequest, request: Request, state: CollectorDep) -> Any:
    try:
        return backup(state.store, request.app.state.settings.ops_db, Path(body.to), state.clock)
    except BackupError as exc:
        return JSONResponse({"detail": str(exc)}, 400)
    except (StoreClosed, duckdb.Error, OSError) as exc:
        retry = {"Retry-After": str(state.retry_after_s)}
        return JSONResponse({"detail": f"backup failed: {exc}"}, 503, headers=retry)
