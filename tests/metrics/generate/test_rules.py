"""Generated Prometheus rules: committed files are fresh, promtool accepts and passes them."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from metrics.generate.files import alert_files, write_files
from metrics.generate.operational import OPERATIONAL_ALERTS
from metrics.generate.options import ABSENT_ALERT, ALERT_NAME, OUTAGE_ALERT, RuleOptions
from metrics.generate.rules import slo_rules
from metrics.slo import load_slos
from synclens.cli import generated_files, main
from synclens.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool is missing (make test installs Debian's prometheus package)"
)


def _rules(groups: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """The rules of an SLO's ``alerts`` groups, or of its ``recording`` groups (short and long)."""
    return [r for g in groups if kind in g["name"] for r in g["rules"]]


@pytest.mark.parametrize("command", ["alerts", "grafana"])
def test_committed_files_are_not_stale(command: str) -> None:
    files = generated_files(command, Settings(), None)
    stale = [
        rel
        for rel, text in files.items()
        if not (ROOT / command / rel).is_file() or (ROOT / command / rel).read_text() != text
    ]
    assert not stale, f"stale generated files {stale}: run `synclens {command} generate`"


def test_cli_writes_and_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["alerts", "generate", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "first-pass.rules.yml").is_file()
    assert (tmp_path / "tests" / "first-pass.test.yml").is_file()
    assert main(["alerts", "generate", "--out", str(tmp_path), "--check"]) == 0
    (tmp_path / "first-pass.rules.yml").write_text("# edited by hand\n")
    assert main(["alerts", "generate", "--out", str(tmp_path), "--check"]) == 1
    assert "stale" in capsys.readouterr().err
    assert main(["grafana", "generate", "--out", str(tmp_path / "g")]) == 0
    assert (tmp_path / "g" / "dashboards" / "synclens-slo-detail.json").is_file()


def test_cli_reports_a_bad_slo_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.yaml").write_text("apiVersion: synclens/v1\nkind: SLO\n")
    assert main(["alerts", "generate", "--slo-dir", str(tmp_path), "--out", str(tmp_path)]) == 2
    assert "bad.yaml" in capsys.readouterr().err


def test_alert_labels_annotations_and_no_nan_division() -> None:
    slo = next(s for s in load_slos() if s.name == "first-pass")
    groups = slo_rules(slo, RuleOptions())["groups"]
    alerts = [r for r in _rules(groups, "alerts") if r["alert"] == ALERT_NAME]
    assert [(a["labels"]["severity"], a["labels"]["long_window"], a["labels"]["short_window"])
            for a in alerts] == [("page", "1h", "5m"), ("page", "6h", "30m"),
                                 ("ticket", "1d", "2h"), ("ticket", "3d", "6h")]  # fmt: skip
    for a in alerts:
        assert a["alert"] == ALERT_NAME and a["labels"]["slo"] == "first-pass"
        assert set(a["annotations"]) >= {"summary", "description", "runbook_url", "dashboard_url"}
        assert a["annotations"]["runbook_url"].endswith("docs/alerts.md#synclenserrorbudgetburn")
        # the minimum-traffic guard on the long window, scaled to it (3, 18, 72, 216)
        assert f">= {slo.min_traffic_in(a['labels']['long_window']):g}\n" in a["expr"] + "\n"
    ratios = [r for r in _rules(groups, "recording") if r["record"] == "synclens_slo:error_ratio"]
    assert ratios and all("> 0)" in r["expr"] for r in ratios)  # 0/0 never happens


def test_latency_objectives_per_event_type_use_their_bucket() -> None:
    slo = next(s for s in load_slos() if s.sli == "latency")
    opts = RuleOptions(latency_objectives={"asn.received": 300.0, "inventory.moved": 60.0})
    text = yaml.safe_dump(slo_rules(slo, opts))
    assert 'le="300.0",event_type=~"asn.received"' in text
    assert 'le="60.0",event_type!~"asn.received"' in text
    with pytest.raises(ValueError, match="not a bucket bound"):
        slo_rules(slo, RuleOptions(default_latency_objective_s=45.0))


def test_every_alert_is_documented() -> None:
    doc = (ROOT / "docs" / "alerts.md").read_text()
    headings = set(re.findall(r"^### (\w+)", doc, re.M))
    missing = {ALERT_NAME, OUTAGE_ALERT, ABSENT_ALERT, *OPERATIONAL_ALERTS} - headings
    assert not missing, f"alerts without a section in docs/alerts.md: {sorted(missing)}"
    files = alert_files(load_slos(), RuleOptions())
    named = set(re.findall(r"^  - alert: (\w+)", "".join(files.values()), re.M))
    assert named <= headings


def test_every_recorded_series_is_documented() -> None:
    doc = (ROOT / "docs" / "slos.md").read_text()
    files = alert_files(load_slos(), RuleOptions())
    records = set(re.findall(r"record: (\S+)", "".join(files.values())))
    missing = [r for r in sorted(records) if f"`{r}`" not in doc]
    assert not missing, f"recording rules not documented in docs/slos.md: {missing}"


