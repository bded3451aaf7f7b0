"""Prometheus recording and alerting rules generated from the SLO specs.

Per SLO, one recording group computes, for every window the SLO uses
(``window`` label), the errors and the requests in the window, the error
ratio, the burn rate, and over the SLO window the SLI and the error budget
remaining; one alerting group holds a multiwindow, multi-burn-rate alert
(``SynclensErrorBudgetBurn``) per window pair of its policy.  A window with
no traffic has no error ratio at all (``x / (requests > 0)``), so zero
traffic is "no data", never NaN; an alert also needs the SLO's minimum
traffic in its long window, scaled to the window (``SloSpec.min_traffic_in``).
A total-outage page (``SynclensTargetOutage``) fires per target that had
attempts and no success, however few.  An SLO with ``groupBy`` sums ``by``
its label, so every series and alert is per value; its ``matchers`` go into
every selector.
"""

from __future__ import annotations

from typing import Any

from metrics.facts import LATENCY_BOUNDS_S
from metrics.generate.options import ABSENT_ALERT, ALERT_NAME, OUTAGE_ALERT, RuleOptions
from metrics.slo.spec import AGING_BUCKETS, BurnWindow, SloSpec, duration_s

__all__ = [
    "SLI_METRIC",
    "absent_rule",
    "alert_rule",
    "bucket_bound",
    "group_order",
    "outage_rule",
    "slo_rules",
]

#: the metric each SLI is computed from (SynclensSLOMetricAbsent watches it)
SLI_METRIC = {
    "latency": "synclens_sync_latency_seconds_count",
    "first_pass": "synclens_sync_pairs_total",
    "api_failure": "synclens_sync_attempts_total",
    "mismatch": "synclens_reconciliation_keys",
    "exception_aging": "synclens_exceptions_unresolved",
}

#: an SLI's drill-down: the exception kind that holds its evidence (SKU, order, message)
_EVIDENCE_KIND = {
    "latency": "undelivered",
    "first_pass": "dead_lettered",
    "api_failure": "dead_lettered",
    "mismatch": "mismatch",
    "exception_aging": None,
}


# -- the SLI in PromQL -----------------------------------------------------------------


def bucket_bound(seconds: float) -> str:
    """The ``le`` label of the latency bucket bound at ``seconds``."""
    if seconds not in LATENCY_BOUNDS_S:
        raise ValueError(
            f"latency objective {seconds} s is not a bucket bound of synclens_sync_latency_seconds "
            f"({', '.join(str(b) for b in LATENCY_BOUNDS_S)})"
        )
    return repr(float(seconds))


def _selector(metric: str, slo: SloSpec, *extra: str) -> str:
    """``metric{extra..., the SLO's matchers...}``."""
    items = [*extra, *(f'{k}="{v}"' for k, v in sorted(slo.matchers.items()))]
    return f"{metric}{{{','.join(items)}}}" if items else metric


def _sum(slo: SloSpec) -> str:
    """``sum``, or ``sum by (label) `` for an SLO grouped by a label."""
    return f"sum by ({slo.group_by}) " if slo.group_by else "sum"


def _latency_good(slo: SloSpec, window: str, opts: RuleOptions) -> str:
    by_objective: dict[float, list[str]] = {}
    for event_type, seconds in sorted(opts.latency_objectives.items()):
        if seconds != opts.default_latency_objective_s:
            by_objective.setdefault(seconds, []).append(event_type)
    bucket = "synclens_sync_latency_seconds_bucket"
    default_le = f'le="{bucket_bound(opts.default_latency_objective_s)}"'
    if not by_objective:
        return f"{_sum(slo)}(increase({_selector(bucket, slo, default_le)}[{window}]))"
    special = sorted(t for types in by_objective.values() for t in types)
    others = 'event_type!~"' + "|".join(special) + '"'
    parts = [f"increase({_selector(bucket, slo, default_le, others)}[{window}])"]
    for seconds, types in sorted(by_objective.items()):
        le, types_re = f'le="{bucket_bound(seconds)}"', f'event_type=~"{"|".join(types)}"'
        parts.append(f"increase({_selector(bucket, slo, le, types_re)}[{window}])")
    return f"{_sum(slo)}(" + " or ".join(parts) + ")"


