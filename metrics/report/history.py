"""The alerts that fired in a period, replayed from the store.

synclens keeps no log of Prometheus's alerts, but its generated rules are
a function of the SLI counts, and those counts are in the store.  So the
multiwindow, multi-burn-rate rules of each SLO (:mod:`metrics.slo.status`:
both burn rates above the factor, the long window above its
minimum-traffic guard) are evaluated again at every ``step`` across the
period, from per-bucket counts read once; consecutive firing steps of a
severity make one **episode** (the SLO, its group's value, severity, from,
until, peak burn rate).  The total-outage page (a target with
``minAttempts`` attempts and not one success in the outage window) is
replayed the same way, per target.

The replay reads the facts as they are now (a pair delivered late counts
as delivered), so it can differ from what Prometheus saw at the time; it
covers the counter SLIs (``latency``, ``first_pass``, ``api_failure``):
``mismatch`` and ``exception_aging`` are measured at an instant and keep
no history.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import reduce
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt

from collector.locations import LocationMap
from collector.queries import bind, dict_rows, named
from collector.timefmt import NS_PER_S, iso
from metrics.slis.compute import Excluded, maintenance_registered
from metrics.slo.groups import dimension
from metrics.slo.spec import SloSpec, duration_s

__all__ = ["HISTORY_SLIS", "alert_episodes", "step_s"]

sql = named("metrics.report")

#: the SLIs whose alerts can be replayed: counters, by event or attempt time
HISTORY_SLIS = ("latency", "first_pass", "api_failure")
_MIN_STEP_S = 60
_MAINTENANCE_JOIN = re.compile(r"^-- maintenance:.*?^-- :maintenance\n", re.M | re.S)
Counts = npt.NDArray[np.float64]


def step_s(slos: Sequence[SloSpec]) -> int:
    """The replay step: the greatest common divisor of every alert window
    and outage window (5 minutes for the defaults), at least a minute."""
    lengths = [duration_s(w) for s in slos for b in s.windows for w in (b.long, b.short)]
    lengths += [duration_s(s.outage.window) for s in slos if s.outage is not None]
    return max(_MIN_STEP_S, reduce(math.gcd, lengths, 0))


def _series(
    cur: duckdb.DuckDBPyConnection,
    sli: str,
    by: str | None,
    params: dict[str, Any],
    excluded: Sequence[Excluded],
    locations: LocationMap,
    buckets: int,
) -> dict[str | None, tuple[Counts, Counts]]:
    """``group -> (bad, total)`` per bucket for ``sli``, maintenance left out
    as the SLIs leave it out (no join at all when there is none)."""
    name = "report_attempt_buckets" if sli == "api_failure" else "report_pair_buckets"
    text = sql(name) if excluded else _MAINTENANCE_JOIN.sub("", sql(name))
    with locations.registered(cur), maintenance_registered(cur, excluded):
        rows = dict_rows(cur.execute(text, bind(text, {**params, "by": by})))
    found: dict[str | None, tuple[Counts, Counts]] = {}
    for row in rows:
        grp = None if by is None else str(row["grp"])
        bad, total = found.setdefault(grp, (np.zeros(buckets), np.zeros(buckets)))
        k = int(row["bucket"])
        if sli == "api_failure":
            bad[k] += row["failed"]
            total[k] += row["attempts"]
        elif sli == "first_pass":
            bad[k] += row["first_pass_total"] - row["first_pass_good"]
            total[k] += row["first_pass_total"]
        else:
            bad[k] += row["applied"] - row["latency_good"]
            total[k] += row["applied"]
    return found


def _sums(values: Counts, n: int, lead: int) -> Counts:
    """Sum of the ``n`` buckets ending at each step (step k ends bucket lead + k)."""
    csum = np.concatenate(([0.0], np.cumsum(values)))
    ends = np.arange(lead + 1, len(values) + 1)
    return np.asarray(csum[ends] - csum[np.maximum(ends - n, 0)], dtype=np.float64)


def _runs(
    mask: npt.NDArray[np.bool_], start_ns: int, step: int
) -> list[tuple[int, int, dict[str, Any]]]:
    """Runs of firing steps: ``(begin, end, times)``, step k evaluated at
    ``start + (k + 1) * step`` (the end of bucket lead + k)."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    found = []
    for begin, end in zip(edges[::2], edges[1::2], strict=True):
        still = end == len(mask)
        times = {
            "started_at": iso(start_ns + (int(begin) + 1) * step * NS_PER_S),
            "ended_at": None if still else iso(start_ns + (int(end) + 1) * step * NS_PER_S),
            "duration_s": int(end - begin) * step,
        }
        found.append((int(begin), int(end), times))
    return found


