"""The app factory: wires ingest, the query API, /metrics and health together."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, disable_created_metrics

from collector.api import events as events_api
from collector.api import lineage as lineage_api
from collector.api import snapshots as snapshots_api
from collector.api import traces as traces_api
from collector.api.deps import CollectorState
from collector.api.grpc_traces import GrpcReceiver, TlsFiles
from collector.bus.telemetry import BusMetrics
from collector.clock import Clock, system_clock
from collector.decoding import Decoder
from collector.identity import IdentityMiddleware, Need
from collector.identity import signin as signin_api
from collector.identity.guard import Guarded
from collector.labels import LabelBounds
from collector.locations import LocationMap
from collector.routing import RouteTable
from collector.store import Store, StoreClosed
from collector.telemetry import IngestMetrics, PipelineHealthCollector, QueueDepthCollector
from dashboards.app import create_dash
from dashboards.mount import DashMount
from dashboards.queries import DashboardQueries
from metrics import STORE_MIGRATIONS
from metrics.api import exceptions as exceptions_api
from metrics.api import orders as orders_api
from metrics.api import reconciliations as reconciliations_api
from metrics.api import slis as slis_api
from metrics.api import slos as slos_api
from metrics.exceptions import ExceptionStore, OwnerRouter, OwnerRule
from metrics.exceptions.alerts import AlertmanagerPush
from metrics.exceptions.delivery_metrics import DeliveryMetrics
from metrics.exceptions.detectors import DetectorConfig
from metrics.exceptions.lineage import lineage_exceptions
from metrics.exceptions.telemetry import ExceptionMetrics
from metrics.exposition import SyncMetrics
from metrics.facts import Derivation, Refresher
from metrics.reconciliation.model import ReconcileConfig, ToleranceRule
from metrics.reconciliation.service import ReconcileService
from metrics.reconciliation.telemetry import ReconciliationMetrics
from metrics.slis.engine import SliEngine
from metrics.slis.parts import exceptions_part, reconciliation_part
from metrics.slo import load_slos
from synclens import admin, health
from synclens import docs as docs_api
from synclens.access import build_resolver, is_loopback, token_systems
from synclens.buses import running_buses
from synclens.edge.bodies import BodyLimit
from synclens.edge.csrf import OriginCheck
from synclens.edge.headers import SecurityHeaders
from synclens.edge.hosts import AllowedHosts
from synclens.events import open_delivery
from synclens.routes_check import check_every_route_declares_a_need
from synclens.scheduler import (
    add_delivery_job,
    add_lake_jobs,
    add_reconciliation_jobs,
    add_sli_jobs,
    start_scheduler,
)
from synclens.settings import Settings

if TYPE_CHECKING:
    from collector.lake import LakeService

__all__ = [
    "allowed_hosts",
    "create_app",
    "label_bounds",
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
    settings: Settings, store: Store, exceptions: ExceptionStore, clock: Clock, facts: Refresher
) -> SliEngine:
    """The SLI engine over the store, with the routes and locations it derives
    by and the reconciliation and exception SLIs merged in."""
    parts = (
        reconciliation_part,
        exceptions_part(
            exceptions, settings.exceptions.aging_objective_s, facts.derivation.locations
        ),
    )
    return SliEngine(store, facts, clock, parts)


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
    )


def create_app(
    settings: Settings,
    *,
    store: Store | None = None,
    clock: Clock = system_clock,
    registry: CollectorRegistry | None = None,
    on_store_fatal: Callable[[str], None] | None = None,
) -> FastAPI:
    """Build the service.  The store is opened at start-up (or ``store`` is
    used as given, and then left open at shutdown: its owner closes it);
    ``on_store_fatal`` is told when DuckDB invalidates the store."""
    disable_created_metrics()  # type: ignore[no-untyped-call]  # no *_created series
    registry = registry or CollectorRegistry()
    metrics = IngestMetrics(registry)
    bus_metrics = BusMetrics(registry)
    labels = label_bounds(settings)
    registry.register(labels)
    resolver = build_resolver(settings)

    dash_mount = DashMount()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = store is None
        active = open_store(settings, on_store_fatal) if store is None else store
        registry.register(QueueDepthCollector(active))
        exceptions = open_exceptions(settings)
        facts = refresher(settings, active)
        service = reconcile_service(settings, active, exceptions, clock, facts)
        app.state.reconcile = service
        pusher = _alertmanager(settings, exceptions)
        if pusher is not None:
            service.on_change.append(pusher)
        exception_metrics = ExceptionMetrics(active, exceptions, clock, facts.derivation.locations)
        registry.register(exception_metrics)
        run_metrics = ReconciliationMetrics(active, labels)
        registry.register(run_metrics)
        engine = sli_engine(settings, active, exceptions, clock, facts)
        app.state.slis = engine
        routed = {(event_type, t) for event_type, _, t, _, _ in facts.derivation.routes.rows()}
        sync_metrics = SyncMetrics(active, clock, labels, routed)
        registry.register(sync_metrics)
        delivery = open_delivery(settings, exceptions, clock)
        delivery_metrics = DeliveryMetrics(delivery, clock)
        registry.register(delivery_metrics)
        decoder = Decoder(settings.ingest.decode_workers, native=settings.ingest.native_decoder)
        log.info("decoders: %s", decoder.description)
        await decoder.start()
        health_metrics = PipelineHealthCollector(active, decoder)
        registry.register(health_metrics)
        app.state.collector = CollectorState(
            store=active,
            decoder=decoder,
            metrics=metrics,
            resolver=resolver,
            routes=facts.derivation.routes,
            locations=facts.derivation.locations,
            clock=clock,
            max_body_bytes=settings.ingest.max_body_bytes,
            retry_after_s=settings.ingest.retry_after_s,
            write_timeout_s=settings.ingest.write_timeout_s,
            labels=labels,
            lineage_extras=(lineage_exceptions(exceptions, facts.derivation.locations),),
        )
        app.state.dash = create_dash(
            DashboardQueries(
                store=active,
                routes=facts.derivation.routes,
                locations=facts.derivation.locations,
                clock=clock,
                slis=engine,
                exceptions=exceptions,
                registry=registry,
                slos=lambda: getattr(app.state, "slos", None),
                lineage_extras=app.state.collector.lineage_extras,
            ),
            max_body_bytes=settings.edge.max_body_bytes,
        )
        dash_mount.attach(app.state.dash)
        lake = lake_service(settings, active) if settings.lake.enabled else None
        scheduler = start_scheduler(
            active,
            facts,
            settings.retention,
            settings.store,
            clock,
            exported_seq=lake.exported_seq if lake else None,
        )
        add_reconciliation_jobs(
            scheduler,
            service,
            interval_s=settings.reconciliation.interval_s,
            detect_interval_s=settings.exceptions.detect_interval_s,
        )
        add_sli_jobs(scheduler, engine, interval_s=settings.slis.refresh_interval_s)
        if lake is not None:
            app.state.lake = lake
            add_lake_jobs(
                scheduler,
                lake,
                clock,
                export_interval_s=settings.lake.export_interval_s,
                maintenance_interval_s=settings.lake.maintenance_interval_s,
            )
        add_delivery_job(scheduler, delivery, interval_s=settings.events.poll_interval_s)
        # Everything loaded so far (Dash, pandas, the settings, the routes)
        # lives as long as the process: move it out of the collector's
        # generations so that full collections do not rescan it during
        # requests (a lineage page allocates enough to trigger them).
        gc.freeze()
        receiver: GrpcReceiver | None = None
        buses = AsyncExitStack()
        try:  # the receiver starts in the try: a port in use still closes the store
            receiver = _grpc_receiver(settings, app.state.collector)
            if receiver is not None:
                await receiver.start()
            await buses.enter_async_context(  # they connect (and reconnect) in the background
                running_buses(settings, app.state.collector, registry, bus_metrics)
            )
            log.info(
                "synclens ready on http://%s:%s, OTLP/gRPC %s (store %s, schema v%d, auth %s)",
                settings.host,
                settings.port,
                "off"
                if receiver is None
                else f"on {settings.host}:{receiver.port}"
                + (" with TLS" if settings.grpc.tls_cert_file else ""),
                active.path,
                active.schema_version,
                "on"
                if settings.auth_enabled
                else "off: loopback only, everyone is admin"
                if is_loopback(settings.host)
                else "OFF on a public address, everyone is admin",
            )
            yield
        finally:
            log.info("synclens stopping: flushing the ingest queue")
            if receiver is not None:  # answers the calls under way while the store takes them
                await receiver.stop()
            await buses.aclose()  # each consumer settles its batch under way
            dash_mount.detach()
            if owned:  # a compaction or derivation under way is done again next start
                active.stop_reads()
            delivery.stop()  # a delivery pass under way ends with the sink it is at
            scheduler.shutdown(wait=True)  # jobs read the store: let them finish first
            decoder.close()
            registry.unregister(exception_metrics)
            registry.unregister(run_metrics)
            registry.unregister(sync_metrics)
            registry.unregister(health_metrics)
            registry.unregister(delivery_metrics)
            delivery.close()
            if pusher is not None:
                pusher.close()
            exceptions.close()
            if owned:
                active.close()

    app = FastAPI(
        title="synclens",
        version="0.1.0",
        summary="Observability and SLOs for inventory synchronisation",
        lifespan=lifespan,
        docs_url=None,  # served by synclens.docs, behind the read permission
        redoc_url=None,
        openapi_url=None,
    )
    app.state.resolver = resolver
    app.state.registry = registry
    app.state.slos = load_slos(settings.slis.slo_dir)
    app.state.settings = settings
    app.state.snapshot_limits = snapshots_api.SnapshotLimits(
        settings.snapshots.max_body_bytes, settings.snapshots.max_errors
    )
    app.add_exception_handler(StoreClosed, _store_unavailable)
    app.include_router(traces_api.router)
    app.include_router(events_api.router)
    app.include_router(lineage_api.router)
    app.include_router(snapshots_api.router)
    app.include_router(snapshots_api.api)
    app.include_router(slis_api.router)
    app.include_router(slos_api.router)
    app.include_router(reconciliations_api.router)
    app.include_router(exceptions_api.router)
    app.include_router(orders_api.router)
    app.include_router(health.router)
    app.include_router(admin.router)
    app.include_router(docs_api.router)
    # Swagger UI's and ReDoc's assets (no CDN): anyone may fetch them
    app.mount(
        docs_api.STATIC_URL,
        Guarded(docs_api.static_files(), Need.PUBLIC, sign_in=False),
        name="static-offline-docs",
    )
    app.include_router(signin_api.router)
    # the Dash app, attached at start-up; each callback checks its own need too
    app.mount("/dashboards", Guarded(dash_mount, Need.READ, sign_in=resolver.people_sign_in))
    check_every_route_declares_a_need(app)
    # outermost last: hosts, then headers on every answer, then limits, CSRF, identity
    app.add_middleware(IdentityMiddleware, resolver=resolver)
    app.add_middleware(OriginCheck, trusted=[settings.public_url] if settings.public_url else [])
    app.add_middleware(
        BodyLimit,
        max_body_bytes=settings.edge.max_body_bytes,
        timeout_s=settings.edge.body_timeout_s,
        streaming=_STREAMING,
    )
    app.add_middleware(AllowedHosts, hosts=allowed_hosts(settings))
    app.add_middleware(SecurityHeaders, hsts=settings.edge.tls_cert_file is not None)
    return app


async def _store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """A query that meets a closing or failed store: retryable 503, never a 500."""
    retry = str(request.app.state.settings.ingest.retry_after_s)
    return JSONResponse(
        {"detail": f"store unavailable: {exc}"}, status_code=503, headers={"Retry-After": retry}
    )


#: routes that stream their bodies under limits of their own (ingest)
_STREAMING = ("/v1/traces", "/v1/events", "/v1/snapshots")


def allowed_hosts(settings: Settings) -> tuple[str, ...]:
    """``edge.allowed_hosts``; by default the loopback names on loopback
    (no DNS rebinding) and any name on another address."""
    if settings.edge.allowed_hosts:
        return settings.edge.allowed_hosts
    if not is_loopback(settings.host):
        return ("*",)
    names = ["localhost", "127.0.0.1", "::1", settings.host]
    if settings.public_url:
        names.append(urlsplit(settings.public_url).hostname or "localhost")
    return tuple(names)


def _grpc_receiver(settings: Settings, state: CollectorState) -> GrpcReceiver | None:
    grpc = settings.grpc
    if not grpc.port:
        return None
    tls: TlsFiles | None = None
    if grpc.tls_cert_file is not None and grpc.tls_key_file is not None:
        tls = (grpc.tls_cert_file.read_bytes(), grpc.tls_key_file.read_bytes())
    return GrpcReceiver(
        state, host=settings.host, port=grpc.port, tls=tls, grace_s=grpc.shutdown_grace_s
    )


def _alertmanager(settings: Settings, exceptions: ExceptionStore) -> AlertmanagerPush | None:
    url = settings.alertmanager.url
    if not url:
        return None
    base = settings.public_url or f"http://{settings.host}:{settings.port}"
    log.info("pushing exception alerts to Alertmanager at %s", url)
    return AlertmanagerPush(
        url, exceptions, base_url=base, timeout_s=settings.alertmanager.timeout_s
    )
