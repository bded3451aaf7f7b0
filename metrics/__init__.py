"""What synclens computes from the store.

Data flows one way through the subpackages, each named for its concern:

- ``facts``: SPEC 2's per-pair facts, kept current from the store's group commits;
- ``reconciliation``: the ownership model, comparing snapshots, the stored runs,
  the scheduled pass and its telemetry;
- ``exceptions``: the operational store (SQLAlchemy), the detectors, owner
  routing, Alertmanager push and exception telemetry;
- ``slis``: SPEC 4's SLIs over any window, from the facts and the parts above;
- ``slo``: SLO specs, error budgets and burn rates;
- ``exposition``: the Prometheus collectors of SPEC 6's sync metrics;
- ``generate``: Prometheus rules, their promtool tests and Grafana dashboards;
- ``api``: the query API's routers.

``collector`` is below it (nothing here is imported by ``collector``), the
dashboards and the shell (``synclens``) above it.
"""

__all__ = ["STORE_MIGRATIONS"]

#: packages whose ``migrations/NNNN_*.sql`` the store applies after the
#: collector's: the derived pair facts, then reconciliation's tables
STORE_MIGRATIONS: tuple[str, ...] = ("metrics", "metrics.reconciliation")
