"""The executive report of one period: a plain function of the SLI engine,
the SLOs, the period and ``now``.

For each SLO over the period (clipped to ``now`` while it runs):

- **attainment**: good / total over the period, against the objective,
  and the previous period's (of the same kind) beside it;
- **budget spent**: the period's error ratio / (1 - objective), the share of
  the error budget that the period's own traffic allows (1: all of it);
- **costs**: which targets and warehouses spent it (their bad events / the
  bad events the period allows, so the shares of one SLO add up to its
  budget spent);
- **alerts**: burn-rate alert episodes replayed from the store
  (:mod:`metrics.report.history`) and the exceptions opened in the period
  (:mod:`metrics.report.incidents`), with the orders they impact;
- **trend**: the attainment of each ISO week overlapping the period (and of
  the weeks before it, so there are at least :data:`MIN_WEEKS`), with the
  change from one week to the next.

``mismatch`` and ``exception_aging`` are measured at an instant, not over
a period: their SLOs are listed with ``status: not_historical``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from collector.timefmt import NS_PER_S, iso
from metrics.exceptions import ExceptionStore
from metrics.report.history import HISTORY_SLIS, alert_episodes
from metrics.report.incidents import opened_in
from metrics.report.period import Period, period_at
from metrics.slis.compute import Excluded
from metrics.slis.engine import SliEngine
from metrics.slo.budget import burn_rate, good_ratio
from metrics.slo.groups import dimension
from metrics.slo.maintenance import Maintenance, exclusions
from metrics.slo.spec import SloSpec
from metrics.slo.status import sli_counts

__all__ = ["COST_DIMENSIONS", "MIN_WEEKS", "ReportError", "period_report"]

MIN_WEEKS = 4
_WEEK_NS = 7 * 86_400 * NS_PER_S
COST_DIMENSIONS = ("target", "warehouse")
_TOP = 5


class ReportError(ValueError):
    """A period the report cannot cover (it has not begun)."""


def _slis(
    engine: SliEngine,
    start_ns: int,
    end_ns: int,
    by: Any = None,
    excluded: Sequence[Excluded] = (),
) -> dict[str, Any]:
    window = f"{max(1, (end_ns - start_ns) // NS_PER_S)}s"
    return engine.slis(window, now_ns=end_ns, by=by, parts=False, excluded=excluded)


def _counts(
    slo: SloSpec, overall: Mapping[str, Any], groups: Mapping[str, Mapping[str, Any]]
) -> tuple[float, float] | None:
    """``(bad, total)`` of the SLO over the period (its matched group's when it filters)."""
    label = dimension(slo)
    if slo.matchers and label is not None:
        return sli_counts(slo.sli, groups.get(label, {}).get(slo.matchers[label], {}))
    return sli_counts(slo.sli, overall)


def _attainment(slo: SloSpec, counts: tuple[float, float] | None) -> dict[str, Any]:
    if slo.sli not in HISTORY_SLIS:
        return {"good": None, "total": None, "attainment": None, "budget_spent": None,
                "met": None, "status": "not_historical"}  # fmt: skip
    bad, total = counts if counts is not None else (0.0, 0.0)
    value = good_ratio(bad, total)
    spent = burn_rate(bad, total, slo.objective)
    met = None if value is None else value >= slo.objective
    return {
        "good": total - bad,
        "total": total,
        "attainment": value,
        "budget_spent": None if spent is None else round(spent, 9),
        "met": met,
        "status": "no_data" if met is None else ("met" if met else "missed"),
    }


def _costs(
    slos: Sequence[SloSpec],
    overall: Mapping[str, Any],
    groups: Mapping[str, Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """Per SLO (not filtered) and dimension, the values that spent most budget."""
    found = []
    for slo in slos:
        whole = sli_counts(slo.sli, overall)
        if slo.sli not in HISTORY_SLIS or slo.matchers or whole is None or whole[1] <= 0:
            continue
        allowed = (1.0 - slo.objective) * whole[1]
        for label in COST_DIMENSIONS:
            rows: list[dict[str, Any]] = []
            for value, slis in groups.get(label, {}).items():
                counts = sli_counts(slo.sli, slis)
                if counts is None or counts[0] <= 0:
                    continue
                rows.append(
                    {
                        "slo": slo.name,
                        "dimension": label,
                        "value": value,
                        "bad": counts[0],
                        "total": counts[1],
                        "budget_spent": round(counts[0] / allowed, 9),
                    }
                )
            rows.sort(key=lambda r: (-r["bad"], r["value"]))
            found.extend(rows[:_TOP])
    return found


def _trend(
    engine: SliEngine,
    slos: Sequence[SloSpec],
    period: Period,
    end_ns: int,
    excluded: Sequence[Excluded],
) -> list[dict[str, Any]]:
    weeks = period.weeks()
    while len(weeks) < MIN_WEEKS:
        weeks.insert(0, period_at("week", weeks[0].start_ns - 1))
    rows: list[dict[str, Any]] = []
    previous: dict[str, float | None] = {}
    for week in weeks:
        if week.start_ns >= end_ns:
            break
        until = min(week.end_ns, end_ns)
        found = _slis(engine, week.start_ns, until, excluded=excluded)["slis"]
        for slo in slos:
            if slo.sli not in HISTORY_SLIS or slo.matchers:
                continue
            state = _attainment(slo, sli_counts(slo.sli, found))
            before = previous.get(slo.name)
            value = state["attainment"]
            rows.append(
                {
                    "week": week.label,
                    "from": iso(week.start_ns),
                    "to": iso(until),
                    "slo": slo.name,
                    "good": state["good"],
                    "total": state["total"],
                    "attainment": value,
                    "change": None if value is None or before is None else value - before,
                }
            )
            previous[slo.name] = value
    return rows


def period_report(
    engine: SliEngine,
    slos: Sequence[SloSpec],
    period: Period,
    *,
    now_ns: int,
    exceptions: ExceptionStore | None = None,
    maintenance: Sequence[Maintenance] = (),
) -> dict[str, Any]:
    """The report of ``period`` as known at ``now_ns`` (``GET /api/v1/report``);
    ``maintenance`` is left out of every count, as from the SLOs'."""
    if now_ns <= period.start_ns:
        raise ReportError(f"period {period.label} has not begun")
    # a running period is reported up to the last whole second before now
    # (the alert replay, up to the last whole step)
    whole_s = max(1, (min(period.end_ns, now_ns) - period.start_ns) // NS_PER_S)
    end_ns = period.start_ns + whole_s * NS_PER_S
    before = period.previous()
    # maintenance occurrences from the weeks of the trend and the alert
    # windows before the period to a pair's deadline after its end
    oldest = min(before.start_ns, period.start_ns - MIN_WEEKS * _WEEK_NS) - _WEEK_NS
    excluded = exclusions(maintenance, oldest, end_ns + _WEEK_NS)
    overall = _slis(engine, period.start_ns, end_ns, excluded=excluded)["slis"]
    labels = {d for s in slos if (d := dimension(s)) is not None} | set(COST_DIMENSIONS)
    groups = {
        label: _slis(engine, period.start_ns, end_ns, label, excluded).get("groups", {})
        for label in sorted(labels)
    }
    earlier = _slis(engine, before.start_ns, before.end_ns, excluded=excluded)["slis"]
    filtered = {str(d) for s in slos if s.matchers and (d := dimension(s)) is not None}
    earlier_groups: dict[str, Any] = {
        label: _slis(engine, before.start_ns, before.end_ns, label, excluded).get("groups", {})
        for label in sorted(filtered)
    }
    rows = []
    for slo in slos:
        then = _attainment(slo, _counts(slo, earlier, earlier_groups))["attainment"]
        rows.append(
            {
                "name": slo.name,
                "display_name": slo.display_name,
                "sli": slo.sli,
                "objective": slo.objective,
                "matchers": dict(slo.matchers),
                **_attainment(slo, _counts(slo, overall, groups)),
                "previous_attainment": then,
            }
        )
    with engine.read() as cur:  # both tiers with a lake
        locations = engine.refresher.derivation.locations
        episodes = alert_episodes(
            cur,
            slos,
            start_ns=period.start_ns,
            end_ns=end_ns,
            locations=locations,
            excluded=excluded,
        )
        opened = (
            None
            if exceptions is None
            else opened_in(
                exceptions, cur, start_ns=period.start_ns, end_ns=end_ns, locations=locations
            )
        )
    return {
        "period": {
            "label": period.label,
            "kind": period.kind,
            "from": iso(period.start_ns),
            "to": iso(period.end_ns),
            "until": iso(end_ns),
            "complete": end_ns >= period.end_ns,
            "previous": period.previous().label,
        },
        "computed_at": iso(now_ns),
        "slos": rows,
        "alerts": episodes,
        "exceptions": opened,
        "orders_impacted": None if opened is None else opened["orders_impacted"],
        "costs": _costs(slos, overall, groups),
        "trend": _trend(engine, slos, period, end_ns, excluded),
    }