@needs_promtool
def test_promtool_check_rules() -> None:
    files = sorted(str(p) for p in (ROOT / "alerts").glob("*.rules.yml"))
    assert len(files) == 5
    out = subprocess.run([PROMTOOL, "check", "rules", *files], capture_output=True, text=True)  # type: ignore[list-item]
    assert out.returncode == 0, out.stdout + out.stderr


@needs_promtool
def test_promtool_unit_tests_pass() -> None:
    tests = sorted(str(p) for p in (ROOT / "alerts" / "tests").glob("*.yml"))
    out = subprocess.run([PROMTOOL, "test", "rules", *tests], capture_output=True, text=True)  # type: ignore[list-item]
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.count("SUCCESS") == len(tests)


@needs_promtool
def test_generated_unit_tests_cover_the_four_cases() -> None:
    for path in (ROOT / "alerts" / "tests").glob("*.test.yml"):
        if path.name == "operational.test.yml" or path.name.endswith(".low-traffic.test.yml"):
            continue
        names = [t["name"] for t in yaml.safe_load(path.read_text())["tests"]]
        for case in ("a fast burn pages", "a slow burn tickets", "budget pace alerts nothing",
                     "zero traffic alerts nothing", "a burst that ended"):  # fmt: skip
            assert any(case in n for n in names), (path.name, case)


def _promtool_test(tmp_path: Path, rules: str, test: str) -> subprocess.CompletedProcess[str]:
    """``promtool test rules`` of one generated test file against edited first-pass rules."""
    (tmp_path / "first-pass.rules.yml").write_text(rules)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "t.yml").write_text(test)
    return subprocess.run([PROMTOOL, "test", "rules", str(tmp_path / "tests" / "t.yml")],  # type: ignore[list-item]
                          capture_output=True, text=True)  # fmt: skip


@needs_promtool
def test_a_broken_rule_fails_its_promtool_test(tmp_path: Path) -> None:
    """The generated tests have teeth: a rule paging at the wrong factor fails them."""
    files = alert_files(load_slos(), RuleOptions())
    rules = files["first-pass.rules.yml"].replace("> 13.44", "> 1000")
    out = _promtool_test(tmp_path, rules, files["tests/first-pass.test.yml"])
    assert out.returncode != 0
    assert "fast burn pages" in out.stdout + out.stderr


def test_the_issues_low_traffic_outage_pages() -> None:
    """1 pair every 5 minutes, all failing from hour 24: every burn-rate window
    pages or tickets (guards scaled to the window) and the outage page fires."""
    files = alert_files(load_slos(), RuleOptions())
    tests = yaml.safe_load(files["tests/first-pass.low-traffic.test.yml"])["tests"]
    case = next(t for t in tests if "1 pair every 5 min" in t["name"])
    fired = {a["alertname"]: a["exp_alerts"] for a in case["alert_rule_test"]}
    assert {a["exp_labels"]["long_window"] for a in fired[ALERT_NAME]} == {"1h", "6h", "1d", "3d"}
    assert [a["exp_labels"]["target"] for a in fired[OUTAGE_ALERT]] == ["erp"]
    under = next(t for t in tests if "well under the guard" in t["name"])
    assert all(not a["exp_alerts"] for a in under["alert_rule_test"])
    rules = _rules(yaml.safe_load(files["first-pass.rules.yml"])["groups"], "alerts")
    assert [r["expr"].rsplit(">= ", 1)[1] for r in rules[:4]] == ["3", "18", "72", "216"]


@needs_promtool
def test_an_unscaled_guard_fails_the_low_traffic_test(tmp_path: Path) -> None:
    """The low-traffic case has teeth: the old fixed guard of 100 events per long
    window (or no outage page) never pages on it."""
    files = alert_files(load_slos(), RuleOptions())
    rules = re.sub(r">= (3|18)\n", ">= 100\n", files["first-pass.rules.yml"])
    rules = rules.replace("alert: SynclensTargetOutage", "alert: SynclensTargetOutageOff")
    out = _promtool_test(tmp_path, rules, files["tests/first-pass.low-traffic.test.yml"])
    assert out.returncode != 0
    report = out.stdout + out.stderr
    assert "1 pair every 5 min" in report
    assert 'long_window="1h"' in report and "alertname: SynclensTargetOutage" in report


GROUPED = """\
apiVersion: synclens/v1
kind: SLO
metadata: {name: fp-by-target}
spec: {sli: first_pass, objective: 0.995, window: 28d, minTraffic: 2016, groupBy: target}
---
apiVersion: synclens/v1
kind: SLO
metadata: {name: api-commerce}
spec: {sli: api_failure, objective: 0.99, window: 28d, matchers: {target: commerce}}
---
apiVersion: synclens/v1
kind: SLO
metadata: {name: latency-by-type}
spec: {sli: latency, objective: 0.99, window: 30d, groupBy: event_type}
---
apiVersion: synclens/v1
kind: SLO
metadata: {name: mismatch-by-channel}
spec: {sli: mismatch, objective: 0.995, window: 28d, groupBy: channel}
"""


