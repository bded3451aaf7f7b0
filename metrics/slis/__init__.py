"""SPEC 4's business SLIs over any window, overall or by a dimension."""

from metrics.slis.compute import (
    DIMENSIONS,
    MAX_WINDOW_DAYS,
    Dimension,
    Excluded,
    PartResult,
    SliPart,
    compute_slis,
    failures_by_target,
    parse_window,
    ratio,
)
from metrics.slis.engine import SliEngine
from metrics.slis.parts import exceptions_part, reconciliation_part

__all__ = [
    "DIMENSIONS",
    "MAX_WINDOW_DAYS",
    "Dimension",
    "Excluded",
    "PartResult",
    "SliEngine",
    "SliPart",
    "compute_slis",
    "exceptions_part",
    "failures_by_target",
    "parse_window",
    "ratio",
    "reconciliation_part",
]
