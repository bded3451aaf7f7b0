"""An SLO's state computed by synclens itself, from ``GET /slis`` counts.

:func:`sli_counts` maps one window's SLI answer to ``(bad, total)`` for an
SLI; :func:`evaluate` turns the answers for every window an SLO needs into
its SLI value, error budget remaining, burn rate per alert window and a
status (``ok``, ``ticket``, ``page`` or ``no_data``).  A missing SLI (a
part not merged yet, no reconciliation run) is no data, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metrics.slo.budget import Severity, budget_remaining, burn_rate, fired, good_ratio
from metrics.slo.spec import SloSpec

__all__ = ["evaluate", "sli_counts"]


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def sli_counts(sli: str, slis: Mapping[str, Any]) -> tuple[float, float] | None:
    """``(bad, total)`` of ``sli`` in one ``compute_slis(...)["slis"]``; ``None``: absent."""
    part = slis.get(sli)
    if not isinstance(part, Mapping):
        return None
    if sli in ("latency", "first_pass"):
        good, total = _num(part.get("good")), _num(part.get("total"))
        return None if good is None or total is None else (total - good, total)
    if sli == "api_failure":
        bad, total = _num(part.get("failed")), _num(part.get("total"))
    elif sli == "mismatch":
        bad, total = _num(part.get("mismatched")), _num(part.get("compared"))
    elif sli == "exception_aging":
        bad, total = _num(part.get("aged")), _num(part.get("unresolved"))
    else:
        return None
    return None if bad is None or total is None else (bad, total)


def evaluate(slo: SloSpec, slis_by_window: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The SLO's state from the SLIs of each of ``slo.all_windows``."""
    counts = {w: sli_counts(slo.sli, slis_by_window.get(w, {})) for w in slo.all_windows}

    def burn(window: str, guard: float) -> float | None:
        c = counts.get(window)
        return None if c is None else burn_rate(*c, slo.objective, min_total=guard)

    whole = counts.get(slo.window)
    bad, total = whole if whole is not None else (None, None)
    guard = slo.min_traffic
    alerts: list[dict[str, Any]] = []
    judged: list[tuple[Severity, float, float | None, float | None]] = []
    for w in slo.windows:
        long_burn, short_burn = burn(w.long, slo.min_traffic_in(w.long)), burn(w.short, 0.0)
        judged.append((w.severity, w.factor, long_burn, short_burn))
        alerts.append(
            {
                "severity": w.severity,
                "long_window": w.long,
                "short_window": w.short,
                "factor": w.factor,
                "long_burn_rate": long_burn,
                "short_burn_rate": short_burn,
                "firing": fired([(w.severity, w.factor, long_burn, short_burn)]) is not None,
            }
        )
    severity = fired(judged)
    sli_value = None if whole is None else good_ratio(*whole, min_total=guard)
    status = severity or ("no_data" if sli_value is None else "ok")
    return {
        "name": slo.name,
        "display_name": slo.display_name,
        "description": slo.description,
        "sli": slo.sli,
        "objective": slo.objective,
        "window": slo.window,
        "min_traffic": slo.min_traffic,
        "labels": slo.labels,
        "good": None if whole is None or total is None or bad is None else total - bad,
        "total": total,
        "sli_value": sli_value,
        "error_budget": slo.error_budget,
        "error_budget_remaining": None
        if whole is None
        else budget_remaining(*whole, slo.objective, min_total=guard),
        "burn_rates": {w: burn(w, 0.0) for w in slo.all_windows},
        "alerts": alerts,
        "status": status,
    }
