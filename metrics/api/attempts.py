"""``GET /api/v1/attempts/failed``: the failed delivery attempts behind the
on-call counts and bars (docs/dashboards.md, "On-call")."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query

from collector.api.deps import ReaderAuth
from collector.api.responses import Model, invalid, refusals
from collector.timefmt import iso, parse_rfc3339_ns
from metrics.api.slis import EngineDep
from metrics.slis import parse_window
from metrics.slis.attempts import AttemptFilter, failed_attempts

__all__ = ["FailedAttempts", "router"]

router = APIRouter(
    prefix="/api/v1/attempts",
    tags=["slis"],
    dependencies=[ReaderAuth],
    responses=refusals(401, (503, "the SLI engine is starting or stopping")),
)

_NAME = r"^[^\x00-\x1f]{1,256}$"


class FailedAttempt(Model):
    """One failed delivery attempt (a span with status error, or dead-lettered)."""

    trace_id: str
    span_id: str
    end_ns: int
    time: str
    target: str
    error_class: str
    http_status: int | None
    status_message: str | None
    dead_lettered: bool
    attempt: int | None
    event_id: str | None
    sku: str | None
    location: str | None
    warehouse: str | None
    order_id: str | None


class FailedAttempts(Model):
    """A page of failed attempts, newest first, and how many match; ``since``
    and ``until``: the time range searched."""

    window: str
    computed_at: str
    since: str
    until: str
    total: int
    limit: int
    offset: int
    attempts: list[FailedAttempt]


def _time(name: str, text: str | None) -> int | None:
    try:
        return None if text is None else parse_rfc3339_ns(text)
    except ValueError as exc:
        raise invalid(("query", name), str(exc)) from exc


@router.get(
    "/failed",
    summary="Failed delivery attempts over a window: target, failure class, HTTP status, trace",
    response_model=FailedAttempts,
)
async def get_failed(
    engine: EngineDep,
    window: Annotated[str, Query(description="e.g. 5m, 1h, 24h, 7d")] = "1h",
    target: Annotated[str | None, Query(pattern=_NAME)] = None,
    error_class: Annotated[
        str | None,
        Query(pattern=_NAME, description="error.type (timeout, 429, ...), else the HTTP status"),
    ] = None,
    sku: Annotated[str | None, Query(pattern=_NAME)] = None,
    http_status: Annotated[
        int | None, Query(ge=100, le=599, description="the HTTP status the target answered")
    ] = None,
    since: Annotated[
        str | None, Query(description="RFC 3339; attempts that ended at or after this time")
    ] = None,
    until: Annotated[
        str | None,
        Query(description="RFC 3339; attempts that ended before this time (default: now)"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> dict[str, Any]:
    try:
        parse_window(window)
    except ValueError as exc:
        raise invalid(("query", "window"), str(exc)) from exc
    since_ns, until_ns = _time("since", since), _time("until", until)
    if since_ns is not None and until_ns is not None and since_ns >= until_ns:
        raise invalid(("query", "until"), "until must come after since")
    wanted = AttemptFilter(
        window, target, error_class, sku, limit, offset, http_status, since_ns, until_ns
    )
    now = engine.clock()
    start, end = wanted.span(now)

    def run() -> tuple[int, list[dict[str, Any]]]:
        with engine.store.reader() as cur:
            return failed_attempts(
                cur, wanted, now_ns=now, locations=engine.refresher.derivation.locations
            )

    total, rows = await anyio.to_thread.run_sync(run)
    return {
        "window": window,
        "computed_at": iso(now),
        "since": iso(start),
        "until": iso(end),
        "total": total,
        "limit": limit,
        "offset": offset,
        "attempts": [{**r, "time": iso(int(r["end_ns"]))} for r in rows],
    }
