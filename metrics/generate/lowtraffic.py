"""``promtool`` cases for low traffic and total outages (issue 15).

* **a low-traffic outage pages**: one pair every 5 minutes, every one
  failing from hour 24; evaluated an hour later.  The burn-rate windows are
  judged against the minimum-traffic guard scaled to each window, and the
  total-outage page fires for the target.
* **well under the guard**: one pair every 30 minutes, failing from hour 24.
* **one target down among healthy ones**: the total-outage page fires with
  ``target="erp"`` only.

Expected alerts follow from the exact window contents at a one-minute
scrape interval; a case is left out when a burn rate lies within 10 % of a
factor or a count within 25 % of a guard (``increase()`` extrapolates), or
when an alert has a ``for:`` to wait out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from metrics.generate.fixtures import expected_alert, label_values, sli_series
from metrics.generate.options import ALERT_NAME, OUTAGE_ALERT, RuleOptions
from metrics.generate.rules import alert_rule, outage_rule
from metrics.slo.spec import COUNTER_SLIS, SloSpec, duration_s

__all__ = ["LOW_TRAFFIC_EVALUATION", "low_traffic_tests", "outage_tests"]

#: the cadence cases run 25 h of one-minute samples: rules are evaluated every 15 min
#: (every evaluation time is a multiple of it), which keeps promtool to a second
LOW_TRAFFIC_EVALUATION = "15m"

_FAIL_FROM = 24 * 60  # minute from which every pair fails
_AT = _FAIL_FROM + 60  # evaluation minute
_ATTEMPTS = 'synclens_sync_attempts_total{target="%s",outcome="%s",kind="first"}'


def _values(samples: list[int]) -> str:
    """promtool's expanding notation for one value per minute, run-length encoded."""
    runs: list[str] = []
    i = 0
    while i < len(samples):
        j = i
        while j + 1 < len(samples) and samples[j + 1] == samples[i]:
            j += 1
        runs.append(f"{samples[i]}+0x{j - i}" if j > i else str(samples[i]))
        i = j + 1
    return " ".join(runs)


