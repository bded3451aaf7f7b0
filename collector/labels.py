"""Bounded label values for ``/metrics`` (SPEC 6: low cardinality only).

Every label that carries a name from the data (a source system, a target,
an event type, a warehouse, a channel) takes its values from the
configuration; any other value is counted under ``other``, the overflow
series of the OpenTelemetry spanmetrics connector.  Distinct values folded
into ``other`` are counted (``synclens_label_overflow_values_total``), so an
unconfigured system shows up without growing ``/metrics``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping

from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

__all__ = ["LABELS", "OTHER", "LabelBounds"]

OTHER = "other"
#: the bounded labels; source systems and targets share the ``system`` set
LABELS = ("system", "event_type", "warehouse", "channel")
_REMEMBER = 10_000  # distinct folded values remembered per label, to count each once


class LabelBounds(Collector):
    """Folds label values outside the configured sets into :data:`OTHER`;
    also the collector of ``synclens_label_overflow_values_total``."""

    def __init__(self, allowed: Mapping[str, Iterable[str]]) -> None:
        unknown = set(allowed) - set(LABELS)
        if unknown:
            raise ValueError(f"no bounded label named {', '.join(sorted(unknown))}")
        self._allowed = {label: frozenset(allowed.get(label, ())) for label in LABELS}
        self._lock = threading.Lock()
        self._folded: dict[str, set[str]] = {label: set() for label in LABELS}
        self._overflow = dict.fromkeys(LABELS, 0)

    def allowed(self, label: str) -> frozenset[str]:
        return self._allowed[label]

    def bound(self, label: str, value: str | None) -> str:
        """``value`` when configured for ``label`` (or empty), else ``other``."""
        if not value or value in self._allowed[label]:
            return value or ""
        with self._lock:
            seen = self._folded[label]
            if value not in seen:
                self._overflow[label] += 1
                if len(seen) < _REMEMBER:
                    seen.add(value)
        return OTHER

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "synclens_label_overflow_values",
            "Distinct label values outside the configuration, counted under 'other'.",
            labels=["label"],
        )
        with self._lock:
            for label in LABELS:
                family.add_metric([label], self._overflow[label])
        yield family
