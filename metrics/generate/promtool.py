"""``promtool test rules`` unit tests generated for each SLO and for the operational alerts.

Per SLO, four scenarios over steady traffic: a fast burn (pages, and the
ticket windows fire too), a slow burn (tickets only), burning at exactly
budget pace (nothing), zero traffic (nothing, and no burn-rate series at
all).  The expected alerts follow from the factors: a window pair fires
when the burn rate exceeds its factor.
"""

from __future__ import annotations

from typing import Any

from metrics.generate.fixtures import expected_alert, label_values, sli_series
from metrics.generate.lowtraffic import outage_tests
from metrics.generate.operational import OPERATIONAL_ALERTS, operational_rules
from metrics.generate.options import ABSENT_ALERT, ALERT_NAME, RuleOptions
from metrics.generate.rules import absent_rule, alert_rule, group_order
from metrics.slo.spec import SloSpec, duration_s

__all__ = ["operational_tests", "slo_tests"]

_N = 10_000  # events per scrape interval in the test traffic


def _timing(slo: SloSpec) -> tuple[int, int]:
    """(interval s, evaluation time s) short enough for the SLO's shortest window."""
    shortest = min(duration_s(w) for w in slo.all_windows)
    interval = max(1, min(60, shortest // 5))
    # every window holds the same steady traffic, so its ratio is exact after a few samples
    return interval, 10 * interval


def _series(
    slo: SloSpec, opts: RuleOptions, error_ratio: float, steps: int
) -> list[dict[str, str]]:
    kind, good, other = sli_series(slo, opts)
    bad_n = round(_N * error_ratio, 9)
    good_n = round(_N - bad_n, 9)
    second = next(iter(other))
    # latency's second series is the histogram _count (all events); the others count bad ones
    other_n = _N if second == "total" else bad_n
    if error_ratio < 0:  # zero traffic
        good_n = other_n = 0

    def values(n: float) -> str:
        return f"0+{n:g}x{steps}" if kind == "counter" else f"{n:g}+0x{steps}"

    return [
        {"series": good["good"], "values": values(good_n)},
        {"series": other[second], "values": values(other_n)},
    ]


def _expected(slo: SloSpec, opts: RuleOptions, burn: float) -> list[dict[str, Any]]:
    out = []
    for w in slo.windows:
        if burn > w.factor:
            out.append(expected_alert(slo, alert_rule(slo, w, opts)))
    return out


def _case(slo: SloSpec, opts: RuleOptions, name: str, burn: float | None) -> dict[str, Any]:
    interval, eval_s = _timing(slo)
    steps = eval_s // interval + 5
    error_ratio = -1.0 if burn is None else min(1.0, burn * slo.error_budget)
    actual_burn = 0.0 if burn is None else error_ratio / slo.error_budget
    case: dict[str, Any] = {
        "name": f"{slo.name}: {name}",
        "interval": f"{interval}s",
        "input_series": _series(slo, opts, error_ratio, steps),
        "alert_rule_test": [
            {
                "eval_time": f"{eval_s}s",
                "alertname": ALERT_NAME,
                "exp_alerts": [] if burn is None else _expected(slo, opts, actual_burn),
            }
        ],
    }
    if burn is None:
        case["promql_expr_test"] = [
            {
                "expr": f'synclens_slo:{m}{{slo="{slo.name}"}}',
                "eval_time": f"{eval_s}s",
                "exp_samples": [],
            }
            for m in ("error_ratio", "burn_rate", "sli", "error_budget_remaining")
        ]
    return case


def _kept(slo: SloSpec) -> dict[str, str]:
    """The group label the SLO's series keep, with its test value."""
    value = label_values(slo).get(slo.group_by or "", "")
    return {slo.group_by: value} if slo.group_by and value else {}


def _clean(slo: SloSpec, opts: RuleOptions) -> dict[str, Any]:
    """Traffic with no bad series at all: burn rate 0 (not "no data"), nothing fires."""
    interval, eval_s = _timing(slo)
    steps = eval_s // interval + 5
    kind, good, other = sli_series(slo, opts)
    series = [
        {
            "series": good["good"],
            "values": f"0+{_N}x{steps}" if kind == "counter" else f"{_N}+0x{steps}",
        }
    ]
    if "total" in other:  # latency: every event within the objective
        series.append({"series": other["total"], "values": series[0]["values"]})
    long = slo.windows[0].long if slo.windows else slo.window
    return {
        "name": f"{slo.name}: no errors at all burns nothing",
        "interval": f"{interval}s",
        "input_series": series,
        "alert_rule_test": [{"eval_time": f"{eval_s}s", "alertname": ALERT_NAME, "exp_alerts": []}],
        "promql_expr_test": [
            {
                "expr": f'synclens_slo:burn_rate{{slo="{slo.name}",window="{long}"}}',
                "eval_time": f"{eval_s}s",
                "exp_samples": [
                    {
                        "labels": f'synclens_slo:burn_rate{{slo="{slo.name}",window="{long}"'
                        + "".join(f',{k}="{v}"' for k, v in _kept(slo).items())
                        + "}",
                        "value": 0,
                    }
                ],
            }
        ],
    }


def _burst_ended(slo: SloSpec, opts: RuleOptions) -> dict[str, Any] | None:
    """A fast burn that stopped: the fastest page resolves with its short window while
    its long window is still hot.  Expected alerts are computed from the exact window
    contents; the scenario is left out when any burn rate lies within 10 % of a factor."""
    pages = [w for w in slo.windows if w.severity == "page"]
    if not pages:
        return None
    first = max(pages, key=lambda w: w.factor)
    interval, _ = _timing(slo)
    burst = max(2, duration_s(first.long) // 2 // interval)  # steps of bad traffic
    now = burst + max(2, 2 * duration_s(first.short) // interval)  # evaluation step
    steps = now + 5
    error_ratio = min(1.0, 2 * first.factor * slo.error_budget)
    kind, good, other = sli_series(slo, opts)

    def ratio(window: str) -> tuple[float, float]:
        """(error ratio, events) over the window ending at step ``now``."""
        k0 = max(0, now - duration_s(window) // interval)
        if kind == "counter":  # increase() sees the increments of steps k0+1 .. now
            n = now - k0
            bad = sum(1 for j in range(k0 + 1, now + 1) if j <= burst)
            return error_ratio * bad / n, float(_N * n)
        n = now - k0 + 1  # avg_over_time() sees the samples k0 .. now
        bad = sum(1 for k in range(k0, now + 1) if k <= burst)
        return error_ratio * bad / n, float(_N)

    expected = []
    for w in slo.windows:
        (long_e, events), (short_e, _) = ratio(w.long), ratio(w.short)
        burns = (long_e / slo.error_budget, short_e / slo.error_budget)
        if any(b and abs(b - w.factor) < 0.1 * w.factor for b in burns):
            return None
        if min(burns) > w.factor and events >= slo.min_traffic:
            expected.append(expected_alert(slo, alert_rule(slo, w, opts)))
    if any(e["exp_labels"]["long_window"] == first.long and e["exp_labels"]["short_window"] == first.short
           for e in expected):  # fmt: skip
        return None
    bad_n, good_bad_n = _N * error_ratio, _N * (1 - error_ratio)
    if kind == "counter":
        # good (or, for latency, within-objective) events: fewer during the burst
        after = good_bad_n * burst + _N  # the first clean step already counts N good events
        good_values = f"0+{good_bad_n:g}x{burst} {after:g}+{_N}x{steps - burst - 2}"
        if "total" in other:
            second = {"series": other["total"], "values": f"0+{_N}x{steps}"}
        else:
            second = {
                "series": other["bad"],
                "values": f"0+{bad_n:g}x{burst} {bad_n * burst:g}+0x{steps - burst - 1}",
            }
    else:
        good_values = f"{good_bad_n:g}+0x{burst} {_N}+0x{steps - burst - 1}"
        second = {"series": other["bad"], "values": f"{bad_n:g}+0x{burst} 0+0x{steps - burst - 1}"}
    return {
        "name": f"{slo.name}: a burst that ended: the {first.long}/{first.short} page resolves",
        "interval": f"{interval}s",
        "input_series": [{"series": good["good"], "values": good_values}, second],
        "alert_rule_test": [
            {"eval_time": f"{now * interval}s", "alertname": ALERT_NAME, "exp_alerts": expected}
        ],
    }


def _absent_cases(slo: SloSpec, opts: RuleOptions) -> list[dict[str, Any]]:
    """The SLI's metric gone for ``absentFor`` tickets; present at 0, nothing."""
    rule = absent_rule(slo, opts)
    if rule is None or slo.absent_for is None:
        return []
    interval, _ = _timing(slo)
    at = (duration_s(slo.absent_for) + 300) // interval * interval
    steps = at // interval + 5
    _, good, other = sli_series(slo, opts)
    zeros = [{"series": s, "values": f"0+0x{steps}"} for s in (*good.values(), *other.values())]
    gone = {**rule, "labels": {**rule["labels"], **slo.matchers}}

    def case(
        name: str, series: list[dict[str, str]], fired: list[dict[str, Any]]
    ) -> dict[str, Any]:
        return {
            "name": f"{slo.name}: {name}",
            "interval": f"{interval}s",
            "input_series": series,
            "alert_rule_test": [
                {"eval_time": f"{at}s", "alertname": ABSENT_ALERT, "exp_alerts": fired}
            ],
        }

    return [
        case(f"the SLI metric absent for {slo.absent_for} tickets",
             [{"series": 'up{job="synclens"}', "values": f"1+0x{steps}"}],
             [expected_alert(slo, gone, grouped=False)]),
        case("the SLI metric present at 0 is not absent", zeros, []),
    ]  # fmt: skip


def slo_tests(slo: SloSpec, opts: RuleOptions, rule_file: str) -> dict[str, Any]:
    """The promtool test file of one SLO."""
    factors = sorted({w.factor for w in slo.windows})
    pages = [w.factor for w in slo.windows if w.severity == "page"]
    tickets = [w.factor for w in slo.windows if w.severity == "ticket"]
    tests = []
    if factors:
        tests.append(_case(slo, opts, "a fast burn pages", max(factors) * 1.5))
    if tickets and (not pages or max(tickets) < min(pages)):
        upper = min(pages) if pages else max(tickets) * 2
        tests.append(_case(slo, opts, "a slow burn tickets", (max(tickets) + upper) / 2))
    ended = _burst_ended(slo, opts)
    if ended is not None:
        tests.append(ended)
    tests.append(_case(slo, opts, "burning at budget pace alerts nothing", 1.0))
    tests.append(_clean(slo, opts))
    tests.append(_case(slo, opts, "zero traffic alerts nothing and has no data", None))
    tests += outage_tests(slo, opts)
    tests += _absent_cases(slo, opts)
    interval, _ = _timing(slo)
    return {
        "rule_files": [rule_file],
        "evaluation_interval": f"{interval}s",
        "group_eval_order": group_order(slo, opts),
        "tests": tests,
    }


def _op_alert(name: str, labels: dict[str, str], summary: str, opts: RuleOptions) -> dict[str, Any]:
    rule = next(
        r for g in operational_rules(opts)["groups"] for r in g["rules"] if r.get("alert") == name
    )
    return {
        "exp_labels": {**labels, **rule["labels"]},
        "exp_annotations": {**rule["annotations"], "summary": summary},
    }


def operational_tests(opts: RuleOptions, rule_file: str) -> dict[str, Any]:
    """Each operational alert fires on its fault and stays silent when healthy."""
    up = f'up{{job="{opts.job}",instance="synclens:4318"}}'
    fresh = "synclens_reconciliation_last_run_timestamp_seconds"
    healthy = [
        {"series": up, "values": "1+0x120"},
        {"series": fresh, "values": "0+60x120"},  # a run every minute
        {"series": 'synclens_undelivered{target="erp"}', "values": "3+0x120"},
        {"series": 'synclens_dead_lettered{target="erp"}', "values": "1+0x120"},
        {"series": "synclens_ingest_dropped_total", "values": "0+0x120"},
        {"series": 'synclens_bus_consumer_lag{broker="nats"}', "values": "5000+0x120"},  # steady
        {"series": "synclens_store_write_failing", "values": "0+0x120"},
        {"series": "synclens_store_write_failures_total", "values": "0+0x120"},
        {"series": 'synclens_exception_oldest_age_seconds{kind="mismatch"}', "values": "600+0x120"},
        {
            "series": 'synclens_event_sink_oldest_pending_age_seconds{sink="crm"}',
            "values": "0+0x120",
        },
    ]

    def replace(series: str, values: str) -> list[dict[str, str]]:
        return [s for s in healthy if s["series"] != series] + [
            {"series": series, "values": values}
        ]

    def fires(
        name: str, series: list[dict[str, str]], at: str, labels: dict[str, str], summary: str
    ) -> dict[str, Any]:
        return {
            "name": f"{name} fires",
            "interval": "1m",
            "input_series": series,
            "alert_rule_test": [
                {
                    "eval_time": at,
                    "alertname": name,
                    "exp_alerts": [_op_alert(name, labels, summary, opts)],
                }
            ],
        }

    job = {"job": opts.job, "instance": "synclens:4318"}
    tests = [
        {
            "name": "a healthy synclens alerts nothing",
            "interval": "1m",
            "input_series": healthy,
            "alert_rule_test": [
                {"eval_time": "110m", "alertname": name, "exp_alerts": []} for name in OPERATIONAL_ALERTS
            ],
        },
        fires("SynclensDown", replace(up, "0+0x120"), "10m", job, "synclens is down (synclens:4318)"),
        fires("SynclensAbsent", [s for s in healthy if s["series"] != up], "10m", {"job": opts.job},
              "synclens is absent from Prometheus"),
        fires("SynclensIngestRejecting",
              [*healthy, {"series": 'synclens_ingest_requests_rejected_total{endpoint="events",code="400"}',
                          "values": "0+5x120"}],
              "30m", {"endpoint": "events", "code": "400"}, "synclens refuses events requests with 400"),
        fires("SynclensEventsRejected",
              [*healthy, {"series": 'synclens_events_rejected_total{reason="bad_time"}', "values": "0+5x120"}],
              "30m", {"reason": "bad_time"}, "CloudEvents rejected: bad_time"),
        fires("SynclensIngestDropping", replace("synclens_ingest_dropped_total", "0+100x120"), "20m", {},
              "synclens ingest queue is full"),
        fires("SynclensBusLagGrowing",
              [*healthy, {"series": 'synclens_bus_consumer_lag{broker="nats"}', "values": "0+100x120"}],
              "40m", {"broker": "nats"}, "synclens falls behind on nats"),
        fires("SynclensStoreWriteFailing", replace("synclens_store_write_failing", "0x10 1x110"), "15m", {},
              "synclens cannot write its store"),
        fires("SynclensUndeliveredGrowing", replace('synclens_undelivered{target="erp"}', "0+2x120"),
              "90m", {}, "Undelivered (event, target) pairs keep growing"),
        fires("SynclensDeadLetterGrowing", replace('synclens_dead_lettered{target="erp"}', "0+2x120"),
              "90m", {}, "Dead-letter backlog keeps growing"),
        fires("SynclensExceptionsAged",
              replace('synclens_exception_oldest_age_seconds{kind="mismatch"}', "86000+60x120"),
              "30m", {"kind": "mismatch"}, "mismatch exceptions unresolved for over a day"),
        fires("SynclensReconciliationNotRun", replace(fresh, "0+0x120"), "40m", {},
              "Reconciliation has not run"),
        fires("SynclensEventSinkBehind",
              replace('synclens_event_sink_oldest_pending_age_seconds{sink="crm"}', "0+60x120"),
              "30m", {"sink": "crm"}, "Exception events to crm are falling behind"),
    ]  # fmt: skip
    return {"rule_files": [rule_file], "evaluation_interval": "1m", "tests": tests}
