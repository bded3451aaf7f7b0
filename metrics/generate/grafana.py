"""Grafana dashboards generated from code, so they cannot drift from the metric names.

Three dashboards: the executive SLO overview, the SLO detail (burn rates
and error budget of one SLO, chosen by the ``slo`` variable) and the
on-call view of ingest and delivery health; plus Grafana provisioning
files for a Prometheus data source and the dashboards folder.  Every panel
queries the metrics of :mod:`metrics.exposition`, the collectors and the
recording rules of :mod:`metrics.generate.rules`; :func:`panel_queries` lists them
so a test can run each against a real Prometheus.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from metrics.generate.options import ALERT_NAME, RuleOptions

__all__ = ["DASHBOARDS", "dashboards", "generate", "panel_queries"]

DASHBOARDS = {
    "synclens-slo-overview": "synclens — SLO overview",
    "synclens-slo-detail": "synclens — SLO detail",
    "synclens-ops": "synclens — ingest and delivery",
}
_DS = {"type": "prometheus", "uid": "${datasource}"}
_RI = "$__rate_interval"


@dataclass(frozen=True)
class _Q:
    expr: str
    legend: str = ""
    instant: bool = False


def _panel(
    kind: str,
    title: str,
    queries: list[_Q],
    *,
    unit: str = "short",
    w: int = 12,
    h: int = 8,
    description: str = "",
    decimals: int | None = None,
    thresholds: list[tuple[float | None, str]] | None = None,
) -> dict[str, Any]:
    defaults: dict[str, Any] = {"unit": unit}
    if decimals is not None:
        defaults["decimals"] = decimals
    if thresholds:
        defaults["thresholds"] = {
            "mode": "absolute",
            "steps": [{"color": c, "value": v} for v, c in thresholds],
        }
    panel: dict[str, Any] = {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": _DS,
        "gridPos": {"h": h, "w": w},
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "targets": [
            {
                "refId": chr(ord("A") + i),
                "datasource": _DS,
                "expr": q.expr,
                "legendFormat": q.legend,
                "instant": q.instant,
                "range": not q.instant,
            }
            for i, q in enumerate(queries)
        ],
    }
    if kind in ("stat", "bargauge", "gauge"):
        panel["options"] = {
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}
        }
    return panel


def _layout(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    x = y = row_h = 0
    for i, p in enumerate(panels, start=1):
        w, h = p["gridPos"]["w"], p["gridPos"]["h"]
        if x + w > 24:
            x, y, row_h = 0, y + row_h, 0
        p["id"] = i
        p["gridPos"] = {"h": h, "w": w, "x": x, "y": y}
        x, row_h = x + w, max(row_h, h)
    return panels


def _datasource_var() -> dict[str, Any]:
    return {
        "name": "datasource",
        "label": "Data source",
        "type": "datasource",
        "query": "prometheus",
    }


def _dashboard(
    uid: str,
    panels: list[dict[str, Any]],
    variables: list[dict[str, Any]],
    links: list[dict[str, Any]],
    tags: list[str],
) -> dict[str, Any]:
    return {
        "uid": uid,
        "title": DASHBOARDS[uid],
        "tags": ["synclens", *tags],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "refresh": "1m",
        "time": {"from": "now-24h", "to": "now"},
        "templating": {"list": [_datasource_var(), *variables]},
        "links": links,
        "panels": _layout(panels),
    }


def _slo_var(multi: bool) -> dict[str, Any]:
    return {
        "name": "slo",
        "label": "SLO",
        "type": "query",
        "datasource": _DS,
        "query": {"query": "label_values(synclens_slo:objective, slo)", "refId": "slo"},
        "definition": "label_values(synclens_slo:objective, slo)",
        "refresh": 2,
        "multi": multi,
        "includeAll": multi,
        "sort": 1,
    }


def _link(title: str, url: str) -> dict[str, Any]:
    return {"title": title, "type": "link", "url": url, "targetBlank": True}


#: the value of a grouped SLO's label in a legend (empty for an SLO that does not group)
_VALUE = " {{target}}{{warehouse}}{{channel}}{{event_type}}"


def _overview(opts: RuleOptions) -> dict[str, Any]:
    budget = [(None, "red"), (0.0, "orange"), (0.25, "green")]
    panels = [
        _panel("stat", "SLI over the SLO window", [_Q('synclens_slo:sli{slo=~"$slo"}', "{{slo}}" + _VALUE)],
               unit="percentunit", w=8, decimals=3,
               description="Share of good events over each SLO's rolling window. No data: too little traffic."),
        _panel("bargauge", "Error budget remaining", [_Q('synclens_slo:error_budget_remaining{slo=~"$slo"}', "{{slo}}" + _VALUE)],
               unit="percentunit", w=8, thresholds=budget,
               description="1 - burn rate over the SLO window; below 0 the budget is overspent."),
        _panel("stat", "Objectives", [_Q('synclens_slo:objective{slo=~"$slo"}', "{{slo}} ({{window}})")],
               unit="percentunit", w=8, decimals=2),
        _panel("timeseries", "First-pass success", [_Q(
            f'sum by (target) (rate(synclens_sync_pairs_total{{first_pass="true"}}[{_RI}]))\n'
            f"/ sum by (target) (rate(synclens_sync_pairs_total[{_RI}]))", "{{target}}")],
            unit="percentunit", w=12),
        _panel("timeseries", "Sync latency p95", [_Q(
            f"histogram_quantile(0.95, sum by (le, target) (rate(synclens_sync_latency_seconds_bucket[{_RI}])))",
            "{{target}}")], unit="s", w=12),
        _panel("timeseries", "Mismatch rate by warehouse", [_Q(
            'sum by (warehouse) (synclens_reconciliation_keys{result="mismatch"})\n'
            "/ sum by (warehouse) (synclens_reconciliation_keys)", "{{warehouse}}")],
            unit="percentunit", w=8),
        _panel("timeseries", "Unresolved exceptions by kind", [_Q(
            "sum by (kind) (synclens_exceptions_unresolved)", "{{kind}}")], w=8),
        _panel("stat", "Orders impacted", [_Q("synclens_orders_impacted", "orders")], w=8),
    ]  # fmt: skip
    links = [_link("Exceptions (synclens)", f"{opts.synclens_url}/api/v1/exceptions?status=open")]
    return _dashboard(
        "synclens-slo-overview", panels, [_slo_var(True)], links, ["slo", "executive"]
    )


def _detail(opts: RuleOptions) -> dict[str, Any]:
    slo = 'slo="$slo"'
    panels = [
        _panel("stat", "SLI", [_Q(f"synclens_slo:sli{{{slo}}}", "{{window}}")], unit="percentunit", w=6, decimals=3),
        _panel("stat", "Objective", [_Q(f"synclens_slo:objective{{{slo}}}", "{{window}}")], unit="percentunit", w=6, decimals=2),
        _panel("stat", "Error budget remaining", [_Q(f"synclens_slo:error_budget_remaining{{{slo}}}", "{{window}}")],
               unit="percentunit", w=6, thresholds=[(None, "red"), (0.0, "orange"), (0.25, "green")]),
        _panel("stat", "Alerts firing", [_Q(
            f'count(ALERTS{{alertname="{ALERT_NAME}",alertstate="firing",{slo}}}) or vector(0)', "alerts")],
            w=6, thresholds=[(None, "green"), (1.0, "red")]),
        _panel("timeseries", "Burn rate by window", [_Q(f"synclens_slo:burn_rate{{{slo}}}", "{{window}}" + _VALUE)], w=12,
               description="1 = spending the budget exactly over the SLO window. Alerts fire when both "
               "windows of a pair exceed its factor."),
        _panel("timeseries", "Error budget remaining over time",
               [_Q(f"synclens_slo:error_budget_remaining{{{slo}}}", "remaining" + _VALUE)], unit="percentunit", w=12),
        _panel("bargauge", "Error budget remaining per value", [_Q(
            f"synclens_slo:error_budget_remaining{{{slo}}}", "{{slo}}" + _VALUE)],
            unit="percentunit", w=24, thresholds=[(None, "red"), (0.0, "orange"), (0.25, "green")],
            description="An SLO with groupBy has one budget per value (target, warehouse, channel or "
            "event type): the lowest bar is the value that burns."),
        _panel("timeseries", "Error ratio by window", [_Q(f"synclens_slo:error_ratio{{{slo}}}", "{{window}}")],
               unit="percentunit", w=12),
        _panel("timeseries", "Events judged by window", [_Q(f"synclens_slo:requests{{{slo}}}", "{{window}}")], w=12,
               description="Events (or, for gauge SLIs, the average count) in each window; alerts need "
               "the SLO's minTraffic in the long window."),
    ]  # fmt: skip
    links = [
        _link("Runbook", f"{opts.runbook_url}#{ALERT_NAME.lower()}"),
        _link("SLO state (synclens API)", f"{opts.synclens_url}/api/v1/slos/$slo"),
        _link("SLIs by target, last hour", f"{opts.synclens_url}/api/v1/slis?window=1h&by=target"),
        _link(
            "Open exceptions (SKU, order, message)",
            f"{opts.synclens_url}/api/v1/exceptions?status=open",
        ),
    ]
    return _dashboard("synclens-slo-detail", panels, [_slo_var(False)], links, ["slo"])


def _ops(opts: RuleOptions) -> dict[str, Any]:
    job = f'job="{opts.job}"'
    panels = [
        _panel("stat", "synclens up", [_Q(f"sum(up{{{job}}})", "up")], w=6,
               thresholds=[(None, "red"), (1.0, "green")]),
        _panel("stat", "Ingest queue depth", [_Q("sum(synclens_ingest_queue_depth)", "rows")], w=6),
        _panel("stat", "Since the last reconciliation", [_Q(
            "time() - max(synclens_reconciliation_last_run_timestamp_seconds)", "age")], unit="s", w=6),
        _panel("stat", "Oldest unresolved exception", [_Q(
            "max(synclens_exception_oldest_age_seconds)", "age")], unit="s", w=6),
        _panel("timeseries", "Events received by source system", [_Q(
            f"sum by (source_system) (rate(synclens_events_received_total[{_RI}]))", "{{source_system}}")],
            unit="reqps", w=12),
        _panel("timeseries", "Spans received", [_Q(
            f"sum(rate(synclens_spans_received_total[{_RI}]))", "spans/s")], unit="reqps", w=12),
        _panel("timeseries", "Requests refused and data dropped", [
            _Q(f"sum by (endpoint, code) (rate(synclens_ingest_requests_rejected_total[{_RI}])) or vector(0)",
               "{{endpoint}} {{code}}"),
            _Q(f"sum(rate(synclens_ingest_dropped_total[{_RI}])) or vector(0)", "dropped (queue full)")],
            unit="reqps", w=12),
        _panel("timeseries", "CloudEvents rejected by reason", [_Q(
            f"sum by (reason) (rate(synclens_events_rejected_total[{_RI}])) or vector(0)", "{{reason}}")],
            unit="reqps", w=12),
        _panel("timeseries", "Delivery attempts by target and outcome", [_Q(
            f"sum by (target, outcome) (rate(synclens_sync_attempts_total[{_RI}]))", "{{target}} {{outcome}}")],
            unit="reqps", w=12),
        _panel("timeseries", "Retries and replays by target", [_Q(
            f'sum by (target, kind) (rate(synclens_sync_attempts_total{{kind!="first"}}[{_RI}])) or vector(0)',
            "{{target}} {{kind}}")], unit="reqps", w=12),
        _panel("timeseries", "Undelivered pairs by target", [_Q("sum by (target) (synclens_undelivered)", "{{target}}")], w=12),
        _panel("timeseries", "Dead-lettered pairs by target", [_Q("sum by (target) (synclens_dead_lettered)", "{{target}}")], w=12),
    ]  # fmt: skip
    links = [_link("Runbook", opts.runbook_url)]
    return _dashboard("synclens-ops", panels, [], links, ["on-call"])


def dashboards(opts: RuleOptions) -> dict[str, dict[str, Any]]:
    """uid -> dashboard JSON model."""
    return {
        "synclens-slo-overview": _overview(opts),
        "synclens-slo-detail": _detail(opts),
        "synclens-ops": _ops(opts),
    }


def panel_queries(dashboard: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(panel title, PromQL) for every query of every panel."""
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            yield panel["title"], target["expr"]


