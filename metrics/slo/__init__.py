"""SLOs: YAML specs, error budgets and burn rates, each SLO's state computed by synclens."""

from metrics.slo.spec import SloError, SloSpec, load_slos
from metrics.slo.status import evaluate, sli_counts

__all__ = ["SloError", "SloSpec", "evaluate", "load_slos", "sli_counts"]
