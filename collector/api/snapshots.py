"""``POST /v1/snapshots`` and ``GET /api/v1/snapshots``: stock snapshots (SPEC 1.3).

The body is spooled to a temporary file (gunzipped on the way, with the
size limit applied after decompression too), then read in Arrow batches in
a worker thread and stored whole or not at all.
"""

from __future__ import annotations

import os
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import anyio
import duckdb
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from collector.api.body import BodyError, media_type
from collector.api.deps import CollectorDep, ReaderAuth
from collector.api.models import SnapshotList, SnapshotRefused, SnapshotStored
from collector.api.responses import refusals
from collector.identity import Need, Principal, refusal, requires
from collector.queries import sql
from collector.snapshot_formats import csv_batches, json_snapshot, parquet_batches
from collector.snapshots import (
    Format,
    SnapshotError,
    SnapshotResult,
    header_from_fields,
    new_checker,
    write_snapshot,
)
from collector.store import Store, StoreClosed

__all__ = ["SnapshotLimits", "api", "router"]

router = APIRouter(tags=["ingest"])
api = APIRouter(prefix="/api/v1", tags=["snapshots"], dependencies=[ReaderAuth])

_TYPES: dict[str, Format] = {
    "application/json": "json",
    "text/csv": "csv",
    "application/csv": "csv",
    "application/vnd.apache.parquet": "parquet",
    "application/x-parquet": "parquet",
    "application/parquet": "parquet",
}


async def _spool(request: Request, limit: int, path: Path) -> None:
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip", ""):
        raise BodyError(415, f"unsupported Content-Encoding {encoding!r} (use gzip or none)")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding in ("gzip", "x-gzip") else None
    size = 0
    with path.open("wb") as out:
        async for chunk in request.stream():
            if inflater is not None:
                try:
                    chunk = inflater.decompress(chunk)
                except zlib.error as exc:
                    raise BodyError(400, f"body is not valid gzip: {exc}") from exc
            size += len(chunk)
            if size > limit:
                raise BodyError(413, f"snapshot body exceeds the limit of {limit} bytes")
            out.write(chunk)
    if inflater is not None and not inflater.eof:
        raise BodyError(400, "body is not valid gzip: stream is truncated")


@dataclass(frozen=True, slots=True)
class SnapshotLimits:
    """Hung on ``app.state.snapshot_limits`` by the app factory."""

    max_body_bytes: int = 2 << 30
    max_errors: int = 20


def _limits(request: Request) -> SnapshotLimits:
    limits = getattr(request.app.state, "snapshot_limits", None)
    return limits if isinstance(limits, SnapshotLimits) else SnapshotLimits()


LimitsDep = Annotated[SnapshotLimits, Depends(_limits)]


def _store(
    store: Store,
    received_ns: int,
    allowed: frozenset[str] | None,
    fmt: Format,
    path: Path,
    query: dict[str, str | None],
    max_errors: int,
) -> SnapshotResult:
    checker = new_checker(max_errors)
    if fmt == "json":
        header, rows = json_snapshot(path)
        batches = rows()
    else:
        header = header_from_fields(
            query["system"], query["instance"], query["taken_at"], query["channel"]
        )
        batches = csv_batches(path, checker) if fmt == "csv" else parquet_batches(path)
    if allowed is not None and header.system not in allowed:
        raise SnapshotError(403, f"this caller may not send snapshots for system {header.system!r}")
    return write_snapshot(
        store,
        header,
        batches,
        fmt=fmt,
        received_ns=received_ns,
        max_errors=max_errors,
        checker=checker,
    )


@router.post(
    "/v1/snapshots",
    summary="One system's full stock state at taken_at: JSON, CSV or Parquet",
    response_model=SnapshotStored,
    responses={
        code: {"model": SnapshotRefused, "description": why}
        for code, why in (
            (400, "undecodable body (bad JSON, truncated Parquet) or bad header"),
            (401, "missing or invalid bearer token"),
            (403, "the caller may not send snapshots (for this system)"),
            (413, "body over snapshots.max_body_bytes, before or after gzip"),
            (415, "unsupported content type or encoding"),
            (422, "wrong columns, invalid rows or repeated keys; nothing stored"),
            (503, "the store is unavailable; retry later"),
        )
    },
)
async def post_snapshot(
    request: Request,
    state: CollectorDep,
    limits: LimitsDep,
    caller: Annotated[Principal, requires(Need.SNAPSHOTS, renders=True)],
    system: Annotated[str | None, Query(description="CSV/Parquet: the system")] = None,
    instance: Annotated[str | None, Query(description="CSV/Parquet: the instance")] = None,
    taken_at: Annotated[str | None, Query(description="CSV/Parquet: RFC 3339")] = None,
    channel: Annotated[str | None, Query(description="CSV/Parquet: sales channel")] = None,
    format: Annotated[str | None, Query(description="json, csv or parquet")] = None,
) -> JSONResponse:
    def fail(status: int, message: str, body: dict[str, Any] | None = None) -> JSONResponse:
        state.metrics.requests_rejected.labels(endpoint="snapshots", code=str(status)).inc()
        return JSONResponse(body or {"error": message, "stored": False}, status_code=status)

    refused = refusal(caller, Need.SNAPSHOTS)
    if refused is not None:
        state.metrics.requests_rejected.labels(endpoint="snapshots", code=str(refused.status)).inc()
        return JSONResponse(
            {"error": refused.message}, status_code=refused.status, headers=refused.headers
        )
    allowed = caller.systems(Need.SNAPSHOTS)
    ctype = media_type(request)
    fmt: Format | None = _TYPES.get(ctype)
    if format is not None:
        if format not in ("json", "csv", "parquet"):
            return fail(400, "format must be json, csv or parquet")
        fmt = format  # type: ignore[assignment]
    if fmt is None:
        return fail(
            415,
            f"unsupported Content-Type {ctype or '(none)'!r}; use application/json, "
            "text/csv or application/vnd.apache.parquet (or ?format=)",
        )
    fd, name = tempfile.mkstemp(prefix="synclens-snapshot-", suffix=f".{fmt}")
    os.close(fd)
    path = Path(name)
    try:
        try:
            await _spool(request, limits.max_body_bytes, path)
        except BodyError as exc:
            return fail(exc.status, str(exc))
        query = {"system": system, "instance": instance, "taken_at": taken_at, "channel": channel}
        try:
            result = await anyio.to_thread.run_sync(
                _store,
                state.store,
                state.clock(),
                allowed,
                fmt,
                path,
                query,
                limits.max_errors,
            )
        except SnapshotError as exc:
            return fail(exc.status, str(exc), exc.body())
        except (StoreClosed, duckdb.Error) as exc:
            return fail(503, f"store unavailable: {exc}")
    finally:
        path.unlink(missing_ok=True)
    return JSONResponse(result.as_dict())


@api.get(
    "/snapshots",
    summary="Stored snapshots, newest first",
    response_model=SnapshotList,
    responses=refusals(401, 503),
)
def list_snapshots(
    state: CollectorDep,
    system: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    with state.store.reader() as cur:
        rows = cur.execute(sql("snapshots_list"), {"system": system, "limit": limit}).fetchall()
    cols = ("snapshot_id", "system", "instance", "channel", "taken_ns", "received_ns", "rows")
    return {"snapshots": [dict(zip(cols, r[:7], strict=True)) for r in rows]}
