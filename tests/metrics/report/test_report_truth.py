"""The period report against the simulator's ground truth: attainment per
SLO and the budget costs by target equal the truth's counts of the period's
pairs, exactly, on both sides of a week boundary; the replayed burn-rate
alerts agree with the SLO state synclens computes at the same instants, and
the replayed total-outage pages with the attempt counts."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from collector.timefmt import NS_PER_S as NS
from metrics.report import parse_period, period_report
from metrics.report.history import step_s
from metrics.slo import evaluate
from metrics.slo.groups import evaluate_slo
from simulator.model import FlowKnobs
from simulator.runner import simulate
from simulator.truth import load_truth
from tests.conftest import LiveServer

REPO = Path(__file__).resolve().parents[3]
#: Sunday 29 November 2026, 22:00 UTC: the run crosses into ISO week 49
START_NS = int(datetime(2026, 11, 29, 22, tzinfo=UTC).timestamp()) * NS
NOW_NS = int(datetime(2026, 12, 3, 12, tzinfo=UTC).timestamp()) * NS
API_FAILURE = """\
apiVersion: synclens/v1
kind: SLO
metadata: {name: api-failure-by-target, displayName: API failures by target}
spec:
  sli: api_failure
  objective: 0.99
  window: 28d
  minTraffic: 10
  groupBy: target
"""


def _truth_counts(truth: dict[str, Any], start: int, end: int) -> dict[str, Counter[str]]:
    times = {(e["source"], e["id"]): e["time_ns"] for e in truth["events"]}
    by_target: dict[str, Counter[str]] = {}
    for p in truth["pairs"]:
        if not start <= times[(p["source"], p["id"])] < end:
            continue
        c = by_target.setdefault(p["target"], Counter())
        if p["attempts"]:
            c["fp_total"] += 1
            c["fp_bad"] += not p["first_pass"]
        if p["applied_ns"] is not None:
            c["applied"] += 1
            c["latency_bad"] += p["latency_s"] > 60
    return by_target


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("report")
    slo_dir = root / "slos"
    shutil.copytree(REPO / "slos", slo_dir)
    (slo_dir / "api-failure.yaml").write_text(API_FAILURE)
    # chaos, and the ERP down for the first hour of Monday 30 November (week 49)
    profile = root / "profile.yaml"
    profile.write_text(
        "base: chaos\noutages:\n  - {target: erp, start_s: 7200, duration_s: 3600}\n"
    )
    from synclens.settings import IngestSettings, load_settings

    settings = load_settings(
        db=str(root / "synclens.duckdb"),
        ops_db=f"sqlite:///{root}/ops.sqlite",
        ingest=IngestSettings(decode_workers=0),
        slis={"slo_dir": str(slo_dir)},
        reconciliation={"interval_s": 86_400},
        exceptions={"detect_interval_s": 86_400},
    )
    with LiveServer(settings) as svc:
        simulate(
            svc.url,
            seed=31,
            profile=profile,
            duration_s=4 * 3600,
            start_ns=START_NS,
            truth_path=root / "truth.json",
            skus=40,
            warehouses=2,
            knobs=FlowKnobs(orders_per_hour=150),
        )
        yield svc, load_truth(root / "truth.json")


@pytest.mark.parametrize("label", ["2026-W48", "2026-W49", "2026-11"])
def test_attainment_and_costs_equal_the_truth(run: Any, label: str) -> None:
    svc, truth = run
    period = parse_period(label)
    engine, slos = svc.app.state.slis, svc.app.state.slos
    report = period_report(engine, slos, period, now_ns=NOW_NS)
    expected = _truth_counts(truth, period.start_ns, period.end_ns)
    assert sum(c["fp_total"] for c in expected.values()) > 100, "the period holds traffic"
    rows = {r["name"]: r for r in report["slos"]}
    fp_total = sum(c["fp_total"] for c in expected.values())
    fp_bad = sum(c["fp_bad"] for c in expected.values())
    assert (rows["first-pass"]["total"], rows["first-pass"]["good"]) == (
        fp_total,
        fp_total - fp_bad,
    )
    assert rows["first-pass"]["attainment"] == pytest.approx(1 - fp_bad / fp_total)
    assert rows["first-pass"]["budget_spent"] == pytest.approx(fp_bad / fp_total / 0.005)
    applied = sum(c["applied"] for c in expected.values())
    late = sum(c["latency_bad"] for c in expected.values())
    assert (rows["sync-latency"]["total"], rows["sync-latency"]["good"]) == (
        applied,
        applied - late,
    )
    assert rows["stock-mismatch"]["status"] == "not_historical"
    before = period.previous()
    earlier = _truth_counts(truth, before.start_ns, before.end_ns)
    then_total = sum(c["fp_total"] for c in earlier.values())
    then_bad = sum(c["fp_bad"] for c in earlier.values())
    expected_then = 1 - then_bad / then_total if then_total else None
    assert rows["first-pass"]["previous_attainment"] == pytest.approx(expected_then)
    costs = {
        r["value"]: r["bad"]
        for r in report["costs"]
        if r["slo"] == "first-pass" and r["dimension"] == "target"
    }
    assert costs == {t: c["fp_bad"] for t, c in expected.items() if c["fp_bad"]}
    shares = [r["budget_spent"] for r in report["costs"] if r["slo"] == "first-pass"]
    assert sum(shares) == pytest.approx(2 * rows["first-pass"]["budget_spent"])  # two dimensions
    week = [t for t in report["trend"] if t["slo"] == "first-pass"]
    if period.kind == "week":
        assert week[-1]["week"] == label and week[-1]["total"] == fp_total
        assert len(week) >= 4


def test_replayed_alerts_agree_with_the_slo_state(run: Any) -> None:
    svc, _ = run
    engine, slos = svc.app.state.slis, svc.app.state.slos
    period = parse_period("2026-W49")
    report = period_report(engine, slos, period, now_ns=NOW_NS)
    episodes = report["alerts"]
    step = step_s(slos) * NS
    # every 15 minutes of the run, and the first and last step of each episode
    instants = set(range(START_NS + step, START_NS + 6 * 3600 * NS, 3 * step))
    for e in episodes:
        begin = int(datetime.fromisoformat(e["started_at"]).timestamp()) * NS
        instants |= {begin, begin - step}
    checked = 0
    for at in sorted(i for i in instants if period.start_ns < i <= period.end_ns):
        for slo in slos:
            if slo.sli not in ("latency", "first_pass", "api_failure"):
                continue
            windows = {w: engine.slis(w, now_ns=at)["slis"] for w in slo.all_windows}
            if slo.group_by:
                by = {w: engine.slis(w, now_ns=at, by=slo.group_by)["groups"] for w in windows}
                state = evaluate_slo(slo, windows, by)
                firing = {
                    (g[slo.group_by], a["severity"])
                    for g in state["groups"]
                    for a in g["alerts"]
                    if a["firing"]
                }
            else:
                firing = {
                    (None, a["severity"]) for a in evaluate(slo, windows)["alerts"] if a["firing"]
                }
            replayed = set()
            for e in episodes:
                if e["slo"] != slo.name or e["alert"] != "burn_rate":
                    continue
                begin = int(datetime.fromisoformat(e["started_at"]).timestamp()) * NS
                end = (
                    int(datetime.fromisoformat(e["ended_at"]).timestamp()) * NS
                    if e["ended_at"]
                    else period.end_ns + 1
                )
                if begin <= at < end:
                    value = None if e["group"] is None else e["group"][str(slo.group_by)]
                    replayed.add((value, e["severity"]))
            assert replayed == firing, (slo.name, at)
            checked += 1
    assert checked > 20
    assert episodes, "the chaos run fires at least one burn-rate alert"


def test_replayed_outages_agree_with_the_attempt_counts(run: Any) -> None:
    """A target's total-outage page fires at a step exactly when its attempts
    in the outage window reach minAttempts and not one succeeded."""
    svc, _ = run
    engine, slos = svc.app.state.slis, svc.app.state.slos
    period = parse_period("2026-W49")
    episodes = period_report(engine, slos, period, now_ns=NOW_NS)["alerts"]
    slo = next(s for s in slos if s.name == "first-pass")
    assert slo.outage is not None
    step = step_s(slos) * NS
    checked = firing_seen = 0
    for at in range(period.start_ns + step, START_NS + 6 * 3600 * NS, step):
        groups = engine.slis(slo.outage.window, now_ns=at, by="target")["groups"]
        expected = {
            t
            for t, g in groups.items()
            if g["api_failure"]["total"] >= slo.outage.min_attempts
            and g["api_failure"]["failed"] == g["api_failure"]["total"]
        }
        replayed = {
            e["group"]["target"]
            for e in episodes
            if e["slo"] == slo.name
            and e["alert"] == "outage"
            and _at(e["started_at"]) <= at < (_at(e["ended_at"]) if e["ended_at"] else at + 1)
        }
        assert replayed == expected, at
        checked += 1
        firing_seen += bool(expected)
    assert checked > 20
    assert firing_seen, "the ERP outage pages"
    assert any(e["alert"] == "outage" and e["group"] == {"target": "erp"} for e in episodes)


def _at(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp()) * NS


MAINTENANCE = """\
apiVersion: synclens/v1
kind: Maintenance
metadata: {name: erp-upgrade}
spec:
  targets: [erp]
  start: 2026-11-30T00:00:00Z
  end: 2026-11-30T01:00:00Z
