"""What the collector's routes need, hung on ``app.state.collector`` by the
app factory and handed to routes as ``Annotated`` dependencies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from collector.clock import Clock
from collector.decoding import Decoder
from collector.identity import Need, Resolver, requires
from collector.labels import LabelBounds
from collector.lineage import LineageExtra
from collector.locations import LocationMap
from collector.queries import Reader
from collector.routing import RouteTable
from collector.store import Store
from collector.telemetry import IngestMetrics

__all__ = ["CollectorDep", "CollectorState", "ReaderAuth"]


@dataclass(frozen=True, slots=True)
class CollectorState:
    store: Store
    decoder: Decoder
    metrics: IngestMetrics
    resolver: Resolver  # who calls: gRPC asks it (HTTP has the middleware)
    routes: RouteTable
    locations: LocationMap
    clock: Clock
    max_body_bytes: int
    retry_after_s: int
    write_timeout_s: float = 8.0
    labels: LabelBounds = field(default_factory=lambda: LabelBounds({}))
    lineage_extras: tuple[LineageExtra, ...] = ()
    history: Reader | None = None  # both tiers with a lake (collector/lake/tiers.py)
    #: both tiers, the lake's side narrowed to one SKU's rows (``TwoTier.for_sku``)
    sku_history: Callable[[str], Reader] | None = None

    def read(self) -> Reader:
        """The reader of lineage and traces: both tiers, or the hot store."""
        return self.history or self.store.reader

    def read_sku(self, sku: str) -> Reader:
        """The reader of one SKU's lineage: both tiers (the lake's files of
        that SKU only), or the hot store."""
        return self.sku_history(sku) if self.sku_history else self.read()


def _collector(request: Request) -> CollectorState:
    state = getattr(request.app.state, "collector", None)
    if not isinstance(state, CollectorState):
        raise HTTPException(503, "the collector is starting or stopping", {"Retry-After": "1"})
    return state


CollectorDep = Annotated[CollectorState, Depends(_collector)]


#: the query API's routers: the caller needs the ``read`` permission
ReaderAuth = requires(Need.READ)