def _counter_sli(slo: SloSpec, window: str, opts: RuleOptions) -> tuple[str, str]:
    """(errors, requests) in ``window`` for a counter-based SLI."""
    if slo.sli in ("first_pass", "api_failure"):
        metric, bad = (
            ("synclens_sync_pairs_total", 'first_pass="false"')
            if slo.sli == "first_pass"
            else ("synclens_sync_attempts_total", 'outcome="failure"')
        )
        total = f"{_sum(slo)}(increase({_selector(metric, slo)}[{window}]))"
        # no bad series at all is 0 errors, as long as there is traffic
        errors = f"{_sum(slo)}(increase({_selector(metric, slo, bad)}[{window}]))"
        return f"{errors}\n  or 0 * {total}", total
    count = _selector("synclens_sync_latency_seconds_count", slo)
    total = f"{_sum(slo)}(increase({count}[{window}]))"
    return f"clamp_min({total} - {_latency_good(slo, window, opts)}, 0)", total


def _gauge_sli(slo: SloSpec) -> tuple[str, str]:
    """(errors, requests) now, for a gauge-based SLI (averaged over each window)."""
    if slo.sli == "mismatch":
        metric, bad = "synclens_reconciliation_keys", 'result="mismatch"'
    else:
        metric = "synclens_exceptions_unresolved"
        bad = f'age_bucket=~"{"|".join(AGING_BUCKETS[slo.aging_objective])}"'
    total = f"{_sum(slo)}({_selector(metric, slo)})"
    return f"{_sum(slo)}({_selector(metric, slo, bad)}) or 0 * {total}", total


# -- rules -----------------------------------------------------------------------------


def _sel(metric: str, slo: SloSpec, window: str | None = None) -> str:
    w = f',window="{window}"' if window is not None else ""
    return f'{metric}{{slo="{slo.name}"{w}}}'


def _num(x: float) -> str:
    return repr(float(x)) if x != int(x) else str(int(x))


def _recording(slo: SloSpec, opts: RuleOptions) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    labels = {"slo": slo.name}
    gauge = slo.sli in ("mismatch", "exception_aging")
    if gauge:
        errors_now, requests_now = _gauge_sli(slo)
        rules.append({"record": "synclens_slo:errors_now", "expr": errors_now, "labels": labels})
        rules.append(
            {"record": "synclens_slo:requests_now", "expr": requests_now, "labels": labels}
        )
    for w in slo.all_windows:
        wl = {**labels, "window": w}
        if gauge:
            errors = f"avg_over_time({_sel('synclens_slo:errors_now', slo)}[{w}])"
            requests = f"avg_over_time({_sel('synclens_slo:requests_now', slo)}[{w}])"
        else:
            errors, requests = _counter_sli(slo, w, opts)
        rules.append({"record": "synclens_slo:errors", "expr": errors, "labels": wl})
        rules.append({"record": "synclens_slo:requests", "expr": requests, "labels": wl})
    for w in slo.all_windows:
        rules.append(
            {
                "record": "synclens_slo:error_ratio",
                "expr": f"{_sel('synclens_slo:errors', slo, w)}\n"
                f"  / ({_sel('synclens_slo:requests', slo, w)} > 0)",
                "labels": {**labels, "window": w},
            }
        )
    for w in slo.all_windows:
        rules.append(
            {
                "record": "synclens_slo:burn_rate",
                "expr": f"{_sel('synclens_slo:error_ratio', slo, w)} / {_num(slo.error_budget)}",
                "labels": {**labels, "window": w},
            }
        )
    guard = f"({_sel('synclens_slo:requests', slo, slo.window)} >= {_num(slo.min_traffic)})"
    rules += [
        {
            "record": "synclens_slo:objective",
            "expr": f"vector({_num(slo.objective)})",
            "labels": {**labels, "sli": slo.sli, "window": slo.window},
        },
        {
            "record": "synclens_slo:sli",
            "expr": f"(1 - {_sel('synclens_slo:error_ratio', slo, slo.window)})\n  and {guard}",
            "labels": {**labels, "window": slo.window},
        },
        {
            "record": "synclens_slo:error_budget_remaining",
            "expr": f"(1 - {_sel('synclens_slo:burn_rate', slo, slo.window)})\n  and {guard}",
            "labels": {**labels, "window": slo.window},
        },
    ]
    return rules


