"""One reconciliation pass: reconcile, sync mismatches, run the detectors.

:class:`ReconcileService` is what the API, the CLI and the scheduler call;
a lock makes concurrent triggers run one after the other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from collector.store import Store
from metrics.exceptions import ExceptionStore, SyncResult
from metrics.exceptions.detectors import DetectorConfig, run_detectors
from metrics.facts import RefreshResult
from metrics.reconciliation.compute import ReconciliationRun, reconcile
from metrics.reconciliation.mismatches import sync_mismatches
from metrics.reconciliation.model import ReconcileConfig

__all__ = ["PassResult", "ReconcileService"]


@dataclass(frozen=True)
class PassResult:
    run: ReconciliationRun
    exceptions: dict[str, SyncResult]

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.run.summary(),
            "exceptions": {
                kind: {"opened": len(r.opened), "updated": r.updated, "resolved": len(r.resolved)}
                for kind, r in self.exceptions.items()
            },
        }


@dataclass
class ReconcileService:
    store: Store
    exceptions: ExceptionStore
    reconcile_config: ReconcileConfig
    detector_config: DetectorConfig
    clock: Callable[[], int]
    refresh: Callable[[], RefreshResult]
    on_change: list[Callable[[dict[str, SyncResult]], None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run_pass(self, *, now_ns: int | None = None, trigger: str = "schedule") -> PassResult:
        """Reconcile the latest snapshots and run every detector, now."""
        with self._lock:
            now = self.clock() if now_ns is None else now_ns
            run = reconcile(self.store, self.reconcile_config, now_ns=now, trigger=trigger)
            results = {
                "mismatch": sync_mismatches(
                    self.store, self.exceptions, run, self.detector_config, now_ns=now
                )
            }
            results.update(
                run_detectors(
                    self.store,
                    self.exceptions,
                    self.detector_config,
                    now_ns=now,
                    refresh=self.refresh,
                )
            )
            for hook in self.on_change:
                hook(results)
            return PassResult(run, results)

    def detect(self, *, now_ns: int | None = None) -> dict[str, SyncResult]:
        """Only the event-based detectors (they run more often than reconciliation)."""
        with self._lock:
            now = self.clock() if now_ns is None else now_ns
            results = run_detectors(
                self.store, self.exceptions, self.detector_config, now_ns=now, refresh=self.refresh
            )
            for hook in self.on_change:
                hook(results)
            return results
