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
from collector.api.grpc_traces import GrpcReceiver
from collector.bus.telemetry import BusMetrics
from collector.clock import Clock, system_clock
from collector.decoding import Decoder
from collector.identity import IdentityMiddleware, Need
from collector.identity import oidc_signin as oidc_api
from collector.identity import signin as signin_api
from collector.identity.guard import Guarded
from collector.identity.throttle import SignInMetrics, SignInThrottle, ThrottleLimits
from collector.store import Store, StoreClosed
from collector.telemetry import IngestMetrics, PipelineHealthCollector, QueueDepthCollector
from dashboards.app import create_dash
from dashboards.mount import DashMount
from dashboards.queries import DashboardQueries
from metrics.api import annotations as annotations_api
from metrics.api import attempts as attempts_api
from metrics.api import exceptions as exceptions_api
from metrics.api import orders as orders_api
from metrics.api import reconciliations as reconciliations_api
from metrics.api import report as report_api
from metrics.api import slis as slis_api
from metrics.api import slos as slos_api
from metrics.exceptions.delivery_metrics import DeliveryMetrics
from metrics.exceptions.lineage import lineage_exceptions
from metrics.exceptions.telemetry import ExceptionMetrics
from metrics.exposition import SyncMetrics
from metrics.reconciliation.telemetry import ReconciliationMetrics
from metrics.slo import load_slos
from metrics.slo.maintenance import load_maintenance
from synclens import admin, health
from synclens import docs as docs_api
from synclens.access import build_resolver, is_loopback
from synclens.buses import running_buses
from synclens.edge.bodies import BodyLimit
from synclens.edge.csrf import OriginCheck
from synclens.edge.headers import SecurityHeaders
from synclens.edge.hosts import AllowedHosts
from synclens.events import open_delivery
from synclens.parts import (
    alertmanager_push,
    cause_map,
    grpc_receiver,
    label_bounds,
    lake_service,
    open_annotations,
    open_exceptions,
    open_store,
    reconcile_service,
    refresher,
    sli_engine,
)
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
    pass

__all__ = ["allowed_hosts", "create_app"]

log = logging.getLogger("synclens")


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
        app.state.annotations = open_annotations(settings, exceptions, clock, app.state.slos)
        facts = refresher(settings, active)
        service = reconcile_service(settings, active, exceptions, clock, facts)
        app.state.reconcile = service
        pusher = alertmanager_push(settings, exceptions)
        if pusher is not None:
            service.on_change.append(pusher)
        exception_metrics = ExceptionMetrics(active, exceptions, clock, facts.derivation.locations)
        registry.register(exception_metrics)
        run_metrics = ReconciliationMetrics(active, labels)
        registry.register(run_metrics)
        lake = lake_service(settings, active) if settings.lake.enabled else None
        engine = sli_engine(settings, active, exceptions, clock, facts, lake)
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
            history=engine.read if lake is not None else None,
            sku_history=lake.tiers.for_sku if lake is not None else None,
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
                maintenance=lambda: getattr(app.state, "maintenance", None),
                lineage_extras=app.state.collector.lineage_extras,
                annotations=app.state.annotations,
                causes=cause_map(settings),
            ),
            max_body_bytes=settings.edge.max_body_bytes,
        )
        dash_mount.attach(app.state.dash)
        scheduler = start_scheduler(
            active,
            facts,
            settings.retention,
            settings.store,
            clock,
            hot=lake.hot if lake else None,
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
            receiver = grpc_receiver(settings, app.state.collector)
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
    limits = settings.auth.sign_in
    app.state.sign_in_throttle = SignInThrottle(
        ThrottleLimits(
            limits.max_failures_per_login, limits.max_failures_per_address, limits.window_s
        ),
        clock,
    )
    app.state.sign_in_metrics = SignInMetrics(registry)
    app.state.registry = registry
    app.state.slos = load_slos(settings.slis.slo_dir)
    app.state.maintenance = load_maintenance(settings.slis.slo_dir)
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
    app.include_router(report_api.router)
    app.include_router(attempts_api.router)
    app.include_router(annotations_api.router)
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
    app.include_router(oidc_api.router)
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
