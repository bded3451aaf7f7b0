"""The API's docs (``/docs``, ``/redoc``, ``/openapi.json``), behind the
``read`` permission like the API they describe; Swagger UI's and ReDoc's
assets are the ones fastapi-offline ships, served from ``/static/docs`` (no
CDN: the docs work on a network without internet)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from collector.identity import Need, requires

__all__ = ["STATIC_URL", "router", "static_files"]

STATIC_URL = "/static/docs"

router = APIRouter(include_in_schema=False, dependencies=[requires(Need.READ)])


def static_files() -> StaticFiles:
    """Swagger UI's and ReDoc's scripts, styles and icon."""
    return StaticFiles(directory=Path(fastapi_offline.__file__).parent / "static")


@router.get("/openapi.json")
def openapi(request: Request) -> dict[str, Any]:
    return request.app.openapi()  # type: ignore[no-any-return]


@router.get("/docs")
def swagger(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    return get_swagger_ui_html(
        openapi_url=f"{root}/openapi.json",
        title=f"{request.app.title} - Swagger UI",
        swagger_js_url=f"{root}{STATIC_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{STATIC_URL}/swagger-ui.css",
        swagger_favicon_url=f"{root}{STATIC_URL}/favicon.png",
    )


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    return get_redoc_html(
        openapi_url=f"{root}/openapi.json",
        title=f"{request.app.title} - ReDoc",
        redoc_js_url=f"{root}{STATIC_URL}/redoc.standalone.js",
        redoc_favicon_url=f"{root}{STATIC_URL}/favicon.png",
        with_google_fonts=False,
    )
