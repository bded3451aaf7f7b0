"""SLOs: YAML specs, their state computed by synclens, and telemetry for the alert rules."""

from metrics.slo.spec import SloError, SloSpec, load_slos
from metrics.slo.status import evaluate, sli_counts

__all__ = ["SloError", "SloSpec", "evaluate", "load_slos", "sli_counts"]
