"""The state of an SLO grouped by a label or filtered on one (``groupBy``,
``matchers``): one error budget per value of the label.

:func:`evaluate_slo` takes the SLIs of every window overall and by the
label (``compute_slis(..., by=label)["groups"]``) and returns the state of
:func:`metrics.slo.status.evaluate` for the SLO as a whole, with, for a
grouped SLO, ``groups``: the state of each value, and a ``status`` that is
the worst of them (one failing target pages; the healthy ones do not
hide it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from metrics.slis.compute import Dimension
from metrics.slo.spec import SloSpec
from metrics.slo.status import evaluate

__all__ = ["dimension", "evaluate_slo", "worst"]

_RANK = {"page": 3, "ticket": 2, "ok": 1, "no_data": 0}

SlisByWindow = Mapping[str, Mapping[str, Any]]


def dimension(slo: SloSpec) -> Dimension | None:
    """The label the SLO's SLIs must be computed by, if any (the spec allows
    only these labels: ``SLI_LABELS``)."""
    return cast(Dimension | None, slo.group_by or next(iter(slo.matchers), None))


def worst(statuses: list[str]) -> str:
    """The most severe status (``page`` > ``ticket`` > ``ok`` > ``no_data``)."""
    return max(statuses, key=_RANK.__getitem__, default="no_data")


def evaluate_slo(
    slo: SloSpec,
    overall: SlisByWindow,
    by_value: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
) -> dict[str, Any]:
    """``overall``: window -> SLIs; ``by_value``: window -> value of
    :func:`dimension` -> SLIs (needed when the SLO groups or filters)."""
    label = dimension(slo)
    if label is None:
        return evaluate(slo, overall)
    groups = by_value or {}

    def of(value: str) -> dict[str, Any]:
        return evaluate(slo, {w: groups.get(w, {}).get(value, {}) for w in slo.all_windows})

    if slo.matchers:
        state = {**of(slo.matchers[label]), "matchers": dict(slo.matchers)}
        values = [slo.matchers[label]]
    else:
        state = evaluate(slo, overall)
        values = sorted({v for w in slo.all_windows for v in groups.get(w, {})})
    if slo.group_by is None:
        return state
    per_value = [{slo.group_by: v, **_brief(of(v))} for v in values]
    return {
        **state,
        "group_by": slo.group_by,
        "groups": per_value,
        "status": worst([g["status"] for g in per_value]),
    }


def _brief(state: Mapping[str, Any]) -> dict[str, Any]:
    """A value's state without what it shares with its SLO."""
    keep = ("good", "total", "sli_value", "error_budget_remaining", "burn_rates", "alerts")
    return {**{k: state[k] for k in keep}, "status": state["status"]}
