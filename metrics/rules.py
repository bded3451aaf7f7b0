"""Prometheus recording and alerting rules generated from the SLO specs.

Per SLO, one recording group computes, for every window the SLO uses
(``window`` label), the errors and the requests in the window, the error
ratio, the burn rate, and over the SLO window the SLI and the error budget
remaining; one alerting group holds a multiwindow, multi-burn-rate alert
(``SynclensErrorBudgetBurn``) per window pair of its policy.  A window with
no traffic has no error ratio at all (``x / (requests > 0)``), so zero
traffic is "no data", never NaN; an alert also needs the SLO's minimum
traffic in its long window.  The operational alerts (collector down, ingest
refusing, backlogs, aged exceptions, reconciliation not run) live in one
more file.  :func:`generate` returns every file's text, so the CLI writes
them and a test compares them with the committed ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from metrics.facts import LATENCY_BOUNDS_S
from metrics.slo.spec import AGING_BUCKETS, BurnWindow, SloSpec, duration_s

__all__ = [
    "ALERT_NAME",
    "OPERATIONAL_ALERTS",
    "RuleOptions",
    "dump_yaml",
    "generate",
    "operational_rules",
    "sli_series",
    "slo_rules",
    "stale_files",
    "write_files",
]

ALERT_NAME = "SynclensErrorBudgetBurn"
#: every operational alert this module writes (each is documented in docs/alerts.md)
OPERATIONAL_ALERTS = (
    "SynclensDown",
    "SynclensAbsent",
    "SynclensIngestRejecting",
    "SynclensEventsRejected",
    "SynclensIngestDropping",
    "SynclensUndeliveredGrowing",
    "SynclensDeadLetterGrowing",
    "SynclensExceptionsAged",
    "SynclensReconciliationNotRun",
)
#: an SLI's drill-down: the exception kind that holds its evidence (SKU, order, message)
_EVIDENCE_KIND = {
    "latency": "undelivered",
    "first_pass": "dead_lettered",
    "api_failure": "dead_lettered",
    "mismatch": "mismatch",
    "exception_aging": None,
}


@dataclass(frozen=True)
class RuleOptions:
    """What the rules need besides the SLOs; defaults match the shipped settings."""

    runbook_url: str = "https://github.com/synclens/synclens/blob/main/docs/alerts.md"
    grafana_url: str = "http://127.0.0.1:3000"
    synclens_url: str = "http://127.0.0.1:4318"
    job: str = "synclens"
    #: latency objective (seconds) per event type; others use ``default_latency_objective_s``
    latency_objectives: Mapping[str, float] = field(default_factory=dict)
    default_latency_objective_s: float = 60.0
    reconciliation_interval_s: float = 300.0


# -- the SLI in PromQL -----------------------------------------------------------------


def _le(seconds: float) -> str:
    if seconds not in LATENCY_BOUNDS_S:
        raise ValueError(
            f"latency objective {seconds} s is not a bucket bound of synclens_sync_latency_seconds "
            f"({', '.join(str(b) for b in LATENCY_BOUNDS_S)})"
        )
    return repr(float(seconds))


def _latency_good(window: str, opts: RuleOptions) -> str:
    by_objective: dict[float, list[str]] = {}
    for event_type, seconds in sorted(opts.latency_objectives.items()):
        if seconds != opts.default_latency_objective_s:
            by_objective.setdefault(seconds, []).append(event_type)
    bucket = "synclens_sync_latency_seconds_bucket"
    if not by_objective:
        return f'sum(increase({bucket}{{le="{_le(opts.default_latency_objective_s)}"}}[{window}]))'
    special = sorted(t for types in by_objective.values() for t in types)
    parts = [
        f'increase({bucket}{{le="{_le(opts.default_latency_objective_s)}",'
        f'event_type!~"{"|".join(special)}"}}[{window}])'
    ]
    for seconds, types in sorted(by_objective.items()):
        parts.append(
            f'increase({bucket}{{le="{_le(seconds)}",event_type=~"{"|".join(types)}"}}[{window}])'
        )
    return "sum(" + " or ".join(parts) + ")"


def _counter_sli(slo: SloSpec, window: str, opts: RuleOptions) -> tuple[str, str]:
    """(errors, requests) in ``window`` for a counter-based SLI."""
    if slo.sli in ("first_pass", "api_failure"):
        metric, bad = (
            ("synclens_sync_pairs_total", 'first_pass="false"')
            if slo.sli == "first_pass"
            else ("synclens_sync_attempts_total", 'outcome="failure"')
        )
        total = f"sum(increase({metric}[{window}]))"
        # no bad series at all is 0 errors, as long as there is traffic
        return f"sum(increase({metric}{{{bad}}}[{window}]))\n  or 0 * {total}", total
    total = f"sum(increase(synclens_sync_latency_seconds_count[{window}]))"
    return f"clamp_min({total} - {_latency_good(window, opts)}, 0)", total


def _gauge_sli(slo: SloSpec) -> tuple[str, str]:
    """(errors, requests) now, for a gauge-based SLI (averaged over each window)."""
    if slo.sli == "mismatch":
        metric, bad = "synclens_reconciliation_keys", 'result="mismatch"'
    else:
        metric = "synclens_exceptions_unresolved"
        bad = f'age_bucket=~"{"|".join(AGING_BUCKETS[slo.aging_objective])}"'
    return f"sum({metric}{{{bad}}}) or 0 * sum({metric})", f"sum({metric})"


def sli_series(slo: SloSpec, opts: RuleOptions) -> tuple[str, dict[str, str], dict[str, str]]:
    """For tests: (kind, good series, bad series) that feed the SLI, as metric -> series.

    ``kind`` is ``counter`` (values grow) or ``gauge`` (values hold).
    """
    if slo.sli == "first_pass":
        base = 'synclens_sync_pairs_total{target="erp",first_pass="%s"}'
        return "counter", {"good": base % "true"}, {"bad": base % "false"}
    if slo.sli == "api_failure":
        base = 'synclens_sync_attempts_total{target="erp",outcome="%s",kind="first"}'
        return "counter", {"good": base % "success"}, {"bad": base % "failure"}
    if slo.sli == "latency":
        le = _le(opts.default_latency_objective_s)
        labels = 'target="erp",event_type="synclens.test"'
        return (
            "counter",
            {"good": f'synclens_sync_latency_seconds_bucket{{{labels},le="{le}"}}'},
            {"total": f"synclens_sync_latency_seconds_count{{{labels}}}"},
        )
    if slo.sli == "mismatch":
        base = 'synclens_reconciliation_keys{warehouse="DC-EAST",channel="",result="%s"}'
        return "gauge", {"good": base % "match"}, {"bad": base % "mismatch"}
    aged = AGING_BUCKETS[slo.aging_objective][0]
    base = 'synclens_exceptions_unresolved{kind="mismatch",age_bucket="%s"}'
    return "gauge", {"good": base % "lt_1h"}, {"bad": base % aged}


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


def _alert(slo: SloSpec, w: BurnWindow, opts: RuleOptions) -> dict[str, Any]:
    def burn(window: str) -> str:
        return f"max without (window) ({_sel('synclens_slo:burn_rate', slo, window)})"

    requests = f"max without (window) ({_sel('synclens_slo:requests', slo, w.long)})"
    factor = _num(w.factor)
    expr = (
        f"{burn(w.long)} > {factor}\n"
        f"and {burn(w.short)} > {factor}\n"
        f"and {requests} >= {_num(slo.min_traffic)}"
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
    alert["annotations"] = {
        "summary": f"{slo.display_name}: error budget burning over {factor}x "
        f"({w.long}/{w.short} windows)",
        "description": f"{slo.display_name} (SLI {slo.sli}, objective "
        f"{slo.objective * 100:g}% over {slo.window}) burned its error budget more than "
        f"{factor} times faster than sustainable over the last {w.long} and the last "
        f"{w.short}. At this pace the {slo.window} budget is gone within {_hours(f'{max(1, int(exhaust))}s')}.",
        "runbook_url": f"{opts.runbook_url}#{ALERT_NAME.lower()}",
        "dashboard_url": f"{opts.grafana_url}/d/synclens-slo-detail/synclens-slo-detail"
        f"?var-slo={slo.name}",
        "breakdown_url": f"{opts.synclens_url}/api/v1/slis?window={w.long}&by=target",
        "evidence_url": evidence,
    }
    return alert


def slo_rules(slo: SloSpec, opts: RuleOptions) -> dict[str, Any]:
    """The rule file of one SLO: its recording group and its alerting group."""
    groups: list[dict[str, Any]] = [
        {"name": f"synclens-slo-{slo.name}-recording", "rules": _recording(slo, opts)}
    ]
    if slo.windows:
        groups.append(
            {
                "name": f"synclens-slo-{slo.name}-alerts",
                "rules": [_alert(slo, w, opts) for w in slo.windows],
            }
        )
    return {"groups": groups}


def _op(
    name: str,
    expr: str,
    for_: str,
    severity: str,
    summary: str,
    description: str,
    opts: RuleOptions,
) -> dict[str, Any]:
    return {
        "alert": name,
        "expr": expr,
        "for": for_,
        "labels": {"severity": severity, "team": "integration"},
        "annotations": {
            "summary": summary,
            "description": description,
            "runbook_url": f"{opts.runbook_url}#{name.lower()}",
            "dashboard_url": f"{opts.grafana_url}/d/synclens-ops/synclens-ingest-and-delivery",
        },
    }


def operational_rules(opts: RuleOptions) -> dict[str, Any]:
    """Alerts on the pipeline itself: down, refusing data, backlogs, stale reconciliation."""
    job = opts.job
    stale_s = int(max(900.0, 3 * opts.reconciliation_interval_s))
    recording = [
        {"record": "synclens:undelivered:sum", "expr": "sum(synclens_undelivered)"},
        {"record": "synclens:dead_lettered:sum", "expr": "sum(synclens_dead_lettered)"},
    ]
    alerts = [
        _op("SynclensDown", f'up{{job="{job}"}} == 0', "2m", "page",
            "synclens is down ({{ $labels.instance }})",
            "Prometheus cannot scrape synclens: ingest, SLIs and alerts are blind.", opts),
        _op("SynclensAbsent", f'absent(up{{job="{job}"}})', "5m", "page",
            "synclens is absent from Prometheus",
            f'No target of job "{job}" exists: synclens is not deployed or not discovered.', opts),
        _op("SynclensIngestRejecting",
            'sum by (endpoint, code) (rate(synclens_ingest_requests_rejected_total{code!~"429|503"}[5m])) > 0',
            "15m", "ticket",
            "synclens refuses {{ $labels.endpoint }} requests with {{ $labels.code }}",
            "A sender keeps posting requests synclens refuses whole (bad body, auth, size, "
            "content type): their data is not stored.", opts),
        _op("SynclensEventsRejected",
            "sum by (reason) (rate(synclens_events_rejected_total[5m])) > 0", "15m", "ticket",
            "CloudEvents rejected: {{ $labels.reason }}",
            "A source keeps sending CloudEvents that fail validation; they are not stored.", opts),
        _op("SynclensIngestDropping", "sum(rate(synclens_ingest_dropped_total[5m])) > 0", "10m",
            "page", "synclens ingest queue is full",
            "Ingest answers 429/503 because the store's writer cannot keep up; senders retry "
            "but their own queues may overflow.", opts),
        _op("SynclensUndeliveredGrowing",
            "synclens:undelivered:sum > 0 and delta(synclens:undelivered:sum[30m]) > 0", "30m",
            "ticket", "Undelivered (event, target) pairs keep growing",
            "Events pass their delivery deadline without a successful attempt, more every "
            "half hour: a target or the middleware is not delivering.", opts),
        _op("SynclensDeadLetterGrowing",
            "synclens:dead_lettered:sum > 0 and delta(synclens:dead_lettered:sum[30m]) > 0", "30m",
            "ticket", "Dead-letter backlog keeps growing",
            "Messages are parked in dead-letter queues faster than they are replayed.", opts),
        _op("SynclensExceptionsAged",
            "max by (kind) (synclens_exception_oldest_age_seconds) > 86400", "10m", "ticket",
            "{{ $labels.kind }} exceptions unresolved for over a day",
            "The oldest unresolved exception of this kind is more than 24 h old.", opts),
        _op("SynclensReconciliationNotRun",
            f"time() - max(synclens_reconciliation_last_run_timestamp_seconds) > {stale_s}\n"
            "or absent(synclens_reconciliation_last_run_timestamp_seconds)",
            "10m", "ticket", "Reconciliation has not run",
            f"No reconciliation run finished in the last {stale_s} s (or ever): the mismatch "
            "SLI and mismatch exceptions are stale.", opts),
    ]  # fmt: skip
    assert tuple(a["alert"] for a in alerts) == OPERATIONAL_ALERTS
    return {
        "groups": [
            {"name": "synclens-operational-recording", "rules": recording},
            {"name": "synclens-operational", "rules": alerts},
        ]
    }


# -- files -----------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_yaml(doc: Any, header: str) -> str:
    body = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, width=120, allow_unicode=True)
    return "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines()) + body


def generate(slos: Sequence[SloSpec], opts: RuleOptions) -> dict[str, str]:
    """Every generated file under ``alerts/``: relative path -> text."""
    from metrics.slo.promtool import operational_tests, slo_tests

    header = "Generated by `synclens alerts generate` from {src}. Do not edit: regenerate."
    files: dict[str, str] = {}
    for slo in slos:
        src = f"slos/{slo.source}" if slo.source else "an SLO file"
        files[f"{slo.name}.rules.yml"] = dump_yaml(slo_rules(slo, opts), header.format(src=src))
        files[f"tests/{slo.name}.test.yml"] = dump_yaml(
            slo_tests(slo, opts, f"../{slo.name}.rules.yml"),
            header.format(src=src) + "\nRun: promtool test rules alerts/tests/*.yml",
        )
    files["operational.rules.yml"] = dump_yaml(
        operational_rules(opts), header.format(src="metrics/rules.py")
    )
    files["tests/operational.test.yml"] = dump_yaml(
        operational_tests(opts, "../operational.rules.yml"),
        header.format(src="metrics/rules.py") + "\nRun: promtool test rules alerts/tests/*.yml",
    )
    return files


def write_files(files: Mapping[str, str], out: Path) -> list[Path]:
    """Write generated files under ``out``; returns the paths written."""
    written = []
    for rel, text in sorted(files.items()):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale_files(files: Mapping[str, str], out: Path) -> list[str]:
    """Generated files whose copy under ``out`` is missing or differs."""
    return [
        rel
        for rel, text in sorted(files.items())
        if not (out / rel).is_file() or (out / rel).read_text(encoding="utf-8") != text
    ]