@needs_promtool
def test_slos_by_label_generate_rules_that_pass_their_promtool_tests(tmp_path: Path) -> None:
    """One budget and one alert set per value: every recorded series keeps the
    label, the alerts carry it; matchers filter every selector."""
    (tmp_path / "slos").mkdir()
    (tmp_path / "slos" / "g.yaml").write_text(GROUPED)
    slos = {s.name: s for s in load_slos(tmp_path / "slos")}
    fp = slo_rules(slos["fp-by-target"], RuleOptions())["groups"]
    counted = [
        r
        for r in _rules(fp, "recording")
        if r["record"] in ("synclens_slo:errors", "synclens_slo:requests")
    ]
    assert counted and all("sum by (target) (" in r["expr"] for r in counted)
    burn = [r for r in _rules(fp, "alerts") if r["alert"] == ALERT_NAME]
    assert all("{{ $labels.target }}" in r["annotations"]["summary"] for r in burn)
    api = slo_rules(slos["api-commerce"], RuleOptions())["groups"]
    exprs = " ".join(r["expr"] for g in api for r in g["rules"])
    selectors = re.findall(r"synclens_sync_attempts_total\{[^}]*\}", exprs)
    assert selectors and all('target="commerce"' in s for s in selectors)
    out_dir = tmp_path / "out"
    written = write_files(alert_files(list(slos.values()), RuleOptions()), out_dir)
    rules = sorted(str(p) for p in written if p.name.endswith(".rules.yml"))
    tests = [str(p) for p in written if p.name.endswith(".test.yml")
             and (".low-traffic." not in p.name or p.name.startswith("fp-by-target"))]  # fmt: skip
    check = subprocess.run([PROMTOOL, "check", "rules", *rules], capture_output=True, text=True)  # type: ignore[list-item]
    assert check.returncode == 0, check.stdout + check.stderr
    out = subprocess.run([PROMTOOL, "test", "rules", *tests], capture_output=True, text=True)  # type: ignore[list-item]
    assert out.returncode == 0, out.stdout + out.stderr
    fired = yaml.safe_load((out_dir / "tests" / "fp-by-target.test.yml").read_text())
    page = fired["tests"][0]["alert_rule_test"][0]["exp_alerts"][0]
    assert page["exp_labels"]["target"] == "erp"
    assert "(target erp)" in page["exp_annotations"]["summary"]


def test_generate_warns_when_the_longest_window_exceeds_the_retention(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = str(tmp_path / "a")
    assert main(["alerts", "generate", "--out", out, "--prometheus-retention", "15d"]) == 0
    err = capsys.readouterr().err
    for name in ("first-pass", "sync-latency", "stock-mismatch", "exception-aging"):
        assert f"SLO {name}: its 28d window" in err
    assert "--storage.tsdb.retention.time=28d" in err
    for enough in ("28d", "720h", "1y"):
        assert main(["alerts", "generate", "--out", out, "--prometheus-retention", enough]) == 0
        assert "warning" not in capsys.readouterr().err
    assert main(["alerts", "generate", "--out", out, "--prometheus-retention", "lots"]) == 2
    assert "--prometheus-retention" in capsys.readouterr().err


def test_an_absent_sli_metric_tickets() -> None:
    """SynclensSLOMetricAbsent watches each SLI's metric, with the SLO's matchers;
    its generated cases fire when the metric is gone and not when it is at 0."""
    files = alert_files(load_slos(), RuleOptions())
    for name, metric in (("first-pass", "synclens_sync_pairs_total"),
                         ("stock-mismatch", "synclens_reconciliation_keys")):  # fmt: skip
        rules = _rules(yaml.safe_load(files[f"{name}.rules.yml"])["groups"], "alerts")
        absent = next(r for r in rules if r["alert"] == ABSENT_ALERT)
        assert (absent["expr"], absent["for"]) == (f"absent({metric})", "10m")
        assert absent["labels"]["severity"] == "ticket"
        cases = yaml.safe_load(files[f"tests/{name}.test.yml"])["tests"]
        fired = [t["alert_rule_test"][0]["exp_alerts"] for t in cases if "SLI metric" in t["name"]]
        assert [len(f) for f in fired] == [1, 0]


def test_long_windows_are_recorded_in_a_group_of_their_own_with_an_interval() -> None:
    slo = next(s for s in load_slos() if s.name == "first-pass")
    short, long, alerts = slo_rules(slo, RuleOptions())["groups"]
    assert long["name"] == "synclens-slo-first-pass-recording-long" and long["interval"] == "2m"
    assert {r["labels"]["window"] for r in long["rules"]} == {"1d", "3d", "28d"}
    assert {r["labels"]["window"] for r in short["rules"]} == {"5m", "30m", "1h", "2h", "6h"}
    assert "interval" not in short and alerts["name"].endswith("-alerts")
