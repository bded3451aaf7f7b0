"""The executive report: SLO attainment, budget, alerts and costs over a
week, a month or a quarter."""

from metrics.report.compute import ReportError, period_report
from metrics.report.period import Period, PeriodError, parse_period, period_at, recent_periods

__all__ = [
    "Period",
    "PeriodError",
    "ReportError",
    "parse_period",
    "period_at",
    "period_report",
    "recent_periods",
]
