"""Part ``rollups``: long SLI windows from the per-minute rollups vs raw rows.

On a copy of the generated store (:mod:`bench.dataset`), opened with the
real :class:`collector.store.Store` and derived once (pair facts and
rollups): ``compute_slis`` over 28 d (overall and ``by=target``) and the
overview's 13-month trend (13 calendar months, as
``DashboardQueries.monthly`` asks them), each read from the rollups
(``rollups_after_ns`` default) and from raw rows only (``None``), with the
rollups' size beside the raw tables'.  The answers are compared too: the
counts must be equal.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bench.dataset import T_END, build_store, opened_copy, step_ns
from bench.options import Options
from bench.report import Table, machine, peak_rss_mib, summary_ms, write_result
from collector.locations import LocationMap
from collector.routing import RouteTable
from collector.store import Store
from collector.timefmt import NS_PER_S
from dashboards.trends import month_bounds
from metrics.facts import Derivation, refresh
from metrics.slis import compute_slis
from metrics.slis.rollups import ROLLUP_AFTER_NS
from synclens.settings import load_settings

__all__ = ["run_rollups"]

_TABLES = ("pair_facts", "spans", "pair_minutes", "latency_minutes", "attempt_minutes")


def _timed(fn: Callable[[], Any], runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - started)
    return seconds


def _strip(slis: dict[str, Any]) -> dict[str, Any]:
    """The counts of an answer (percentiles differ by up to 1 %)."""
    out = dict(slis)
    out["latency"] = {k: v for k, v in slis["latency"].items() if not k.startswith("p")}
    return out


def run_rollups(opts: Options) -> dict[str, Any]:
    info = machine()
    path, _ = build_store(opts.results_dir, opts.events, opts.spans)
    settings = load_settings()
    derivation = Derivation(RouteTable(settings.routes), LocationMap())
    with opened_copy(path, settings.store, "rollups") as (store, _):
        result = _measure(store, derivation, opts)
    result = {"machine": info, "events": opts.events, "spans": opts.spans, **result}
    result["peak_rss_mib"] = peak_rss_mib()
    _print(result, opts)
    write_result(opts.results_dir, "rollups", result)
    return result


def _measure(store: Store, derivation: Derivation, opts: Options) -> dict[str, Any]:
    started = time.perf_counter()
    store.run_task(lambda cur: refresh(cur, derivation)).result()
    refresh_s = time.perf_counter() - started
    now_ns = T_END + step_ns(opts.events) + 300 * NS_PER_S
    locations = LocationMap()
    timings: dict[str, Any] = {}
    with store.reader() as cur:
        sizes = {t: int(cur.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]) for t in _TABLES}

        def window(by: str | None, after: int | None) -> dict[str, Any]:
            return compute_slis(
                cur,
                window="28d",
                now_ns=now_ns,
                by=by,  # type: ignore[arg-type]
                locations=locations,
                rollups_after_ns=after,
            )

        def trend(after: int | None) -> list[dict[str, Any]]:
            return [
                compute_slis(
                    cur,
                    window=f"{(end - start) // NS_PER_S}s",
                    now_ns=end,
                    locations=locations,
                    rollups_after_ns=after,
                )["slis"]
                for _, start, end in month_bounds(now_ns)
            ]

        equal = True
        for by in (None, "target"):
            for name, after in (("rollups", ROLLUP_AFTER_NS), ("raw", None)):
                window(by, after)  # warm
                timings[f"28d by {by} {name}"] = _timed(
                    lambda a=after, b=by: window(b, a), opts.runs
                )
            rolled, raw = window(by, ROLLUP_AFTER_NS), window(by, None)
            equal &= _strip(rolled["slis"]) == _strip(raw["slis"])
        for name, after in (("rollups", ROLLUP_AFTER_NS), ("raw", None)):
            trend(after)
            timings[f"13-month trend {name}"] = _timed(lambda a=after: trend(a), opts.runs)
        equal &= [_strip(s) for s in trend(ROLLUP_AFTER_NS)] == [_strip(s) for s in trend(None)]
    return {
        "refresh_s": round(refresh_s, 2),
        "rows": sizes,
        "counts_equal": equal,
        "timings": {k: summary_ms(v) for k, v in timings.items()},
    }


def _print(r: dict[str, Any], opts: Options) -> None:
    info = r["machine"]
    t = Table(
        f"rollups: {opts.events:,} events, {opts.spans:,} spans; {opts.runs} runs each "
        f"(load avg {info['loadavg_1m_at_start']} on {info['cpus']} CPUs); "
        f"full refresh {r['refresh_s']} s; counts equal: {r['counts_equal']}",
        ["measure", "p50 ms", "p95 ms"],
    )
    for name, stats in r["timings"].items():
        t.add(name, stats["p50_ms"], stats["p95_ms"])
    t.add(", ".join(f"{k} {v:,}" for k, v in r["rows"].items()), None, None)
    t.print()
