"""An SLO's error budget over its calendar period (``spec.calendar``): the
week, month or quarter so far, beside the rolling window.

The budget of a period is judged like the rolling window's: ``1 - burn``
over the events from the period's start to now (maintenance excluded the
same way), with the minimum-traffic guard scaled to the time gone by.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from collector.timefmt import NS_PER_S, iso
from metrics.slo.budget import budget_remaining, good_ratio
from metrics.slo.calendar import Period
from metrics.slo.groups import dimension
from metrics.slo.spec import SloSpec
from metrics.slo.status import sli_counts

__all__ = ["calendar_state"]


def _budget(slo: SloSpec, slis: Mapping[str, Any], guard: float) -> dict[str, Any]:
    counts = sli_counts(slo.sli, slis)
    if counts is None:
        return {"good": None, "total": None, "sli_value": None, "error_budget_remaining": None}
    bad, total = counts
    return {
        "good": total - bad,
        "total": total,
        "sli_value": good_ratio(bad, total, min_total=guard),
        "error_budget_remaining": budget_remaining(bad, total, slo.objective, min_total=guard),
    }


def calendar_state(
    slo: SloSpec,
    period: Period,
    now_ns: int,
    overall: Mapping[str, Any],
    by_value: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """``overall``: the SLIs since ``period.start_ns``; ``by_value``: the same
    by :func:`metrics.slo.groups.dimension` (for a grouped or filtered SLO)."""
    guard = slo.min_traffic_over(max(0, now_ns - period.start_ns) / NS_PER_S)
    groups = by_value or {}
    label = dimension(slo)
    if label is not None and slo.matchers:
        state = _budget(slo, groups.get(slo.matchers[label], {}), guard)
    else:
        state = _budget(slo, overall, guard)
    out: dict[str, Any] = {
        "period": period.kind,
        "label": period.label,
        "time_zone": slo.time_zone,
        "from": iso(period.start_ns),
        "to": iso(period.end_ns),
        "elapsed": round(period.elapsed(now_ns), 6),
        "min_traffic": guard,
        **state,
    }
    if slo.group_by is not None:
        out["groups"] = [
            {slo.group_by: value, **_budget(slo, slis, guard)}
            for value, slis in sorted(groups.items())
            if not slo.matchers or value == slo.matchers[slo.group_by]
        ]
    return out
