"""Reconciliation by the system-of-record model (SPEC 2): comparing the latest
snapshots, the stored runs, their mismatches as exceptions, the scheduled
pass that also runs the detectors, and the reconciliation gauges."""

from metrics.reconciliation.compute import ReconciliationRun, reconcile
from metrics.reconciliation.model import AVAILABLE_COMPONENTS, ReconcileConfig, ToleranceRule
from metrics.reconciliation.results import latest_counts, run_detail, runs
from metrics.reconciliation.service import PassResult, ReconcileService

__all__ = [
    "AVAILABLE_COMPONENTS",
    "PassResult",
    "ReconcileConfig",
    "ReconcileService",
    "ReconciliationRun",
    "ToleranceRule",
    "latest_counts",
    "reconcile",
    "run_detail",
    "runs",
]
