"""Grafana dashboards from code: every query names a metric that synclens or its rules produce."""

from __future__ import annotations

import json
import re
from pathlib import Path

from metrics.generate import grafana
from metrics.generate.files import alert_files
from metrics.generate.options import RuleOptions
from metrics.slo import load_slos

ROOT = Path(__file__).resolve().parents[3]


def _known_names() -> set[str]:
    doc = (ROOT / "docs" / "metrics.md").read_text()
    names = set(re.findall(r"`(synclens_[a-z_]+)`", doc))
    for name in list(names):  # histogram series
        names |= {f"{name}_bucket", f"{name}_count", f"{name}_sum"}
    rules = "".join(alert_files(load_slos(), RuleOptions()).values())
    names |= set(re.findall(r"record: (\S+)", rules))
    return names | {"up", "ALERTS"}


def test_three_dashboards_with_unique_panel_ids() -> None:
    boards = grafana.dashboards(RuleOptions())
    assert set(boards) == {"synclens-slo-overview", "synclens-slo-detail", "synclens-ops"}
    for uid, board in boards.items():
        assert board["uid"] == uid
        ids = [p["id"] for p in board["panels"]]
        assert len(ids) == len(set(ids))
        for p in board["panels"]:
            assert p["gridPos"]["x"] + p["gridPos"]["w"] <= 24
            assert p["targets"], p["title"]


def test_every_query_uses_known_metrics() -> None:
    known = _known_names()
    for board in grafana.dashboards(RuleOptions()).values():
        for title, expr in grafana.panel_queries(board):
            used = set(re.findall(r"\b(synclens[a-z_:]*|up|ALERTS)\b(?=[{\[)\s]|$)", expr))
            assert used, (title, expr)
            assert used <= known, (title, used - known)


def test_detail_dashboard_has_an_slo_variable_and_evidence_links() -> None:
    board = grafana.dashboards(RuleOptions(synclens_url="http://synclens:4318"))[
        "synclens-slo-detail"
    ]
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert "label_values(synclens_slo:objective, slo)" in variables["slo"]["definition"]
    urls = [link["url"] for link in board["links"]]
    assert any(u.startswith("http://synclens:4318/api/v1/exceptions") for u in urls)
    assert any("docs/alerts.md" in u for u in urls)


def test_provisioning_files_and_json_are_valid() -> None:
    files = grafana.generate(RuleOptions())
    assert "provisioning/datasources/synclens.yml" in files
    assert "provisioning/dashboards/synclens.yml" in files
    for rel, text in files.items():
        if rel.endswith(".json"):
            assert json.loads(text)["schemaVersion"] >= 36
