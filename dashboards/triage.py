"""What on-call asks next: which SLOs fire and since when, their history,
the failed attempts behind a count, and what changed (annotations).

Functions of a :class:`~dashboards.queries.DashboardQueries`, each reading
through what the JSON API reads (``GET /slos/{name}/history``,
``GET /attempts/failed``, ``GET /annotations``), so a page shows the API's numbers.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from collector.timefmt import NS_PER_S
from dashboards.frames import to_time
from dashboards.queries import DashboardQueries
from metrics.slis import parse_window
from metrics.slis.attempts import AttemptFilter, failed_attempts
from metrics.slis.compute import Family
from metrics.slo import SloSpec
from metrics.slo.history import (
    PART_SLIS,
    SlisAt,
    family,
    firing_intervals,
    firing_since,
    history,
    history_exclusions,
    instants,
)
from metrics.slo.maintenance import Exclusion

__all__ = [
    "ATTEMPT_COLUMNS",
    "HISTORY_STEPS",
    "STRIP_STEPS",
    "attempts",
    "firing",
    "kept_slis_at",
    "markers",
    "slo_history",
    "spec",
]

HISTORY_STEPS = 24
#: after the longest delivery deadline, how late data may still come for an
#: instant (spans batched by an exporter, a bus consumer behind): an SLO
#: history instant is kept once its pairs are this far past their deadline
LATE_NS = 5 * 60 * NS_PER_S
STRIP_STEPS = 12  # "since when" on the strip: to within a twelfth of the window
ATTEMPT_COLUMNS = (
    "time",
    "target",
    "error_class",
    "http_status",
    "warehouse",
    "sku",
    "event_id",
    "attempt",
    "status_message",
    "trace_id",
    "location",
)


def spec(q: DashboardQueries, name: str) -> SloSpec | None:
    return next((s for s in q.slos() or () if s.name == name), None)


def slo_history(
    q: DashboardQueries,
    slo: SloSpec,
    window: str,
    *,
    steps: int = HISTORY_STEPS,
    windows: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """``GET /api/v1/slos/{name}/history``'s answer, as the dashboards draw it
    (``windows``: only those, see :func:`metrics.slo.history.history`); kept
    as long as any answer over its span (``dashboards/cache.py``), never past
    its step."""
    now = q.now()
    span = parse_window(window)
    parts = slo.sli in PART_SLIS

    at = instants(now, span, steps)
    # maintenance left out, as GET /slos and GET /slos/{name}/history leave it out
    excluded = tuple(history_exclusions(slo, list(q.maintenance() or ()), at, now))

    def compute() -> dict[str, Any]:
        kept = kept_slis_at(q, now, span, parts, excluded, family(slo))
        points = history(slo, kept, at, windows)
        return {
            "points": points,
            "intervals": firing_intervals(points),
            # a PART_SLIS SLI measures now only: since when it fires is unknown
            "since_ns": None if parts else firing_since(points),
        }

    # keyed by the first instant too: a kept answer never outlives its step's
    # instants (after a step's edge, GET /slos/{name}/history has new ones);
    # fresh as any answer over the history's span (the settled instants kept)
    found: dict[str, Any] = q.cache.get(
        ("slo-history", slo.name, window, steps, windows, excluded, at[0]),
        span_ns=span,
        now_ns=now,
        compute=compute,
    )
    return found


def kept_slis_at(
    q: DashboardQueries,
    now: int,
    keep_ns: int,
    parts: bool,
    excluded: tuple[Exclusion, ...],
    only: Family | None = None,
) -> SlisAt:
    """The SLI engine's ``slis_at``, each settled instant's SLIs kept for
    ``keep_ns`` (a history's span: as long as the page shows the instant).
    An instant is settled once every pair of its windows is past the longest
    delivery deadline by :data:`LATE_NS` (until then a pair's delivery still
    moves the instant's SLIs); aligned to a step, it never moves.  Later
    instants, ``now`` among them, are always computed.  One engine call for
    all that is not kept."""
    settled = now - q.routes.longest_deadline_ns() - LATE_NS

    def slis_at(wanted: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Mapping[str, Any]]:
        asked = set(wanted)
        finished: dict[Hashable, tuple[str, int]] = {
            ("slis-at", w, t, parts, excluded, only): (w, t) for w, t in asked if t < settled
        }
        live = sorted(k for k in asked if k[1] >= settled)
        fresh: dict[tuple[str, int], Mapping[str, Any]] = {}

        def compute(missing: list[Hashable]) -> dict[Hashable, Mapping[str, Any]]:
            fresh.update(
                q.slis.slis_at(
                    [finished[k] for k in missing] + live, parts=parts, excluded=excluded, only=only
                )
            )
            return {k: fresh[finished[k]] for k in missing}

        kept = q.cache.get_many(list(finished), keep_ns=keep_ns, now_ns=now, compute=compute)
        if live and not fresh:  # every finished instant kept: now's alone
            fresh.update(q.slis.slis_at(live, parts=parts, excluded=excluded, only=only))
        return {**{finished[k]: v for k, v in kept.items()}, **{k: fresh[k] for k in live}}

    return slis_at


def firing(
    q: DashboardQueries, evaluated: Sequence[dict[str, Any]], window: str
) -> list[dict[str, Any]]:
    """Each SLO firing now: its severity, the burn rate of the alert that
    fires (long window), since when it fires (within a step of ``window``)."""
    found = []
    for state in evaluated:
        if state["status"] not in ("page", "ticket"):
            continue
        slo = spec(q, str(state["name"]))
        if slo is None:
            continue
        alert = next(a for a in state["alerts"] if a["firing"] and a["severity"] == state["status"])
        # since when the alert that fires has fired: its two windows only
        pair = (str(alert["long_window"]), str(alert["short_window"]))
        past = slo_history(q, slo, window, steps=STRIP_STEPS, windows=pair)
        found.append(
            {
                "name": state["name"],
                "title": state.get("display_name") or state["name"],
                "severity": state["status"],
                "burn_rate": alert["long_burn_rate"],
                "windows": f"{alert['long_window']} / {alert['short_window']}",
                "factor": alert["factor"],
                "since_ns": past["since_ns"],
                "since_start": past["since_ns"] == past["points"][0]["at_ns"],
            }
        )
    return sorted(found, key=lambda f: (f["severity"] != "page", f["name"]))


def attempts(
    q: DashboardQueries, wanted: AttemptFilter
) -> tuple[int, pd.DataFrame, tuple[int, int]]:
    """``GET /api/v1/attempts/failed``: how many match, a page as a frame, and
    the time range searched (``[from, to)`` ns)."""
    now = q.now()
    with q.store.reader() as cur:
        total, rows = failed_attempts(cur, wanted, now_ns=now, locations=q.locations)
    frame = pd.DataFrame(rows, columns=[*ATTEMPT_COLUMNS[1:], "end_ns"])
    frame.insert(
        0,
        "time",
        [to_time(int(ns)).strftime("%Y-%m-%d %H:%M:%S UTC") for ns in frame["end_ns"]],
    )
    return total, frame, wanted.span(now)


def markers(q: DashboardQueries, window: str) -> pd.DataFrame:
    """Annotations over ``window`` ending now: time, kind, title, who."""
    now = q.now()
    rows = (
        q.annotations.between(now - parse_window(window), now) if q.annotations is not None else []
    )
    return pd.DataFrame(
        [
            {
                "time": to_time(int(r["at_ns"])),
                "kind": r["kind"],
                "title": r["title"],
                "system": r.get("system") or "",
                "by": r["by"],
            }
            for r in rows
        ],
        columns=["time", "kind", "title", "system", "by"],
    )
