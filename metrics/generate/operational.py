"""Operational alerts: on the pipeline itself (collector down, ingest refusing,
backlogs, aged exceptions, reconciliation not run), whatever the SLOs."""

from __future__ import annotations

from typing import Any

from metrics.generate.options import RuleOptions

__all__ = ["OPERATIONAL_ALERTS", "operational_rules"]

#: every operational alert this module writes (each is documented in docs/alerts.md)
OPERATIONAL_ALERTS = (
    "SynclensDown",
    "SynclensAbsent",
    "SynclensIngestRejecting",
    "SynclensEventsRejected",
    "SynclensIngestDropping",
    "SynclensBusLagGrowing",
    "SynclensStoreWriteFailing",
    "SynclensUndeliveredGrowing",
    "SynclensDeadLetterGrowing",
    "SynclensExceptionsAged",
    "SynclensReconciliationNotRun",
    "SynclensEventSinkBehind",
)


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
    """Alerts on the pipeline itself: down, refusing data, a failing disk,
    backlogs, stale reconciliation."""
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
            'sum by (endpoint, code) (rate(synclens_ingest_requests_rejected_total'
            '{code!~"429|503|RESOURCE_EXHAUSTED|UNAVAILABLE"}[5m])) > 0',
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
        _op("SynclensBusLagGrowing",
            "max by (broker) (synclens_bus_consumer_lag) > 1000\n"
            "and max by (broker) (delta(synclens_bus_consumer_lag[15m])) > 0",
            "15m", "ticket", "synclens falls behind on {{ $labels.broker }}",
            "More than 1000 CloudEvents wait on the broker for synclens's consumer and the "
            "backlog keeps growing: lineage and SLIs lag behind the systems.", opts),
        _op("SynclensStoreWriteFailing",
            "max(synclens_store_write_failing) > 0\n"
            "or sum(increase(synclens_store_write_failures_total[10m])) > 0", "1m", "page",
            "synclens cannot write its store",
            "Commits or checkpoints of the DuckDB store fail on the disk (full, I/O error): ingest "
            "answers 503 and senders retry; /readyz says why. Free space: ingest resumes by itself, "
            "or the service exits and its supervisor restarts it.", opts),
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
        _op("SynclensEventSinkBehind",
            "max by (sink) (synclens_event_sink_oldest_pending_age_seconds) > 900", "5m",
            "ticket", "Exception events to {{ $labels.sink }} are falling behind",
            "The oldest exception event not yet delivered to this sink is over 15 minutes old: "
            "the receiver is down or refusing (see synclens_event_sink_failures_total); "
            "events wait in the outbox and go out once it answers.", opts),
    ]  # fmt: skip
    assert tuple(a["alert"] for a in alerts) == OPERATIONAL_ALERTS
    return {
        "groups": [
            {"name": "synclens-operational-recording", "rules": recording},
            {"name": "synclens-operational", "rules": alerts},
        ]
    }
