"""What generated rules and dashboards need besides the SLOs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["ABSENT_ALERT", "ALERT_NAME", "MAINTENANCE_ALERT", "OUTAGE_ALERT", "RuleOptions"]

ALERT_NAME = "SynclensErrorBudgetBurn"
#: a target with attempts and no success for a while, whatever its volume
OUTAGE_ALERT = "SynclensTargetOutage"
#: the metric an SLO's SLI is computed from is gone
ABSENT_ALERT = "SynclensSLOMetricAbsent"
#: a planned maintenance window is on (Alertmanager inhibits alerts of its scope)
MAINTENANCE_ALERT = "SynclensMaintenance"


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
    #: recording rules of windows at least this long go to their own rule group ...
    long_window_s: int = 86_400
    #: ... evaluated this often (under Prometheus's 5 m lookback, so never stale)
    long_window_interval: str = "2m"
