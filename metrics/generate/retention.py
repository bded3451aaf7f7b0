"""Whether Prometheus keeps enough history for the rules: ``increase(...[28d])``
over a 28-day SLO window needs at least 28 days of samples, and Prometheus
keeps 15 days unless ``--storage.tsdb.retention.time`` says otherwise."""

from __future__ import annotations

import re
from collections.abc import Sequence

from metrics.slo.spec import SloSpec, duration_s

__all__ = ["retention_s", "retention_warnings"]

_YEARS = re.compile(r"^(\d+)y$")


def retention_s(text: str) -> int:
    """A Prometheus retention (``15d``, ``720h``, ``1y``) in seconds."""
    years = _YEARS.match(text.strip())
    return int(years.group(1)) * 365 * 86_400 if years else duration_s(text)


def retention_warnings(slos: Sequence[SloSpec], retention: str) -> list[str]:
    """One line per SLO whose longest window exceeds ``retention``."""
    keep = retention_s(retention)
    out = []
    for slo in slos:
        longest = max(slo.all_windows, key=duration_s)
        if duration_s(longest) > keep:
            out.append(
                f"warning: SLO {slo.name}: its {longest} window needs {longest} of samples but "
                f"Prometheus keeps {retention}: its SLI and error budget would cover only "
                f"{retention}; start Prometheus with --storage.tsdb.retention.time={longest} "
                "or more"
            )
    return out
