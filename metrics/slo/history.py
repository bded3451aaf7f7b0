"""An SLO's burn rates and error budget over time, and when its alerts fired.

:func:`history` evaluates the SLO (:func:`~metrics.slo.status.evaluate`) at
evenly spaced instants across a span, each from the SLIs as they were at
that instant; :func:`firing_intervals` turns the points into the intervals
an alert fired, and :func:`firing_since` says since when the alert firing
now has fired (to the resolution of a step).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from collector.timefmt import NS_PER_S
from metrics.slis.compute import Family
from metrics.slo.maintenance import DEADLINE_HORIZON_NS, Exclusion, Maintenance, exclusions
from metrics.slo.spec import SloSpec, duration_s
from metrics.slo.status import evaluate

__all__ = [
    "PART_SLIS",
    "SlisAt",
    "family",
    "firing_intervals",
    "firing_since",
    "history",
    "history_exclusions",
    "instants",
]

#: SLIs that come from the SLI engine's parts (reconciliation, exceptions):
#: the history of any other SLO computes without them (much cheaper)
PART_SLIS = frozenset({"mismatch", "exception_aging"})

#: the SLIs counted by one family of :func:`~metrics.slis.compute_slis`'s
#: queries: an SLO's history computes that family alone
_FAMILIES: dict[str, Family] = {
    "latency": "pair_counts",  # the share within the objective: no percentiles
    "first_pass": "pair_counts",
    "api_failure": "attempts",
}

#: ``{(window, at_ns): compute_slis(...)["slis"]}`` for every pair asked
SlisAt = Callable[[Iterable[tuple[str, int]]], Mapping[tuple[str, int], Mapping[str, Any]]]


def instants(now_ns: int, span_ns: int, steps: int) -> list[int]:
    """``steps`` instants ending at ``now_ns``: aligned to multiples of the
    step (a finished step never moves, so it can be cached), ``now_ns`` last."""
    step = max(1, span_ns // steps)
    edge = now_ns // step * step
    found = [edge - k * step for k in range(steps - 1, -1, -1)]
    return found + ([now_ns] if now_ns > edge else [])


def family(slo: SloSpec) -> Family | None:
    """The family of SLIs (``compute_slis``'s ``only``) that holds the SLO's
    SLI, None: every SLI (the SLO's state reads its own SLI alone)."""
    return _FAMILIES.get(slo.sli)


def history_exclusions(
    slo: SloSpec, windows: Sequence[Maintenance], at: Sequence[int], now_ns: int
) -> list[Exclusion]:
    """What maintenance leaves out of the SLO's history at the instants
    ``at``, as ``GET /slos`` leaves it out of the state now: every occurrence
    from the first instant less the SLO's longest window up to a delivery
    deadline past now (``GET /slos/{name}/history`` and the dashboards'
    history page both read this)."""
    longest_ns = max(duration_s(w) for w in slo.all_windows) * NS_PER_S
    return exclusions(windows, at[0] - longest_ns, now_ns + DEADLINE_HORIZON_NS)


def history(
    slo: SloSpec, slis_at: SlisAt, at: Sequence[int], windows: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """The SLO's state at each instant of ``at``: burn rate per alert window,
    budget remaining over its own window, the severity firing (or None).

    ``windows`` (default: all the SLO's) limits what is computed: with one
    alert's long and short window only, ``firing`` says when that alert fired
    (and the budget, without the SLO window, is None).  An SLO of a
    :data:`PART_SLIS` SLI is measured at the last instant only (its SLI is
    a measurement of now): the earlier points are no data."""
    judged = tuple(slo.all_windows if windows is None else windows)
    # the reconciliation and exception SLIs measure the present: no past
    measured = at[-1:] if slo.sli in PART_SLIS else at
    table = slis_at([(w, t) for t in measured for w in judged])
    points = []
    for t in at:
        state = evaluate(slo, {w: table[(w, t)] for w in judged if (w, t) in table})
        points.append(
            {
                "at_ns": t,
                "status": state["status"],
                "firing": state["status"] if state["status"] in ("page", "ticket") else None,
                "burn_rates": state["burn_rates"],
                "error_budget_remaining": state["error_budget_remaining"],
                "sli_value": state["sli_value"],
            }
        )
    return points


def firing_intervals(points: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``[{from_ns, to_ns, severity}]``: each run of points firing one severity
    (``to_ns`` is the last firing point's instant)."""
    closed: list[dict[str, Any]] = []
    run: dict[str, Any] | None = None
    for p in points:
        severity = p["firing"]
        if run is not None and severity == run["severity"]:
            run["to_ns"] = p["at_ns"]
            continue
        if run is not None:
            closed.append(run)
            run = None
        if severity is not None:
            run = {"from_ns": p["at_ns"], "to_ns": p["at_ns"], "severity": severity}
    if run is not None:
        closed.append(run)
    return closed


def firing_since(points: Sequence[Mapping[str, Any]]) -> int | None:
    """Since when the SLO has fired without a break (any severity), up to the
    last point; ``None`` when the last point does not fire."""
    since = None
    for p in reversed(points):
        if p["firing"] is None:
            break
        since = int(p["at_ns"])
    return since