def _provisioning(opts: RuleOptions) -> dict[str, str]:
    header = "# Generated by `synclens grafana generate`. Do not edit: regenerate.\n"
    datasource = {
        "apiVersion": 1,
        "datasources": [
            {
                "name": "Prometheus",
                "type": "prometheus",
                "uid": "prometheus",
                "access": "proxy",
                "url": "http://127.0.0.1:9090",
                "isDefault": True,
            }
        ],
    }
    provider = {
        "apiVersion": 1,
        "providers": [
            {
                "name": "synclens",
                "folder": "synclens",
                "type": "file",
                "disableDeletion": False,
                "allowUiUpdates": False,
                "options": {
                    "path": "/var/lib/grafana/dashboards/synclens",
                    "foldersFromFilesStructure": False,
                },
            }
        ],
    }

    def dump(doc: dict[str, Any]) -> str:
        return header + yaml.safe_dump(doc, sort_keys=False)

    return {
        "provisioning/datasources/synclens.yml": dump(datasource),
        "provisioning/dashboards/synclens.yml": dump(provider),
    }


def generate(opts: RuleOptions) -> dict[str, str]:
    """Every generated file under ``grafana/``: relative path -> text."""
    files = {
        f"dashboards/{uid}.json": json.dumps(model, indent=2, ensure_ascii=False) + "\n"
        for uid, model in dashboards(opts).items()
    }
    files.update(_provisioning(opts))
    return files
