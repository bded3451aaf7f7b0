"""Each running part of the service, built from the settings: the stores,
the derived facts, reconciliation, the SLI engine, the lake, the gRPC
receiver, the Alertmanager push.  :func:`synclens.app.create_app` wires them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from collector.api.deps import CollectorState
from collector.api.grpc_traces import GrpcReceiver, TlsFiles
from collector.clock import Clock
from collector.labels import LabelBounds
from collector.locations import LocationMap
from collector.routing import RouteTable
from collector.store import Store
from metrics import STORE_MIGRATIONS
from metrics.annotations import AnnotationStore
from metrics.exceptions import ExceptionStore, OwnerRouter, OwnerRule
from metrics.exceptions.alerts import AlertmanagerPush
from metrics.exceptions.detectors import DetectorConfig
from metrics.facts import Derivation, Refresher
from metrics.reconciliation.model import ReconcileConfig, ToleranceRule
from metrics.reconciliation.service import ReconcileService
from metrics.slis.engine import SliEngine
from metrics.slis.parts import exceptions_part, reconciliation_part
from metrics.slo import SloSpec
from metrics.slo.causes import CauseMap
from synclens.access import token_systems
from synclens.settings import Settings

if TYPE_CHECKING:
    from collector.lake import LakeService


__all__ = [
    "alertmanager_push",
    "grpc_receiver",
    "label_bounds",
    "lake_service",
    "location_map",
    "open_exceptions",
    "open_store",
    "reconcile_service",
    "refresher",
    "sli_engine",
]

log = logging.getLogger("synclens")


def open_store(settings: Settings, on_fatal: Callable[[str], None] | None = None) -> Store:
    """The DuckDB store; ``on_fatal`` is called (writer thread) if DuckDB
    invalidates the database (a failed checkpoint): the server exits then."""
    return Store(
        settings.db,
        queue_max_rows=settings.ingest.queue_max_rows,
        max_group_rows=settings.ingest.max_group_rows,
        extra_migrations=STORE_MIGRATIONS,
        memory_limit=settings.store.memory_limit,
        checkpoint_threshold=settings.store.checkpoint_threshold,
        on_fatal=on_fatal,
    )


def label_bounds(settings: Settings) -> LabelBounds:
    """The label values ``/metrics`` may carry: every name the configuration
    uses, plus ``labels.*``; anything else is counted under ``other``."""
    systems = {s for r in settings.routes for s in (r.source_system, *r.targets) if s}
    systems |= {s for owners in settings.ownership.values() for s in owners}
    systems |= {s for t in settings.auth.tokens for s in token_systems(t)}
    systems |= {r.target for r in settings.exceptions.routing if r.target}
    warehouses = {info.warehouse for info in settings.locations.values()}
    warehouses |= {t.warehouse for t in settings.tolerances if t.warehouse}
    warehouses |= {r.warehouse for r in settings.exceptions.routing if r.warehouse}
    labels = settings.labels
    return LabelBounds(
        {
            "system": systems | set(labels.systems),
            "event_type": {r.event_type for r in settings.routes} | set(labels.event_types),
            "warehouse": warehouses | set(labels.warehouses),
            "channel": {t.channel for t in settings.tolerances if t.channel} | set(labels.channels),
        }
    )


def open_exceptions(settings: Settings) -> ExceptionStore:
    """The operational store (``ops_db``), migrated to the newest schema."""
    rules = [
        OwnerRule(owner=r.owner, kind=r.kind, warehouse=r.warehouse, target=r.target)
        for r in settings.exceptions.routing
    ]
    return ExceptionStore(
        settings.ops_db, router=OwnerRouter(rules, default=settings.exceptions.default_owner)
    )


def open_annotations(
    settings: Settings, exceptions: ExceptionStore, clock: Clock, slos: Sequence[SloSpec]
) -> AnnotationStore:
    """The change markers, in the operational store; a start with a configuration
    or SLOs not run before marks a configuration reload or the SLO edits."""
    found = AnnotationStore(exceptions.engine, clock)
    found.record_start(
        settings.model_dump(mode="json"),
        {s.name: s.model_dump(mode="json", exclude={"source"}) for s in slos},
        now_ns=clock(),
    )
    return found


def cause_map(settings: Settings) -> CauseMap:
    """The configured attribution of budget spent to causes (``budget_causes``)."""
    c = settings.budget_causes
    return CauseMap(
        partner_systems=frozenset(c.partner_systems),
        partner_errors=frozenset(c.partner_errors),
        architectural_errors=frozenset(c.architectural_errors),
        kinds=dict(c.kinds),
        default=c.default,
    )


def location_map(settings: Settings) -> LocationMap:
    """The configured location -> warehouse map (SPEC 1.4 ``locations``)."""
    return LocationMap({loc: info.warehouse for loc, info in settings.locations.items()})


def refresher(settings: Settings, store: Store) -> Refresher:
    """The one refresher of the derived pair facts, by the configured routes
    and locations; the SLI engine, the detectors and reconciliation share
    its routes and locations."""
    return Refresher(store, Derivation(RouteTable(settings.routes), location_map(settings)))


def reconcile_service(
    settings: Settings,
    store: Store,
    exceptions: ExceptionStore,
    clock: Clock,
    facts: Refresher,
) -> ReconcileService:
    """Reconciliation and the detectors, wired from the settings."""
    routes, locations = facts.derivation.routes, facts.derivation.locations
    rc = settings.reconciliation
    return ReconcileService(
        store=store,
        exceptions=exceptions,
        reconcile_config=ReconcileConfig(
            ownership=settings.ownership,
            routes=routes,
            tolerances=[
                ToleranceRule(t.item_class, t.warehouse, t.channel, t.absolute, t.percent)
                for t in settings.tolerances
            ],
            locations=locations,
            item_classes=[(c.pattern, c.item_class) for c in rc.item_classes],
            lookback_s=rc.lookback_s,
            keep_runs=rc.keep_runs,
            keep_snapshots=settings.snapshots.keep_per_system,
        ),
        detector_config=DetectorConfig(
            routes=routes,
            ownership=settings.ownership,
            locations=locations,
            lookback_s=rc.lookback_s,
        ),
        clock=clock,
        refresh=facts,
    )


def sli_engine(
    settings: Settings,
    store: Store,
    exceptions: ExceptionStore,
    clock: Clock,
    facts: Refresher,
    lake: LakeService | None = None,
) -> SliEngine:
    """The SLI engine over the store (and the lake: both tiers), with the
    routes and locations it derives by and the reconciliation and exception
    SLIs merged in."""
    parts = (
        reconciliation_part,
        exceptions_part(
            exceptions, settings.exceptions.aging_objective_s, facts.derivation.locations
        ),
    )
    if lake is None:
        return SliEngine(store, facts, clock, parts)
    return SliEngine(store, facts, clock, parts, history=lake.tiers.reader)


def lake_service(settings: Settings, store: Store) -> LakeService:
    """The lake of ``settings.lake`` beside ``store`` (files beside the
    store's file unless a catalog URL and warehouse are given)."""
    from collector.lake import LakeConfig, LakeService  # pyiceberg: only when the lake is on

    lake = settings.lake
    secret = lake.s3_secret_access_key
    config = LakeConfig.beside(
        store.path if store.path != ":memory:" else settings.db,
        catalog_url=lake.catalog_url,
        warehouse=lake.warehouse,
        namespace=lake.namespace,
        sku_buckets=lake.sku_buckets,
        s3_endpoint=lake.s3_endpoint,
        s3_access_key_id=lake.s3_access_key_id,
        s3_secret_access_key=secret.get_secret_value() if secret else None,
        s3_region=lake.s3_region,
    )
    return LakeService(
        store,
        config,
        export_max_rows=lake.export_max_rows,
        pair_facts_settle_s=lake.pair_facts_settle_s,
        compact_min_files=lake.compact_min_files,
        snapshot_keep_s=lake.snapshot_keep_s,
        retention_days=lake.retention_days,
        hot_days=settings.store.hot_days,
    )


def grpc_receiver(settings: Settings, state: CollectorState) -> GrpcReceiver | None:
    grpc = settings.grpc
    if not grpc.port:
        return None
    tls: TlsFiles | None = None
    if grpc.tls_cert_file is not None and grpc.tls_key_file is not None:
        tls = (grpc.tls_cert_file.read_bytes(), grpc.tls_key_file.read_bytes())
    return GrpcReceiver(
        state, host=settings.host, port=grpc.port, tls=tls, grace_s=grpc.shutdown_grace_s
    )


def alertmanager_push(settings: Settings, exceptions: ExceptionStore) -> AlertmanagerPush | None:
    url = settings.alertmanager.url
    if not url:
        return None
    base = settings.public_url or f"http://{settings.host}:{settings.port}"
    log.info("pushing exception alerts to Alertmanager at %s", url)
    return AlertmanagerPush(
        url, exceptions, base_url=base, timeout_s=settings.alertmanager.timeout_s
    )