def _hours(window: str) -> str:
    h = duration_s(window) / 3600
    return f"{h:g} h" if h < 48 else f"{h / 24:g} days"


def alert_rule(slo: SloSpec, w: BurnWindow, opts: RuleOptions) -> dict[str, Any]:
    def burn(window: str) -> str:
        return f"max without (window) ({_sel('synclens_slo:burn_rate', slo, window)})"

    requests = f"max without (window) ({_sel('synclens_slo:requests', slo, w.long)})"
    factor = _num(w.factor)
    expr = (
        f"{burn(w.long)} > {factor}\n"
        f"and {burn(w.short)} > {factor}\n"
        f"and {requests} >= {_num(slo.min_traffic_in(w.long))}"
    )
    exhaust = duration_s(slo.window) / w.factor
    kind = _EVIDENCE_KIND[slo.sli]
    evidence = f"{opts.synclens_url}/api/v1/exceptions?status=open" + (
        f"&kind={kind}" if kind else ""
    )
    alert: dict[str, Any] = {
        "alert": ALERT_NAME,
        "expr": expr,
    }
    if w.for_:
        alert["for"] = w.for_
    alert["labels"] = {
        **slo.labels,
        "slo": slo.name,
        "sli": slo.sli,
        "severity": w.severity,
        "long_window": w.long,
        "short_window": w.short,
    }
    name = slo.display_name
    if slo.group_by:  # one budget per value: say whose
        name += f" ({slo.group_by} {{{{ $labels.{slo.group_by} }}}})"
        if slo.group_by == "target":
            evidence += "&target={{ $labels.target }}"
    alert["annotations"] = {
        "summary": f"{name}: error budget burning over {factor}x ({w.long}/{w.short} windows)",
        "description": f"{name} (SLI {slo.sli}, objective "
        f"{slo.objective * 100:g}% over {slo.window}) burned its error budget more than "
        f"{factor} times faster than sustainable over the last {w.long} and the last "
        f"{w.short}. At this pace the {slo.window} budget is gone within {_hours(f'{max(1, int(exhaust))}s')}.",
        "runbook_url": f"{opts.runbook_url}#{ALERT_NAME.lower()}",
        "dashboard_url": f"{opts.grafana_url}/d/synclens-slo-detail/synclens-slo-detail"
        f"?var-slo={slo.name}",
        "breakdown_url": f"{opts.synclens_url}/api/v1/slis?window={w.long}"
        f"&by={slo.group_by or 'target'}",
        "evidence_url": evidence,
    }
    return alert


