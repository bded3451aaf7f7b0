"""How long each dashboard page's data takes at 10 M events (target < 2 s a page).

On a copy of the generated store (:mod:`bench.dataset`, the same 10 M events
/ 30 M spans as ``lineage`` and ``slis``), opened with the real ``Store``
and the shipped SLOs, the pair facts derived once (timed apart), then every
query a page's callbacks make, through :class:`dashboards.queries.DashboardQueries`
exactly as the pages call it, ``--runs`` times:

- overview (window 24h and 28d): SLO view with its 12-point trend, backlog,
  SLIs, mismatch matrix; apart, latency by target (its own callback, which
  Dash runs alongside);
- on-call: SLO view (burn rates), SLIs by target, newest exceptions, ingest;
- lineage: one random SKU's history (newest 200 events); apart, the trace
  a click on one of its attempts opens;
- exceptions: the filtered list, the filter facets, one audit trail.

The figure building itself (pure, milliseconds) is timed too: the page total
is data + figures.  "cold" is a first view with nothing cached; "refresh" the
live refresh 15 s later (answers over long windows are reused while fresh,
see :mod:`dashboards.cache`).  ``.venv/bin/python bench/dashboards_bench.py [--quick]``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from prometheus_client import CollectorRegistry

from bench.dataset import T_END, build_store
from bench.report import percentile, write_result
from collector.locations import LocationMap
from collector.routing import RouteTable
from collector.store import Store
from collector.telemetry import IngestMetrics
from collector.timefmt import NS_PER_S
from dashboards import figures, lineage_figures
from dashboards.queries import DashboardQueries
from metrics import STORE_MIGRATIONS
from metrics.exceptions import ExceptionStore
from metrics.facts import Derivation, Refresher
from metrics.slis.engine import SliEngine
from metrics.slo import load_slos
from synclens.settings import load_settings

_TARGET_S = 2.0


def _pages(q: DashboardQueries, sku: str) -> dict[str, Callable[[], Any]]:
    def overview(window: str) -> Callable[[], Any]:
        def run() -> None:
            view = q.slo_view(window)
            for name in view.tiles["name"]:
                figures.trend_sparkline(view.trend, str(name), 0.99)
            q.sli_summary(window)
            figures.mismatch_heatmap(q.mismatch())
            figures.backlog_bars(q.backlog())

        return run

    def latency(window: str) -> Callable[[], Any]:
        return lambda: figures.latency_by_target(q.by_target(window))

    def oncall() -> None:
        view = q.slo_view("1h", trend=False)
        figures.burn_rates(view.burn)
        targets = q.by_target("1h")
        figures.failing_targets(targets)
        figures.undelivered_by_target(targets)
        q.exception_list(status="unresolved", limit=10)
        q.ingest()

    _, first = q.sku_lineage(sku)
    trace_ids = [t for t in first.attempts["trace_id"] if t]

    def lineage() -> None:
        _, frames = q.sku_lineage(sku)
        lineage_figures.swimlane(frames)

    def trace() -> None:  # on a click, not part of the page's render
        if trace_ids:
            lineage_figures.trace_waterfall(q.trace(trace_ids[0]))

    def exceptions() -> None:
        _, df = q.exception_list(status="unresolved")
        q.exception_facets()
        if not df.empty:
            q.audit(int(df["id"].iloc[0]))

    return {
        "overview 24h": overview("24h"),
        "  latency 24h": latency("24h"),
        "overview 28d": overview("28d"),
        "  latency 28d": latency("28d"),
        "on-call": oncall,
        "lineage": lineage,
        "  trace click": trace,
        "exceptions": exceptions,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 k events instead of 10 M")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--results-dir", type=Path, default=Path("bench/results"))
    parser.add_argument(
        "--store", type=Path, help="use this copy of the generated store in place (no copy)"
    )
    args = parser.parse_args()
    events, spans = (100_000, 300_000) if args.quick else (10_000_000, 30_000_000)
    settings = load_settings()
    clock = [T_END + 300 * NS_PER_S]
    with tempfile.TemporaryDirectory(prefix="synclens-bench-dash-") as tmp:
        if args.store is not None:
            work = args.store
        else:
            path, _ = build_store(args.results_dir, events, spans)
            work = Path(tmp) / "dash.duckdb"
            shutil.copyfile(path, work)
        store = Store(work, extra_migrations=STORE_MIGRATIONS)
        exceptions = ExceptionStore(f"sqlite:///{tmp}/ops.sqlite")
        try:
            engine = SliEngine(
                store,
                Refresher(store, Derivation(RouteTable(settings.routes), LocationMap())),
                lambda: clock[0],
            )
            started = time.perf_counter()
            engine.refresh()
            refresh_s = time.perf_counter() - started
            registry = CollectorRegistry()
            IngestMetrics(registry)
            slos = load_slos()
            q = DashboardQueries(
                store=store,
                routes=RouteTable(settings.routes),
                locations=LocationMap(),
                clock=lambda: clock[0],
                slis=engine,
                exceptions=exceptions,
                registry=registry,
                slos=lambda: slos,
            )
            with store.reader() as cur:
                row = cur.execute("SELECT sku FROM events USING SAMPLE 1 ROWS").fetchone()
            sku = str(row[0]) if row else "none"
            results: dict[str, Any] = {}
            print(f"{events:,} events, {spans:,} spans; pair facts derived in {refresh_s:.1f} s")
            print(
                f"{'page':<14} {'cold s':>8} {'refresh p50':>12} {'refresh max':>12}  < {_TARGET_S} s"
            )
            for name, fn in _pages(q, sku).items():
                q.cache.clear()
                t0 = time.perf_counter()
                fn()  # a first view: nothing cached
                cold = time.perf_counter() - t0
                seconds = []
                for _ in range(args.runs):  # the live refresh, every 15 s
                    clock[0] += 15 * NS_PER_S
                    t0 = time.perf_counter()
                    fn()
                    seconds.append(time.perf_counter() - t0)
                p50, worst = percentile(seconds, 50), max(seconds)
                met = max(worst, cold) < _TARGET_S
                results[name] = {
                    "cold_s": round(cold, 3),
                    "refresh_p50_s": round(p50, 3),
                    "refresh_max_s": round(worst, 3),
                    "met": met,
                }
                print(
                    f"{name:<14} {cold:>8.3f} {p50:>12.3f} {worst:>12.3f}  {'yes' if met else 'NO'}"
                )
        finally:
            exceptions.close()
            store.close()
    write_result(
        args.results_dir,
        "dashboards",
        {"events": events, "spans": spans, "refresh_s": round(refresh_s, 1), "pages": results},
    )


if __name__ == "__main__":
    main()
