"""What ``synclens alerts generate`` and ``synclens grafana generate`` write:
Prometheus recording and alerting rules, their promtool tests, Grafana
dashboards and provisioning, and the writing and freshness check of the files."""
