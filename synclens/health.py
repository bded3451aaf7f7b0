"""``/healthz`` (the process answers), ``/readyz`` (the store takes writes), ``/metrics``."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from collector.api.responses import Model
from collector.identity import Need, requires

__all__ = ["router"]

router = APIRouter(tags=["operations"])


class Unready(Model):
    """``/readyz`` refuses: ``reason`` names what keeps ingest from being served."""

    status: str
    reason: str


@router.get(
    "/healthz", summary="Liveness: the process answers", dependencies=[requires(Need.PUBLIC)]
)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: the store takes writes and a decoder can serve",
    dependencies=[requires(Need.PUBLIC)],
    responses={503: {"model": Unready, "description": "ingest cannot be served now: why"}},
)
def readyz(request: Request) -> JSONResponse:
    collector = getattr(request.app.state, "collector", None)
    if collector is None:
        return _unready("starting or stopping")
    reason = collector.store.unavailable
    if reason is not None:
        return _unready(reason)
    if not collector.decoder.ready:
        return _unready("no decode process can serve: one died and is being replaced")
    return JSONResponse({"status": "ready", "queue_rows": collector.store.queue_rows})


def _unready(reason: str) -> JSONResponse:
    return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    dependencies=[requires(Need.PUBLIC)],  # as before: Prometheus scrapes without a token
)
def metrics(request: Request) -> Response:
    registry: CollectorRegistry = request.app.state.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
