"""Exception gauges, computed at scrape time (SPEC 6).

One custom collector, registered on the app's own registry: it reads the
unresolved exceptions from the operational store (and, for the orders they
impact, the events in DuckDB) each time Prometheus scrapes; it keeps no
copy of its own.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from collector.locations import LocationMap
from collector.store import Store
from collector.timefmt import NS_PER_S
from metrics.exceptions.impact import orders_impacted
from metrics.exceptions.store import ExceptionStore
from metrics.exceptions.tables import KINDS

__all__ = ["AGE_BUCKETS", "ExceptionMetrics", "age_bucket"]

#: (label, upper bound in seconds) of ``synclens_exceptions_unresolved``'s age_bucket
AGE_BUCKETS: tuple[tuple[str, float], ...] = (
    ("lt_1h", 3600.0),
    ("1h_4h", 4 * 3600.0),
    ("4h_24h", 24 * 3600.0),
    ("gt_24h", float("inf")),
)


def age_bucket(age_s: float) -> str:
    for label, bound in AGE_BUCKETS:
        if age_s < bound:
            return label
    return AGE_BUCKETS[-1][0]


class ExceptionMetrics(Collector):
    def __init__(
        self,
        store: Store,
        exceptions: ExceptionStore,
        clock: Callable[[], int],
        locations: LocationMap,
    ) -> None:
        self._store = store
        self._exceptions = exceptions
        self._clock = clock
        self._locations = locations

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(self._families())

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self._clock()
        unresolved, oldest, orders = self._families()
        with self._store.reader() as cur:
            orders.add_metric(
                [], orders_impacted(cur, self._exceptions.unresolved_keys(), self._locations)
            )
        counts: Counter[tuple[str, str]] = Counter()
        ages: dict[str, float] = defaultdict(float)
        for kind, opened_ns in self._exceptions.unresolved_summary():
            age = max(0.0, (now - opened_ns) / NS_PER_S)
            counts[(kind, age_bucket(age))] += 1
            ages[kind] = max(ages[kind], age)
        for kind in KINDS:
            for label, _ in AGE_BUCKETS:
                unresolved.add_metric([kind, label], counts[(kind, label)])
            oldest.add_metric([kind], ages[kind])
        yield from (unresolved, oldest, orders)

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                "synclens_exceptions_unresolved",
                "Open + acknowledged exceptions by kind and age bucket.",
                labels=["kind", "age_bucket"],
            ),
            GaugeMetricFamily(
                "synclens_exception_oldest_age_seconds",
                "Age of the oldest unresolved exception of each kind (0: none).",
                labels=["kind"],
            ),
            GaugeMetricFamily(
                "synclens_orders_impacted",
                "Distinct order ids on events of an (sku, location) with an unresolved exception.",
            ),
        )
