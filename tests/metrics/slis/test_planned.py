"""A planned outage of a target (the simulator's ``planned_outages``) and a
maintenance window of the same target and time: the SLIs and the SLO
budgets with the window equal the simulator's truth without the planned
pairs and attempts, exactly; without it the outage shows."""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from collector.timefmt import NS_PER_S as NS
from metrics.slo.calendar import period_at
from metrics.slo.maintenance import exclusions, load_maintenance
from metrics.slo.spec import SHIPPED_SLO_DIR
from simulator.faults import Outage
from simulator.model import FlowKnobs
from simulator.network import DEADLINE_S
from simulator.runner import simulate
from simulator.truth import load_truth
from tests.conftest import LiveServer

CALENDAR_SLO = """\
apiVersion: synclens/v1
kind: SLO
metadata: {name: first-pass-monthly}
spec:
  sli: first_pass
  objective: 0.995
  window: 28d
  calendar: month
  minTraffic: 1
"""

MAINTENANCE = """\
apiVersion: synclens/v1
kind: Maintenance
metadata: {name: erp-upgrade}
spec:
  description: ERP upgrade
  targets: [erp]
  start: %s
  end: %s
"""


def _iso(ns: int) -> str:
    return datetime.fromtimestamp(ns / NS, UTC).isoformat()


def _calendar_expected(truth: dict[str, Any], from_ns: int) -> tuple[int, int]:
    """(good, total) first-pass pairs since ``from_ns`` that are not planned."""
    times = {(e["source"], e["id"]): e["time_ns"] for e in truth["events"]}
    pairs = [
        p
        for p in truth["pairs"]
        if not p["planned"] and p["attempts"] and times[(p["source"], p["id"])] >= from_ns
    ]
    return sum(p["first_pass"] for p in pairs), len(pairs)


@pytest.mark.parametrize(("seed", "profile"), [(31, "none"), (32, "realistic")])
def test_maintenance_leaves_out_exactly_the_planned_outage(
    make_service: Any, tmp_path: Path, seed: int, profile: str
) -> None:
    start_ns = (int(time.time()) // 60 * 60 - 2 * 3600) * NS
    outage = Outage(target="erp", start_s=40 * 60, duration_s=30 * 60, planned=True)
    slo_dir = tmp_path / "slos"
    shutil.copytree(SHIPPED_SLO_DIR, slo_dir)
    (slo_dir / "monthly.yaml").write_text(CALENDAR_SLO)
    begin, end = start_ns + 40 * 60 * NS, start_ns + 70 * 60 * NS
    (slo_dir / "maintenance.yaml").write_text(MAINTENANCE % (_iso(begin), _iso(end)))
    truth_path = tmp_path / "truth.json"
    server: LiveServer = make_service(slis={"slo_dir": str(slo_dir)})
    with server as svc:
        simulate(
            svc.url,
            seed=seed,
            profile=profile,
            duration_s=2 * 3600,
            start_ns=start_ns,
            truth_path=truth_path,
            skus=60,
            warehouses=2,
            knobs=FlowKnobs(orders_per_hour=150),
            planned_outages=(outage,),
        )
        truth = load_truth(truth_path)
        now_ns = truth["config"]["end_ns"] + 1
        engine = svc.app.state.slis
        windows = load_maintenance(slo_dir)
        excluded = exclusions(windows, now_ns - 86_400 * NS, now_ns + 7 * 86_400 * NS)
        raw = engine.slis("1d", now_ns=now_ns)["slis"]
        got = engine.slis("1d", now_ns=now_ns, excluded=excluded)["slis"]
        by = engine.slis("1d", now_ns=now_ns, by="target", excluded=excluded)["groups"]
        by_type = engine.slis("1d", now_ns=now_ns, by="event_type", excluded=excluded)["groups"]
        body = svc.get("/api/v1/slos").json()

    assert truth["planned"] == [
        {"target": "erp", "warehouse": None, "start_ns": begin, "end_ns": end}
    ]
    want = truth["slis_unplanned"]
    assert got["first_pass"]["good"] == want["first_pass"]["good"]
    assert got["first_pass"]["total"] == want["first_pass"]["total"]
    assert got["latency"]["good"] == want["latency"]["good"]
    assert got["latency"]["total"] == want["latency"]["total"]
    assert got["api_failure"]["failed"] == want["api_failure"]["failed"]
    assert got["api_failure"]["total"] == want["api_failure"]["total"]
    for target, counts in want["api_failure"]["by_target"].items():
        assert by[target]["api_failure"]["failed"] == counts.get("failed", 0), target
        assert by[target]["api_failure"]["total"] == counts.get("total", 0), target

    # by a property of the event, the attempts left out are the same
    for key in ("failed", "total"):
        assert sum(g["api_failure"][key] for g in by_type.values()) == want["api_failure"][key]
    assert sum(g["first_pass"]["total"] for g in by_type.values()) == want["first_pass"]["total"]

    # the definition, from the truth's own pairs: delivery period overlapping the window
    times = {(e["source"], e["id"]): e["time_ns"] for e in truth["events"]}
    deadline = int(DEADLINE_S * NS)
    for p in truth["pairs"]:
        t = times[(p["source"], p["id"])]
        assert p["planned"] == (p["target"] == "erp" and t < end and t + deadline > begin)
    # the outage really failed pairs, and they are what was left out
    planned = [p for p in truth["pairs"] if p["planned"]]
    assert planned and not all(p["first_pass"] for p in planned)
    assert raw["first_pass"]["total"] == want["first_pass"]["total"] + sum(
        1 for p in planned if p["attempts"]
    )
    assert raw["api_failure"]["failed"] > got["api_failure"]["failed"]
    if profile == "none":  # nothing else fails: with the window the SLIs are perfect
        assert want["first_pass"]["good"] == want["first_pass"]["total"] > 0
        assert want["api_failure"]["failed"] == 0

    # GET /api/v1/slos: the same exclusion over the SLO windows and the calendar month
    assert [m["name"] for m in body["maintenance"]] == ["erp-upgrade"]
    slos = {s["name"]: s for s in body["slos"]}
    assert slos["first-pass"]["good"] == want["first_pass"]["good"]
    assert slos["first-pass"]["total"] == want["first_pass"]["total"]
    assert slos["sync-latency"]["total"] == want["latency"]["total"]
    monthly = slos["first-pass-monthly"]["calendar"]
    period = period_at("month", now_ns)
    assert monthly["period"] == "month" and monthly["label"] == period.label
    good, total = _calendar_expected(truth, period.start_ns)
    assert (monthly["good"], monthly["total"]) == (good, total)
    assert monthly["sli_value"] == pytest.approx(good / total)
    assert "calendar" not in slos["first-pass"] or slos["first-pass"]["calendar"] is None