def _expected_burns(
    slo: SloSpec, opts: RuleOptions, good: Callable[[int], int], bad: Callable[[int], int]
) -> list[dict[str, Any]] | None:
    def window(w: str) -> tuple[int, int]:
        first = max(0, _AT - duration_s(w) // 60 + 1)  # samples in (at - w, at]
        return bad(_AT) - bad(first), good(_AT) - good(first) + bad(_AT) - bad(first)

    out = []
    for w in slo.windows:
        (long_bad, long_n), (short_bad, short_n) = window(w.long), window(w.short)
        if not long_n or not short_n:
            continue  # no data, no alert
        burns = (long_bad / long_n / slo.error_budget, short_bad / short_n / slo.error_budget)
        guard = slo.min_traffic_in(w.long)
        if any(b and abs(b - w.factor) < 0.1 * w.factor for b in burns):
            return None
        if long_n < guard <= 1.25 * long_n:
            return None
        if min(burns) > w.factor and long_n >= guard:
            out.append(expected_alert(slo, alert_rule(slo, w, opts)))
    return out


def _expected_outage(
    slo: SloSpec, opts: RuleOptions, good: Callable[[int], int], bad: Callable[[int], int]
) -> list[dict[str, Any]] | None:
    rule = outage_rule(slo, opts)
    if rule is None or slo.outage is None:
        return []
    first = max(0, _AT - duration_s(slo.outage.window) // 60 + 1)
    attempts = good(_AT) - good(first) + bad(_AT) - bad(first)
    successes = good(_AT) - good(first)
    if attempts < slo.outage.min_attempts <= 1.25 * attempts:
        return None
    if successes or attempts < slo.outage.min_attempts:
        return []
    return [expected_alert(slo, rule, grouped=False, target=label_values(slo)["target"])]


def _cadence_case(slo: SloSpec, opts: RuleOptions, every: int, name: str) -> dict[str, Any] | None:
    """One pair every ``every`` minutes to target erp, all failing from hour 24."""

    def good(m: int) -> int:
        return min(m, _FAIL_FROM) // every

    def bad(m: int) -> int:
        return max(0, m // every - _FAIL_FROM // every)

    burns = _expected_burns(slo, opts, good, bad)
    outage = _expected_outage(slo, opts, good, bad)
    if burns is None or outage is None:
        return None
    minutes = range(_AT + 5)
    _, good_s, other = sli_series(slo, opts)
    second = next(iter(other))
    series = {good_s["good"]: [good(m) for m in minutes]}
    if second == "total":  # latency: the histogram count holds every pair
        series[other["total"]] = [good(m) + bad(m) for m in minutes]
    else:
        series[other["bad"]] = [bad(m) for m in minutes]
    # the attempts behind the outage page (api_failure's SLI series are these already)
    target = label_values(slo)["target"]
    series.setdefault(_ATTEMPTS % (target, "success"), [good(m) for m in minutes])
    series.setdefault(_ATTEMPTS % (target, "failure"), [bad(m) for m in minutes])
    return {
        "name": f"{slo.name}: {name}",
        "interval": "1m",
        "input_series": [{"series": s, "values": _values(v)} for s, v in series.items()],
        "alert_rule_test": [
            {"eval_time": f"{_AT}m", "alertname": ALERT_NAME, "exp_alerts": burns},
            {"eval_time": f"{_AT}m", "alertname": OUTAGE_ALERT, "exp_alerts": outage},
        ],
    }


def _one_target_down(slo: SloSpec, opts: RuleOptions) -> dict[str, Any] | None:
    rule = outage_rule(slo, opts)
    if rule is None or slo.outage is None:
        return None
    at = (duration_s(slo.outage.window) + duration_s(slo.outage.for_ or "1s")) // 60 + 15
    at -= at % 5
    steps = at + 5
    down = label_values(slo)["target"]
    healthy = "commerce" if down != "commerce" else "erp"
    fails = f"0+{slo.outage.min_attempts}x{steps}"
    series = [
        {"series": _ATTEMPTS % (down, "success"), "values": f"0+0x{steps}"},
        {"series": _ATTEMPTS % (down, "failure"), "values": fails},
        {"series": _ATTEMPTS % (healthy, "success"), "values": f"0+100x{steps}"},
        {"series": _ATTEMPTS % (healthy, "failure"), "values": f"0+0x{steps}"},
    ]
    expected = [expected_alert(slo, rule, grouped=False, target=down)]
    return {
        "name": f"{slo.name}: one target down among healthy ones pages for that target only",
        "interval": "1m",
        "input_series": series,
        "alert_rule_test": [
            {"eval_time": f"{at}m", "alertname": OUTAGE_ALERT, "exp_alerts": expected}
        ],
    }


def outage_tests(slo: SloSpec, opts: RuleOptions) -> list[dict[str, Any]]:
    """The one-target-down case, when the SLO has a total-outage page."""
    case = _one_target_down(slo, opts)
    return [] if case is None else [case]


def low_traffic_tests(slo: SloSpec, opts: RuleOptions) -> list[dict[str, Any]]:
    """The cadence cases that apply to ``slo`` (counter SLIs with windows of
    5 minutes or more; none when an alert waits with ``for:``), to be run at
    :data:`LOW_TRAFFIC_EVALUATION`."""
    if slo.sli not in COUNTER_SLIS:
        return []
    cases: list[dict[str, Any] | None] = []
    minutes_scale = min(duration_s(w) for w in slo.all_windows) >= 300
    waits = any(w.for_ for w in slo.windows) or (slo.outage is not None and slo.outage.for_)
    if minutes_scale and not waits:
        cases += [
            _cadence_case(
                slo, opts, 5, "a low-traffic outage pages: 1 pair every 5 min failing from hour 24"
            ),
            _cadence_case(
                slo, opts, 30, "well under the guard: 1 pair every 30 min failing from hour 24"
            ),
        ]
    return [c for c in cases if c is not None]