def outage_rule(slo: SloSpec, opts: RuleOptions) -> dict[str, Any] | None:
    """The SLO's total-outage page, per target: at least ``minAttempts`` attempts
    and not one success in the outage window (the success series exists at 0
    from start-up, so ``== 0`` is a real zero, not a missing series)."""
    if slo.outage is None:
        return None
    o = slo.outage
    metric = "synclens_sync_attempts_total"
    attempts, successes = _selector(metric, slo), _selector(metric, slo, 'outcome="success"')
    expr = (
        f"sum by (target) (increase({attempts}[{o.window}])) >= {o.min_attempts}\n"
        f"and on (target)\n"
        f"sum by (target) (increase({successes}[{o.window}])) == 0"
    )
    alert: dict[str, Any] = {"alert": OUTAGE_ALERT, "expr": expr}
    if o.for_:
        alert["for"] = o.for_
    alert["labels"] = {**slo.labels, "slo": slo.name, "sli": slo.sli, "severity": "page"}
    alert["annotations"] = {
        "summary": f"{slo.display_name}: {{{{ $labels.target }}}} has had no successful "
        f"delivery for {o.window}",
        "description": f"Target {{{{ $labels.target }}}} had at least {o.min_attempts} delivery "
        f"attempts and not one success over the last {o.window}: a total outage, whatever "
        "its volume. The burn-rate alerts may not fire on traffic this low.",
        "runbook_url": f"{opts.runbook_url}#{OUTAGE_ALERT.lower()}",
        "dashboard_url": f"{opts.grafana_url}/d/synclens-slo-detail/synclens-slo-detail"
        f"?var-slo={slo.name}",
        "evidence_url": f"{opts.synclens_url}/api/v1/exceptions?status=open"
        "&target={{ $labels.target }}",
    }
    return alert


def group_order(slo: SloSpec, opts: RuleOptions) -> list[str]:
    """The SLO's rule groups, recording first: promtool evaluates the groups of a
    rule file in a random order unless a test gives ``group_eval_order``."""
    return [g["name"] for g in slo_rules(slo, opts)["groups"]]


def absent_rule(slo: SloSpec, opts: RuleOptions) -> dict[str, Any] | None:
    """A ticket when the SLI's metric (with the SLO's matchers) has no series at
    all for ``absentFor``: the SLO would be "no data" and none of its alerts
    could fire (synclens not scraped, a relabelling that drops it, a target
    removed from the routes, no reconciliation comparing keys)."""
    if slo.absent_for is None:
        return None
    metric = _selector(SLI_METRIC[slo.sli], slo)
    return {
        "alert": ABSENT_ALERT,
        "expr": f"absent({metric})",
        "for": slo.absent_for,
        "labels": {**slo.labels, "slo": slo.name, "sli": slo.sli, "severity": "ticket"},
        "annotations": {
            "summary": f"{slo.display_name}: its SLI metric {SLI_METRIC[slo.sli]} is absent",
            "description": f"Prometheus has had no {metric} series for {slo.absent_for}: "
            f"the {slo.display_name} SLO has no data and none of its alerts can fire.",
            "runbook_url": f"{opts.runbook_url}#{ABSENT_ALERT.lower()}",
            "dashboard_url": f"{opts.grafana_url}/d/synclens-slo-detail/synclens-slo-detail"
            f"?var-slo={slo.name}",
        },
    }


def _is_long(rule: dict[str, Any], opts: RuleOptions) -> bool:
    window = rule.get("labels", {}).get("window")
    return window is not None and duration_s(window) >= opts.long_window_s


def slo_rules(slo: SloSpec, opts: RuleOptions) -> dict[str, Any]:
    """The rule file of one SLO: its recording group, the recording rules of its
    long windows (a day or more: ``increase(...[28d])`` is costly and changes
    slowly) in a group of their own evaluated every ``opts.long_window_interval``,
    and its alerting group."""
    recording = _recording(slo, opts)
    long = [r for r in recording if _is_long(r, opts)]
    groups: list[dict[str, Any]] = [
        {
            "name": f"synclens-slo-{slo.name}-recording",
            "rules": [r for r in recording if not _is_long(r, opts)],
        }
    ]
    if long:
        groups.append(
            {
                "name": f"synclens-slo-{slo.name}-recording-long",
                "interval": opts.long_window_interval,
                "rules": long,
            }
        )
    alerts = [alert_rule(slo, w, opts) for w in slo.windows]
    alerts += [r for r in (outage_rule(slo, opts), absent_rule(slo, opts)) if r is not None]
    if alerts:
        groups.append({"name": f"synclens-slo-{slo.name}-alerts", "rules": alerts})
    return {"groups": groups}
