"""The dashboards' only door to data: a small typed facade over the query
functions of ``collector`` and ``metrics``.

Every method reads through a function the JSON API uses too (so a number on
a page is the number the API answers) and returns a data frame or a plain
dict; pages never see a cursor, a SQL string or a store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pandas as pd
from prometheus_client import CollectorRegistry

from collector.clock import Clock
from collector.identity import Principal
from collector.lineage import LineageExtra, LineageQuery, order_lineage, sku_lineage
from collector.locations import LocationMap
from collector.routing import RouteTable
from collector.store import Store
from collector.timefmt import NS_PER_S
from collector.traces import trace_view
from dashboards import frames, lineage_frames, trends
from dashboards.cache import FreshnessCache
from metrics.annotations import AnnotationStore
from metrics.exceptions import ExceptionStore
from metrics.reconciliation.results import (
    latest_counts_by_system,
    mismatch_between,
    runs,
)
from metrics.report import parse_period, period_report
from metrics.slis import Dimension, failures_by_target, parse_window
from metrics.slis.compute import Family
from metrics.slis.engine import SliEngine
from metrics.slo import SloSpec, evaluate
from metrics.slo.causes import CauseMap
from metrics.slo.maintenance import DEADLINE_HORIZON_NS, Exclusion, Maintenance, exclusions
from metrics.slo.status import sli_counts

__all__ = ["WINDOWS", "DashboardQueries", "IngestSample", "SloView"]

#: the overview's window picker: value -> label
WINDOWS: dict[str, str] = {
    "1h": "last hour",
    "24h": "last 24 hours",
    "7d": "last 7 days",
    "28d": "last 28 days",
}
_TREND_POINTS = 12
_INGEST_COUNTERS = {
    "events": "synclens_events_received_total",
    "spans": "synclens_spans_received_total",
    "duplicates": "synclens_events_duplicate_total",
    "events_rejected": "synclens_events_rejected_total",
    "spans_rejected": "synclens_spans_rejected_total",
    "requests_rejected": "synclens_ingest_requests_rejected_total",
    "dropped": "synclens_ingest_dropped_total",
}


@dataclass(frozen=True)
class SloView:
    """Every SLO at one instant: the tiles, their trend, the burn rates."""

    computed_at_ns: int
    tiles: pd.DataFrame
    trend: pd.DataFrame
    burn: pd.DataFrame
    evaluated: list[dict[str, Any]]
    slis: dict[str, Any]  # every SLI over the picked window (``GET /slis`` "slis")


@dataclass(frozen=True)
class IngestSample:
    """Ingest counters (totals since start) and the queue depth, at ``at_ns``."""

    at_ns: int
    counts: dict[str, float]
    queue_depth: int


@dataclass
class DashboardQueries:
    """What the pages may ask.  Built by the app factory from the live parts."""

    store: Store
    routes: RouteTable
    locations: LocationMap
    clock: Clock
    slis: SliEngine
    exceptions: ExceptionStore
    registry: CollectorRegistry
    slos: Callable[[], Sequence[SloSpec] | None] = field(default=lambda: ())
    maintenance: Callable[[], Sequence[Maintenance] | None] = field(default=lambda: ())
    lineage_extras: Sequence[LineageExtra] = ()  # what else ``GET /lineage`` carries
    annotations: AnnotationStore | None = None  # change markers (``GET /annotations``)
    causes: CauseMap = field(default_factory=CauseMap)  # budget spent -> cause
    # an SLO history holds ~200 answers: room for several
    cache: FreshnessCache = field(default_factory=lambda: FreshnessCache(size=4096))

    def now(self) -> int:
        return self.clock()

    # -- SLIs and SLOs ------------------------------------------------------------

    def _compute(
        self,
        window: str,
        now_ns: int,
        by: Dimension | None,
        *,
        parts: bool = True,
        excluded: tuple[Exclusion, ...] = (),
        only: Family | None = None,
    ) -> dict[str, Any]:
        return self.slis.slis(
            window, by=by, now_ns=now_ns, parts=parts, excluded=excluded, only=only
        )

    def _slis(
        self,
        window: str,
        now_ns: int,
        by: Dimension | None = None,
        excluded: tuple[Exclusion, ...] = (),
        only: Family | None = None,
    ) -> dict[str, Any]:
        """``compute_slis`` over ``window`` ending ``now_ns`` (``excluded``:
        maintenance left out, as for SLOs; ``only``: one family of SLIs),
        reused while fresh (:class:`~dashboards.cache.FreshnessCache`)."""
        result: dict[str, Any] = self.cache.get(
            ("slis", window, by, excluded, only),
            span_ns=parse_window(window),
            now_ns=now_ns,
            compute=lambda: self._compute(window, now_ns, by, excluded=excluded, only=only),
        )
        return result

    def _trend(self, window: str, now_ns: int) -> list[tuple[int, dict[str, Any]]]:
        """The SLIs in 12 steps across ``window``: steps aligned to multiples of
        the step (a finished step never changes, so it is computed once), the
        last one running up to ``now_ns``."""
        step = parse_window(window) // _TREND_POINTS
        edge = now_ns // step * step
        points = []
        for k in range(_TREND_POINTS - 1, 0, -1):
            end = edge - (k - 1) * step
            part = self.cache.get(
                ("trend", step, end),
                span_ns=100 * step,  # finished: kept for the cache's longest age
                now_ns=now_ns,
                # event SLIs only: the parts (mismatch, exception aging, order
                # impact) measure the present, not a past step
                compute=partial(self._compute, f"{step // NS_PER_S}s", end, None, parts=False),
            )
            points.append((end, part["slis"]))
        if now_ns > edge:
            points.append(
                (now_ns, self._slis(f"{(now_ns - edge) // NS_PER_S or 1}s", now_ns)["slis"])
            )
        return points + self._mismatch_history(now_ns - step * _TREND_POINTS)

    def _mismatch_history(self, since_ns: int) -> list[tuple[int, dict[str, Any]]]:
        """The mismatch SLI of each reconciliation run kept since ``since_ns``."""
        with self.store.reader() as cur:
            kept = runs(cur, limit=200)
        return [
            (
                int(r["now_ns"]),
                {"mismatch": {"mismatched": r["mismatched"], "compared": r["compared"]}},
            )
            for r in reversed(kept)
            if int(r["now_ns"]) >= since_ns
        ]

    def slo_view(self, window: str, *, trend: bool = True) -> SloView:
        """The SLOs' state (budget over each SLO's own window, as ``GET /slos``),
        their value over ``window`` and, with ``trend``, in steps across it."""
        now = self.now()
        specs = list(self.slos() or ())
        windows = sorted({w for s in specs for w in s.all_windows} | {window})
        # maintenance left out, as GET /slos does (docs/slos.md)
        excluded = tuple(
            exclusions(
                list(self.maintenance() or ()),
                now - max(parse_window(w) for w in windows),
                now + DEADLINE_HORIZON_NS,
            )
        )
        by_window = {w: self._slis(w, now, excluded=excluded)["slis"] for w in windows}
        evaluated = [evaluate(s, by_window) for s in specs]
        points = self._trend(window, now) if trend and specs else []
        return SloView(
            computed_at_ns=now,
            tiles=frames.slo_frame(
                evaluated, by_window[window], {s.name: s.min_traffic_in(window) for s in specs}
            ),
            trend=frames.trend_frame(points, evaluated),
            burn=frames.burn_frame(evaluated),
            evaluated=evaluated,
            slis=self._slis(window, now)["slis"],  # the counts as GET /slis: all of them
        )

    def monthly(self) -> tuple[pd.DataFrame, dict[str, float]]:
        """The last 13 months (``dashboards/trends.py``): rows of month,
        series, value, kind; and each SLO's objective (reused while fresh)."""
        now = self.now()

        def compute() -> tuple[pd.DataFrame, dict[str, float]]:
            specs = list(self.slos() or ())
            rows: list[tuple[str, str, float | None, str]] = []
            for month, start, end in trends.month_bounds(now):
                span = f"{max(1, (end - start) // NS_PER_S)}s"
                slis = self.slis.slis(span, now_ns=end, parts=False)["slis"]
                for spec in specs:
                    counts = sli_counts(spec.sli, slis)
                    if counts is not None:
                        bad, total = counts
                        rows.append((month, spec.name, 1 - bad / total if total else None, "slo"))
                with self.slis.read() as cur:
                    bad_keys, compared = mismatch_between(cur, start, end)
                rows.append(
                    (month, "mismatch", bad_keys / compared if compared else None, "mismatch")
                )
            frame = pd.DataFrame(rows, columns=["month", "series", "value", "kind"])
            return frame, {s.name: s.objective for s in specs}

        result: tuple[pd.DataFrame, dict[str, float]] = self.cache.get(
            ("monthly",), span_ns=400 * 86_400 * NS_PER_S, now_ns=now, compute=compute
        )
        return result

    def report(self, period: str) -> dict[str, Any]:
        """``GET /api/v1/report?period=``; ValueError for a bad or future period;
        reused while fresh (a month's: the cache's longest age)."""
        chosen = parse_period(period)
        specs = list(self.slos() or ())
        maintenance = list(self.maintenance() or ())
        now = self.now()
        result: dict[str, Any] = self.cache.get(
            # the SLOs and maintenance as they are: an edit is a new key
            (
                "report",
                chosen.label,
                tuple(s.model_dump_json() for s in specs),
                tuple(m.model_dump_json() for m in maintenance),
            ),
            span_ns=chosen.end_ns - chosen.start_ns,  # a month: kept the longest age
            now_ns=now,
            compute=lambda: period_report(
                self.slis,
                specs,
                chosen,
                now_ns=now,
                exceptions=self.exceptions,
                maintenance=maintenance,
            ),
        )
        return result

    def sli_summary(self, window: str) -> dict[str, Any]:
        """``GET /api/v1/slis?window=`` (overall)."""
        return self._slis(window, self.now())

    def by_target(self, window: str) -> pd.DataFrame:
        """``GET /api/v1/slis?window=&by=target`` as one row per target."""
        return frames.target_frame(self._slis(window, self.now(), "target").get("groups", {}))

    def groups(self, window: str, by: Dimension, *, only: Family | None = None) -> dict[str, Any]:
        """``GET /api/v1/slis?window=&by=`` groups (``only``: one family of
        SLIs, see :func:`~metrics.slis.compute_slis`)."""
        found: dict[str, Any] = self._slis(window, self.now(), by, only=only).get("groups", {})
        return found

    def failures(self, window: str) -> pd.DataFrame:
        """Failed delivery attempts by target and failure class (timeout, 429, ...)."""
        with self.slis.read() as cur:  # both tiers with a lake
            rows = failures_by_target(cur, window=window, now_ns=self.now())
        return pd.DataFrame(rows, columns=["target", "error_type", "failed"])

    # -- reconciliation and exceptions --------------------------------------------

    def mismatch(self) -> pd.DataFrame:
        """The latest reconciliation, per (system, warehouse, channel)."""
        with self.store.reader() as cur:
            return frames.mismatch_frame(latest_counts_by_system(cur))

    def last_reconciliation(self) -> dict[str, Any] | None:
        with self.store.reader() as cur:
            found = runs(cur, limit=1)
        return found[0] if found else None

    def backlog(self) -> pd.DataFrame:
        """Unresolved exceptions per age bucket and kind."""
        return frames.backlog_frame(self.exceptions.unresolved_summary(), now_ns=self.now())

    def exception_list(
        self,
        *,
        status: str | None = None,
        kind: str | None = None,
        warehouse: str | None = None,
        target: str | None = None,
        sku: str | None = None,
        limit: int = 500,
    ) -> tuple[int, pd.DataFrame]:
        """``GET /api/v1/exceptions`` (newest first): the total and one page."""
        total, rows = self.exceptions.search(
            status=status, kind=kind, warehouse=warehouse, target=target, sku=sku, limit=limit
        )
        return total, frames.exceptions_frame(rows, now_ns=self.now())

    def exception_facets(self) -> dict[str, list[str]]:
        """Warehouses and targets that exceptions name (for the filter lists)."""
        _, rows = self.exceptions.search(limit=1000)
        return {
            "warehouse": sorted({r["warehouse"] for r in rows if r.get("warehouse")}),
            "target": sorted({r["target"] for r in rows if r.get("target")}),
        }

    def exception(self, exception_id: int) -> dict[str, Any] | None:
        return self.exceptions.get(exception_id)

    def audit(self, exception_id: int) -> pd.DataFrame:
        return frames.audit_frame(self.exceptions.audit_log(exception_id))

    def acknowledge(self, exception_id: int, who: Principal, *, note: str) -> dict[str, Any]:
        return self.exceptions.acknowledge(
            exception_id, by=who.name, subject=who.subject, note=note, now_ns=self.now()
        )

    def resolve(self, exception_id: int, who: Principal, *, note: str) -> dict[str, Any]:
        return self.exceptions.resolve(
            exception_id, by=who.name, subject=who.subject, note=note, now_ns=self.now()
        )

    # -- ingest -------------------------------------------------------------------

    def ingest(self) -> IngestSample:
        """Ingest counters from the app's Prometheus registry, queue depth from the store."""
        wanted = self.registry.restricted_registry(list(_INGEST_COUNTERS.values()))
        totals = dict.fromkeys(_INGEST_COUNTERS.values(), 0.0)
        for family in wanted.collect():
            for sample in family.samples:
                if sample.name in totals:
                    totals[sample.name] += sample.value
        return IngestSample(
            at_ns=self.now(),
            counts={k: totals[name] for k, name in _INGEST_COUNTERS.items()},
            queue_depth=self.store.queue_rows,
        )

    # -- lineage ------------------------------------------------------------------

    def sku_lineage(
        self, sku: str, location: str | None = None, *, limit: int = 200
    ) -> tuple[dict[str, Any], lineage_frames.LineageFrames]:
        """``GET /api/v1/lineage`` (with its snapshots and exceptions), and the
        frames of its swimlane."""
        with self.slis.read() as cur:  # both tiers with a lake
            raw = sku_lineage(
                cur,
                sku,
                location=location,
                query=LineageQuery(limit=limit),
                routes=self.routes,
                locations=self.locations,
                now_ns=self.now(),
                extras=self.lineage_extras,
            )
        return raw, _frames(raw)

    def order_lineage(
        self, order_id: str, *, limit: int = 200
    ) -> tuple[dict[str, Any], lineage_frames.LineageFrames]:
        """``GET /api/v1/orders/{id}/lineage`` and the frames of its swimlane."""
        with self.slis.read() as cur:  # both tiers with a lake
            raw = order_lineage(
                cur,
                order_id,
                query=LineageQuery(limit=limit),
                routes=self.routes,
                locations=self.locations,
                now_ns=self.now(),
                extras=self.lineage_extras,
            )
        return raw, _frames(raw)

    def trace(self, trace_id: str) -> pd.DataFrame:
        """``GET /api/v1/traces/{id}``, one row per span (linked traces after)."""
        with self.slis.read() as cur:  # both tiers with a lake
            return lineage_frames.trace_frame(trace_view(cur, trace_id))


def _frames(raw: dict[str, Any]) -> lineage_frames.LineageFrames:
    return lineage_frames.lineage_frames(raw, raw.get("snapshots", ()), raw.get("exceptions", ()))
