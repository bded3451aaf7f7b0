"""OpenSLO v1: every shipped SLO and every option survive export then import;
hand-written OpenSLO documents import; unsupported ones are refused with
their reason; the CLI writes and reads the files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from metrics.slo import SloError, SloSpec, load_slos
from metrics.slo.openslo import from_openslo, to_openslo
from metrics.slo.spec import slo_from_mapping
from synclens.cli import main

OPTIONS = """\
apiVersion: synclens/v1
kind: SLO
metadata: {name: erp-monthly, displayName: ERP month, labels: {team: erp}}
spec:
  description: ERP API calls, judged per calendar month in Berlin.
  sli: api_failure
  objective: 0.99
  window: 30d
  calendar: month
  timeZone: Europe/Berlin
  matchers: {target: erp}
  minTraffic: 500
  alerting:
    ticket: false
    outage: {minAttempts: 5, window: 15m, for: 5m}
    absentFor: 1h
---
apiVersion: synclens/v1
kind: SLO
metadata: {name: latency-by-type}
spec:
  sli: latency
  objective: 0.95
  window: 7d
  groupBy: event_type
  alerting:
    windows:
      - {severity: page, long: 1h, short: 5m, burnRate: 10, for: 2m}
"""

HAND_WRITTEN = """\
apiVersion: openslo/v1
kind: Service
metadata: {name: inventory}
spec: {description: Inventory sync}
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: first-pass-quarter
  displayName: First pass, by quarter
  labels: {team: [integration, ops]}
spec:
  service: inventory
  indicator:
    metadata: {name: first-pass}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: synclens, spec: {sli: first_pass, events: good, groupBy: target}}}
        total: {metricSource: {type: synclens, spec: {sli: first_pass, events: total, groupBy: target}}}
  timeWindow:
    - duration: 1Q
      isRolling: false
      calendar: {startTime: "2026-01-01 00:00:00", timeZone: UTC}
  budgetingMethod: Occurrences
  objectives:
    - {displayName: good, targetPercent: 99.5}
"""


def _comparable(slo: SloSpec) -> dict[str, Any]:
    return slo.model_dump(exclude={"source", "document"})


def _round_trip(slos: list[SloSpec]) -> list[SloSpec]:
    docs = [d for slo in slos for d in to_openslo(slo)]
    text = yaml.safe_dump_all(docs)  # through YAML, as the CLI writes it
    back = from_openslo([(f"doc {i}", d) for i, d in enumerate(yaml.safe_load_all(text))])
    return [slo_from_mapping(d, "round trip") for d in back]


def test_shipped_slos_round_trip() -> None:
    slos = load_slos()
    assert [_comparable(s) for s in _round_trip(slos)] == [_comparable(s) for s in slos]


def test_every_option_round_trips(tmp_path: Path) -> None:
    (tmp_path / "o.yaml").write_text(OPTIONS)
    slos = load_slos(tmp_path)
    assert [_comparable(s) for s in _round_trip(slos)] == [_comparable(s) for s in slos]
    sli, slo = to_openslo(slos[0])
    assert slo["spec"]["timeWindow"] == [
        {
            "duration": "1M",
            "isRolling": False,
            "calendar": {"startTime": "2020-01-01 00:00:00", "timeZone": "Europe/Berlin"},
        }
    ]
    assert slo["spec"]["indicatorRef"] == sli["metadata"]["name"]
    assert sli["spec"]["ratioMetric"]["bad"]["metricSource"]["spec"] == {
        "sli": "api_failure",
        "matchers": {"target": "erp"},
        "events": "bad",
    }


def test_a_hand_written_openslo_file_imports() -> None:
    (doc,) = from_openslo([(f"d{i}", d) for i, d in enumerate(yaml.safe_load_all(HAND_WRITTEN))])
    slo = slo_from_mapping(doc, "imported")
    assert (slo.sli, slo.objective, slo.calendar, slo.window) == (
        "first_pass",
        0.995,
        "quarter",
        "90d",
    )
    assert slo.group_by == "target" and slo.labels == {"team": "integration,ops"}


def _slo_with(**changes: Any) -> dict[str, Any]:
    base = list(yaml.safe_load_all(HAND_WRITTEN))[1]
    spec = base["spec"]
    for key, value in changes.items():
        if value is None:
            spec.pop(key)
        else:
            spec[key] = value
    return base


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        ({"apiVersion": "openslo/v1alpha", "kind": "SLO"}, "only openslo/v1"),
        ({"apiVersion": "openslo/v1", "kind": "AlertPolicy"}, "AlertPolicy.* not supported"),
        (_slo_with(budgetingMethod="Timeslices"), "Occurrences only"),
        (_slo_with(objectives=[{"target": 0.9}, {"target": 0.99}]), "exactly one objective"),
        (_slo_with(timeWindow=[{"duration": "1Y", "isRolling": False}]), "1w, 1M and 1Q"),
        (_slo_with(timeWindow=[{"duration": "1M", "isRolling": True}]), "in days"),
        (_slo_with(indicator=None, indicatorRef="nowhere"), "no SLI document"),
        (
            _slo_with(indicator={"spec": {"thresholdMetric": {"metricSource": {}}}}),
            "thresholdMetric",
        ),
        (
            _slo_with(
                indicator={
                    "spec": {
                        "ratioMetric": {
                            "good": {
                                "metricSource": {"type": "Prometheus", "spec": {"query": "up"}}
                            },
                            "total": {
                                "metricSource": {"type": "Prometheus", "spec": {"query": "up"}}
                            },
                        }
                    }
                }
            ),
            "only 'synclens' sources",
        ),
        (
            _slo_with(
                indicator={
                    "spec": {
                        "ratioMetric": {
                            "good": {
                                "metricSource": {"type": "synclens", "spec": {"sli": "latency"}}
                            },
                            "total": {
                                "metricSource": {"type": "synclens", "spec": {"sli": "first_pass"}}
                            },
                        }
                    }
                }
            ),
            "different SLIs",
        ),
    ],
)
def test_unsupported_documents_are_refused(doc: dict[str, Any], reason: str) -> None:
    with pytest.raises(SloError, match=reason) as info:
        from_openslo([("f.yaml (document 1)", doc)])
    assert "f.yaml (document 1)" in str(info.value)


def test_the_cli_exports_and_imports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "slos").mkdir()
    (tmp_path / "slos" / "o.yaml").write_text(OPTIONS)
    out = tmp_path / "openslo.yaml"
    assert main(["slo", "export", "--slo-dir", str(tmp_path / "slos"), "--out", str(out)]) == 0
    assert main(["slo", "import", str(out), "--out", str(tmp_path / "back")]) == 0
    assert sorted(p.name for p in (tmp_path / "back").iterdir()) == [
        "erp-monthly.yaml",
        "latency-by-type.yaml",
    ]
    again = load_slos(tmp_path / "back")
    assert [_comparable(s) for s in again] == [_comparable(s) for s in load_slos(tmp_path / "slos")]
    capsys.readouterr()
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: openslo/v1\nkind: DataSource\nmetadata: {name: x}\n")
    assert main(["slo", "import", str(bad)]) == 2
    assert "kind 'DataSource' is not supported" in capsys.readouterr().err
