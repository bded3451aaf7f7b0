"""``/api/v1/annotations``: change markers on the dashboards' time charts.

Operators (and deploy pipelines with an ``operate`` token) post deploys and
notes; anyone who may read lists them, with the configuration reloads and
SLO edits synclens records itself (docs/dashboards.md, "Change markers").
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from collector.api.deps import ReaderAuth
from collector.api.responses import Model, invalid, refusals
from collector.identity import Need, Principal, requires
from collector.timefmt import iso, parse_rfc3339_ns
from metrics.annotations import Annotation, AnnotationStore
from metrics.api.deps import running
from metrics.slis import parse_window

__all__ = ["AnnotationList", "AnnotationView", "router"]

StoreDep = Annotated[
    AnnotationStore, Depends(running("annotations", AnnotationStore, "the annotations store"))
]
Operator = Annotated[Principal, requires(Need.OPERATE)]

router = APIRouter(
    prefix="/api/v1/annotations",
    tags=["annotations"],
    dependencies=[ReaderAuth],
    responses=refusals(401, (503, "the operational store is starting or stopping")),
)


class NewAnnotation(BaseModel):
    """A deploy or a note to mark on the time charts."""

    kind: Literal["deploy", "note"] = "deploy"
    title: str = Field(min_length=1, max_length=256, description="what changed, e.g. 'wms 4.2.1'")
    detail: str = Field(default="", max_length=4096)
    system: str | None = Field(
        default=None, max_length=128, description="the system deployed (a target, a warehouse)"
    )
    at: str | None = Field(
        default=None, description="RFC 3339 time of the change; default: when posted"
    )


class AnnotationView(Model):
    id: int
    kind: str
    title: str
    detail: str
    system: str | None
    at: str
    at_ns: int
    by: str
    by_subject: str | None


class AnnotationList(Model):
    """Annotations at ``[from, to]``, oldest first."""

    window: str
    annotations: list[AnnotationView]


def _view(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "at": iso(int(row["at_ns"]))}


@router.post(
    "",
    summary="Mark a deploy or a note on the dashboards' time charts",
    response_model=AnnotationView,
    # a body FastAPI cannot read (not UTF-8) is its 400, before any validation
    responses=refusals((400, "the body cannot be read as UTF-8 JSON"), 403),
)
def post_annotation(body: NewAnnotation, store: StoreDep, who: Operator) -> dict[str, Any]:
    now = store.clock()
    at = now
    if body.at is not None:
        try:
            at = parse_rfc3339_ns(body.at)
        except ValueError as exc:
            raise invalid(("body", "at"), str(exc)) from exc
    note = Annotation(body.kind, body.title, at, detail=body.detail, system=body.system)
    return _view(store.add(note, by=who.name, subject=who.subject, now_ns=now))


@router.get("", summary="Change markers over a window", response_model=AnnotationList)
def list_annotations(
    store: StoreDep,
    window: Annotated[str, Query(description="e.g. 1h, 24h, 7d")] = "24h",
    kind: Annotated[Literal["deploy", "note", "config_reload", "slo_edit"] | None, Query()] = None,
) -> dict[str, Any]:
    try:
        span = parse_window(window)
    except ValueError as exc:
        raise invalid(("query", "window"), str(exc)) from exc
    now = store.clock()
    rows = store.between(now - span, now, kind=kind)
    return {"window": window, "annotations": [_view(r) for r in rows]}
