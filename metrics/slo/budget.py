"""Error budgets and burn rates: plain functions of good / total counts.

For an SLO with objective ``o`` the error budget is ``1 - o``: the share of
bad events allowed over the SLO window.  Over any window with ``bad`` bad
events out of ``total``:

- error ratio ``e = bad / total``;
- burn rate ``b = e / (1 - o)``: 1 spends the budget exactly over the SLO
  window, 14.4 spends a 30-day budget in ~2 days;
- over the SLO window itself, budget remaining ``= 1 - b`` (negative once
  the budget is overspent).

No traffic, or less than the SLO's minimum-traffic guard, is **no data**:
every function returns ``None``, never NaN and never a false alarm.  The
same maths runs in PromQL (:mod:`metrics.generate.rules`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

__all__ = [
    "Severity",
    "budget_remaining",
    "burn_rate",
    "error_ratio",
    "fired",
    "good_ratio",
]

Severity = Literal["page", "ticket"]


def error_ratio(bad: float, total: float, *, min_total: float = 0.0) -> float | None:
    """``bad / total``; ``None`` when ``total`` is 0 or below ``min_total``."""
    if total <= 0 or total < min_total:
        return None
    return min(1.0, max(0.0, bad / total))


def good_ratio(bad: float, total: float, *, min_total: float = 0.0) -> float | None:
    """The SLI value: share of good events; ``None`` for no data."""
    e = error_ratio(bad, total, min_total=min_total)
    return None if e is None else 1.0 - e


def burn_rate(
    bad: float, total: float, objective: float, *, min_total: float = 0.0
) -> float | None:
    """How fast the error budget burns: error ratio / (1 - objective)."""
    if not 0.0 < objective < 1.0:
        raise ValueError(f"objective {objective} must lie strictly between 0 and 1")
    e = error_ratio(bad, total, min_total=min_total)
    return None if e is None else e / (1.0 - objective)


def budget_remaining(
    bad: float, total: float, objective: float, *, min_total: float = 0.0
) -> float | None:
    """Share of the SLO window's error budget left (1: untouched, < 0: overspent)."""
    b = burn_rate(bad, total, objective, min_total=min_total)
    return None if b is None else 1.0 - b


def fired(
    windows: Iterable[tuple[Severity, float, float | None, float | None]],
) -> Severity | None:
    """The most severe alert that fires: each window pair is ``(severity,
    factor, long burn rate, short burn rate)`` and fires when both burn
    rates exceed the factor (no data never fires)."""
    result: Severity | None = None
    for severity, factor, long_burn, short_burn in windows:
        if long_burn is None or short_burn is None:
            continue
        if long_burn > factor and short_burn > factor:
            if severity == "page":
                return "page"
            result = "ticket"
    return result
