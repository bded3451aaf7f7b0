"""Timing apart from work: APScheduler calls plain functions on an interval.

Each job is a plain function that tests call directly with ``now_ns=``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import duckdb
from apscheduler.schedulers.background import BackgroundScheduler

from collector.clock import Clock
from collector.compaction import compact_due
from collector.retention import HotHorizon, prune
from collector.store import Store, StoreClosed
from collector.timefmt import NS_PER_S
from metrics.exceptions.delivery import Delivery
from metrics.facts import Refresher
from metrics.reconciliation.service import ReconcileService
from metrics.slis.engine import SliEngine
from synclens.settings import RetentionSettings, StoreSettings

if TYPE_CHECKING:
    from collector.lake import LakeService

__all__ = [
    "add_delivery_job",
    "add_lake_jobs",
    "add_reconciliation_jobs",
    "add_sli_jobs",
    "apply_retention",
    "start_scheduler",
]

log = logging.getLogger(__name__)

_DAY_NS = 86_400 * NS_PER_S


def _until_shutdown(name: str, job: Callable[[], object]) -> Callable[[], None]:
    """``job``, ending with a line of log instead of a traceback when shutdown
    interrupts its work on the store (``Store.stop_reads``)."""

    def run() -> None:
        try:
            job()
        except (duckdb.InterruptException, StoreClosed):
            log.info("%s: stopped, synclens is shutting down", name)

    return run


def apply_retention(
    store: Store,
    facts: Refresher,
    retention: RetentionSettings,
    *,
    now_ns: int,
    upto_seq: int | None = None,
    hot: HotHorizon | None = None,
) -> int:
    """Delete raw spans and events older than the retention settings (with a
    lake, only those of group commits up to ``upto_seq``, its export
    watermark), and the derived facts of those events; returns the number of
    rows deleted.  With ``hot`` (a lake): ``store.hot_days`` instead of the
    retention settings, and only what the lake holds (``HotHorizon``)."""
    spans_before = now_ns - retention.spans_days * _DAY_NS
    events_before = now_ns - retention.events_days * _DAY_NS
    duplicates_before = spans_upto = None
    facts_exported = None if upto_seq is None else events_before
    if hot is not None:
        spans_before = events_before = now_ns - hot.days * _DAY_NS
        upto_seq, facts_exported = hot.exported_seq, hot.facts_exported_ns
        spans_upto = hot.spans_exported_seq
        duplicates_before = now_ns - hot.duplicates_days * _DAY_NS
    deleted: int = store.run_task(
        lambda cur: prune(
            cur,
            spans_before_ns=spans_before,
            events_before_ns=events_before,
            upto_seq=upto_seq,
            duplicates_before_ns=duplicates_before,
            spans_upto_seq=spans_upto,
        )
    ).result()
    rollups_before = None
    if hot is not None:  # the lake's retention, by whole days as the lake's maintenance
        rollups_before = (now_ns // _DAY_NS - hot.duplicates_days) * _DAY_NS
    return deleted + facts.prune(
        before_ns=events_before,
        exported_ns=facts_exported,
        spans_before_ns=spans_before,
        rollups_before_ns=rollups_before,
    )


def start_scheduler(
    store: Store,
    facts: Refresher,
    retention: RetentionSettings,
    store_settings: StoreSettings,
    clock: Clock,
    *,
    hot: Callable[[], HotHorizon] | None = None,
) -> BackgroundScheduler:
    """Start the background jobs; the caller shuts the scheduler down.
    ``hot``: with a lake, what hot retention may delete (``LakeService.hot``)."""
    scheduler = BackgroundScheduler(
        daemon=True, job_defaults={"coalesce": True, "max_instances": 1}
    )
    scheduler.add_job(
        _until_shutdown(
            "retention",
            lambda: apply_retention(
                store,
                facts,
                retention,
                now_ns=clock(),
                hot=hot() if hot else None,
            ),
        ),
        "interval",
        hours=1,
        id="retention",
        name="delete spans and events past retention",
    )
    scheduler.add_job(
        _until_shutdown("checkpoint", store.checkpoint),
        "interval",
        seconds=store_settings.checkpoint_interval_s,
        id="checkpoint",
        name="fold the store's write-ahead log into the database file",
    )
    scheduler.add_job(
        _until_shutdown(
            "compact",
            lambda: compact_due(
                store,
                min_rows=store_settings.compact_min_rows,
                max_rows=store_settings.compact_max_rows,
            ),
        ),
        "interval",
        seconds=store_settings.compact_interval_s,
        id="compact",
        name="rewrite settled spans and events in SKU order",
    )
    scheduler.start()
    return scheduler


def add_reconciliation_jobs(
    scheduler: BackgroundScheduler,
    service: ReconcileService,
    *,
    interval_s: float,
    detect_interval_s: float,
) -> None:
    """Reconcile + every detector each ``interval_s``; the event-based
    detectors alone each ``detect_interval_s`` in between."""
    scheduler.add_job(
        _until_shutdown("reconciliation", lambda: service.run_pass(trigger="schedule")),
        "interval",
        seconds=interval_s,
        id="reconciliation",
        name="reconcile the latest snapshots and run the exception detectors",
    )
    scheduler.add_job(
        _until_shutdown("detectors", service.detect),
        "interval",
        seconds=detect_interval_s,
        id="detectors",
        name="run the event-based exception detectors",
    )


def add_sli_jobs(scheduler: BackgroundScheduler, engine: SliEngine, *, interval_s: float) -> None:
    """Keep the derived pair facts (and so /metrics) current."""
    scheduler.add_job(
        _until_shutdown("pair-facts", engine.refresh),
        "interval",
        seconds=interval_s,
        id="pair-facts",
        name="derive pair facts from new spans and events",
    )


def add_lake_jobs(
    scheduler: BackgroundScheduler,
    lake: LakeService,
    clock: Clock,
    *,
    export_interval_s: float,
    maintenance_interval_s: float,
) -> None:
    """Export settled rows to the lake; compact, expire and prune it."""
    scheduler.add_job(
        _until_shutdown("lake-export", lambda: lake.export(now_ns=clock())),
        "interval",
        seconds=export_interval_s,
        id="lake-export",
        name="export settled rows to the Iceberg lake",
    )
    scheduler.add_job(
        _until_shutdown("lake-maintenance", lambda: lake.maintain(now_ns=clock())),
        "interval",
        seconds=maintenance_interval_s,
        id="lake-maintenance",
        name="compact the lake's small files, expire old snapshots, apply lake retention",
    )


def add_delivery_job(
    scheduler: BackgroundScheduler, delivery: Delivery, *, interval_s: float
) -> None:
    """Send exception events to their sinks (docs/exceptions.md, "Events out")."""
    scheduler.add_job(
        delivery.run_once,
        "interval",
        seconds=interval_s,
        id="event-delivery",
        name="deliver exception events from the outbox to the sinks",
    )