def _episodes(
    slo: SloSpec, value: str | None, bad: Counts, total: Counts, lead: int, start_ns: int, step: int
) -> list[dict[str, Any]]:
    """The burn-rate episodes of one SLO (one value of a grouped SLO)."""
    firing: dict[str, npt.NDArray[np.bool_]] = {}
    peak: dict[str, Counts] = {}
    budget = 1.0 - slo.objective
    for w in slo.windows:
        burns = []
        for window, guard in ((w.long, slo.min_traffic_in(w.long)), (w.short, 0.0)):
            n = duration_s(window) // step
            b, t = _sums(bad, n, lead), _sums(total, n, lead)
            ok = (t > 0) & (t >= guard)
            burns.append(np.where(ok, np.divide(b, t, where=t > 0, out=np.zeros_like(b)), np.nan))
        long_burn, short_burn = burns[0] / budget, burns[1] / budget
        fires = (long_burn > w.factor) & (short_burn > w.factor)
        firing[w.severity] = firing.get(w.severity, np.zeros(len(fires), bool)) | fires
        peak[w.severity] = np.fmax(peak.get(w.severity, np.full(len(fires), np.nan)), long_burn)
    found = []
    for severity, mask in firing.items():
        for begin, end, times in _runs(mask, start_ns, step):
            found.append(
                {
                    "slo": slo.name,
                    "display_name": slo.display_name,
                    "alert": "burn_rate",
                    "severity": severity,
                    "group": None if value is None else {str(dimension(slo)): value},
                    **times,
                    "peak_burn_rate": round(float(np.nanmax(peak[severity][begin:end])), 6),
                }
            )
    return found


def _outages(
    slo: SloSpec,
    by_target: dict[str | None, tuple[Counts, Counts]],
    lead: int,
    start_ns: int,
    step: int,
) -> list[dict[str, Any]]:
    """The total-outage pages of one SLO: per target, at least ``minAttempts``
    attempts and not one success in the outage window."""
    rule = slo.outage
    if rule is None or set(slo.matchers) - {"target"}:
        return []  # the attempts metric carries no other label to match
    n = duration_s(rule.window) // step
    found = []
    for target, (failed, attempts) in sorted(by_target.items(), key=lambda kv: str(kv[0])):
        if target is None or slo.matchers.get("target", target) != target:
            continue
        tried, bad = _sums(attempts, n, lead), _sums(failed, n, lead)
        mask = (tried >= rule.min_attempts) & (tried - bad == 0)
        for _, _, times in _runs(mask, start_ns, step):
            found.append(
                {
                    "slo": slo.name,
                    "display_name": slo.display_name,
                    "alert": "outage",
                    "severity": "page",
                    "group": {"target": target},
                    **times,
                    "peak_burn_rate": None,
                }
            )
    return found


def alert_episodes(
    cur: duckdb.DuckDBPyConnection,
    slos: Sequence[SloSpec],
    *,
    start_ns: int,
    end_ns: int,
    locations: LocationMap,
    excluded: Sequence[Excluded] = (),
) -> list[dict[str, Any]]:
    """Every burn-rate and total-outage alert episode of ``slos`` evaluated
    at each step in ``(start_ns, end_ns]`` up to the last whole step, oldest
    first (``ended_at`` None: still firing at the end); ``excluded``:
    maintenance occurrences, left out as :func:`compute_slis` leaves them."""
    chosen = [s for s in slos if s.sli in HISTORY_SLIS and (s.windows or s.outage)]
    if not chosen or end_ns <= start_ns:
        return []
    step = step_s(chosen)
    longest = max(
        [duration_s(b.long) for s in chosen for b in s.windows]
        + [duration_s(s.outage.window) for s in chosen if s.outage is not None]
    )
    lead = -(-longest // step)  # buckets before the period, so the first step sees full windows
    steps = (end_ns - start_ns) // (step * NS_PER_S)
    params = {"from": start_ns - lead * step * NS_PER_S, "to": start_ns + steps * step * NS_PER_S}
    params["step"] = step * NS_PER_S
    buckets = lead + steps
    cache: dict[tuple[str, str | None], dict[str | None, tuple[Counts, Counts]]] = {}

    def series(sli: str, label: str | None) -> dict[str | None, tuple[Counts, Counts]]:
        if (sli, label) not in cache:
            cache[sli, label] = _series(cur, sli, label, params, excluded, locations, buckets)
        return cache[sli, label]

    found: list[dict[str, Any]] = []
    empty = (np.zeros(buckets), np.zeros(buckets))
    for slo in chosen:
        if slo.outage is not None:
            found.extend(_outages(slo, series("api_failure", "target"), lead, start_ns, step))
        label = dimension(slo)
        if not slo.windows or (slo.sli == "api_failure" and label in ("channel", "event_type")):
            continue  # attempts carry no channel or event type of their own
        counts = series(slo.sli, label)
        if label is None:
            values: Sequence[str | None] = [None]
        elif slo.matchers:
            values = [slo.matchers[label]]
        else:
            values = sorted(v for v in counts if v is not None)
        for value in values:
            bad, total = counts.get(value, empty)
            shown = value if slo.group_by else None
            found.extend(_episodes(slo, shown, bad, total, lead, start_ns, step))
    return sorted(found, key=lambda e: (e["started_at"], e["slo"], e["alert"], e["severity"]))