"""


def test_maintenance_is_left_out_of_the_report(run: Any, tmp_path: Path) -> None:
    """The ERP outage inside a maintenance window: its pairs (delivery period
    overlapping the window) leave the attainment, exactly, and it pages no more."""
    from metrics.slo.maintenance import load_maintenance

    svc, truth = run
    (tmp_path / "maintenance.yaml").write_text(MAINTENANCE)
    windows = load_maintenance(tmp_path)
    engine, slos = svc.app.state.slis, svc.app.state.slos
    period = parse_period("2026-W49")
    report = period_report(engine, slos, period, now_ns=NOW_NS, maintenance=windows)
    start = int(datetime(2026, 11, 30, tzinfo=UTC).timestamp()) * NS
    end = start + 3600 * NS
    times = {(e["source"], e["id"]): e["time_ns"] for e in truth["events"]}
    total = bad = 0
    for p in truth["pairs"]:
        t = times[(p["source"], p["id"])]
        if not period.start_ns <= t < period.end_ns or not p["attempts"]:
            continue
        if p["target"] == "erp" and t < end and t + 900 * NS > start:
            continue
        total += 1
        bad += not p["first_pass"]
    row = next(r for r in report["slos"] if r["name"] == "first-pass")
    assert (row["total"], row["good"]) == (total, total - bad)
    plain = period_report(engine, slos, period, now_ns=NOW_NS)
    assert row["total"] < next(r for r in plain["slos"] if r["name"] == "first-pass")["total"]

    def erp_outages(found: dict[str, Any]) -> list[dict[str, Any]]:
        """Outage pages of the ERP that began during the window."""
        return [
            e
            for e in found["alerts"]
            if e["alert"] == "outage"
            and e["group"] == {"target": "erp"}
            and start < _at(e["started_at"]) <= end
        ]

    assert erp_outages(plain) and not erp_outages(report)
