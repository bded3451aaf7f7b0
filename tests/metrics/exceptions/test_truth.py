"""Against simulator truth: every injected fault is the right exception, and nothing else.

The simulator feeds a live service over the wire; then one reconciliation
pass runs at the simulated end time and its results and the unresolved
exceptions are compared with the truth file's facts (SPEC 2 and 3).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from collector.testing.clock import ManualClock
from simulator.model import FlowKnobs
from simulator.runner import simulate
from tests.conftest import Service
from tests.metrics.live import START_NS, live_service

_H = 3600.0


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Service, ManualClock]]:
    with live_service(tmp_path) as found:
        yield found


def _simulate(
    svc: Service, clock: ManualClock, profile: str, seed: int, hours: float
) -> dict[str, Any]:
    summary = simulate(
        svc.url,
        seed=seed,
        profile=profile,
        duration_s=hours * _H,
        start_ns=START_NS,
        skus=60,
        warehouses=2,
        knobs=FlowKnobs(
            orders_per_hour=240, cycle_counts_per_hour=20, damages_per_hour=4, return_rate=0.2
        ),
        snapshot_interval_s=600,
    )
    assert summary.truth is not None
    truth = summary.truth
    clock.now_ns = int(truth["config"]["end_ns"])
    resp = svc.post("/api/v1/reconciliations")
    assert resp.status_code == 200, resp.text
    return truth


def _unresolved(svc: Service) -> list[dict[str, Any]]:
    resp = svc.get("/api/v1/exceptions", params={"status": "unresolved", "limit": 1000})
    assert resp.status_code == 200
    body = resp.json()
    assert body["total"] <= 1000
    return list(body["exceptions"])


def _inst(system: str, instance: str) -> str:
    return f"{system}/{instance}" if instance else system


def _check(svc: Service, truth: dict[str, Any]) -> dict[str, int]:
    # reconciliation: every key that did not match, with its result
    latest = truth["latest_reconciliation"]
    # keys name their lot: '' (truth) and null (synclens) when compared without lots
    expected = {
        (
            _inst(r["system"], r["instance"]),
            r["sku"],
            r["location"],
            r["stock_status"],
            r["lot"],
        ): r["result"]
        for r in latest["results"]
        if r["result"] != "match"
    }
    got = svc.get("/api/v1/reconciliations/latest", params={"limit": 100_000}).json()
    ours = {
        (
            _inst(r["system"], r["instance"]),
            r["sku"],
            r["location"],
            r["stock_status"],
            r["lot"] or "",
        ): r["result"]
        for r in got["results"]
    }
    assert ours == expected
    compared = sum(c["keys"] for c in got["counts"])
    assert compared == len(latest["results"])

    exc = _unresolved(svc)
    by_kind: dict[str, set[tuple[Any, ...]]] = {}
    for e in exc:
        d = e["detail"]
        if e["kind"] in ("undelivered", "dead_lettered", "double_apply"):
            key: tuple[Any, ...] = (d["event_source"], d["event_id"], e["target"])
        elif e["kind"] == "out_of_sequence":
            key = (e["target"], e["source"], e["sku"], e["location"])
        elif e["kind"] == "sequence_gap":
            for seq in range(d["first_missing"], d["last_missing"] + 1):
                by_kind.setdefault("sequence_gap", set()).add(
                    (e["source"], e["sku"], e["location"], seq)
                )
            continue
        elif e["kind"] == "ownership_violation":
            key = (e["source"], e["event_ids"][0])
        else:
            key = (e["source"], e["sku"], e["location"], e["stock_status"], d["lot"] or "")
            if d["lot"]:
                assert f"lot {d['lot']}" in e["reason"]
            # the correction brings the copy to its system of record, less what is in flight
            c = d["correction"]
            assert (c["system"], c["delta"]) == (e["source"], -d["corrected"])
            assert c["system_of_record"] == d["owner"] and c["lot"] == d["lot"]
        by_kind.setdefault(e["kind"], set()).add(key)
    pairs = truth["pairs"]
    want = {
        "mismatch": {k for k, v in expected.items() if v == "mismatch"},
        "undelivered": {(p["source"], p["id"], p["target"]) for p in pairs if p["undelivered"]},
        "dead_lettered": {(p["source"], p["id"], p["target"]) for p in pairs if p["dead_lettered"]},
        "double_apply": {(p["source"], p["id"], p["target"]) for p in pairs if p["double_apply"]},
        "out_of_sequence": {
            (o["target"], o["source"], o["sku"], o["location"]) for o in truth["out_of_sequence"]
        },
        "sequence_gap": {
            (g["source"], g["sku"], g["location"], g["sequence"]) for g in truth["sequence_gaps"]
        },
        "ownership_violation": {(v["source"], v["id"]) for v in truth["ownership_violations"]},
    }
    for kind, keys in want.items():
        assert by_kind.get(kind, set()) == keys, kind
    return {kind: len(keys) for kind, keys in want.items()}


@pytest.mark.slow
def test_profile_none_for_24_hours_raises_no_exception(live: tuple[Service, ManualClock]) -> None:
    svc, clock = live
    truth = _simulate(svc, clock, "none", seed=3, hours=24)
    counts = _check(svc, truth)
    assert counts == dict.fromkeys(counts, 0)
    every = svc.get("/api/v1/exceptions", params={"limit": 10}).json()
    assert every["total"] == 0, every["exceptions"]
    # in-flight differences came out transient, never mismatch
    latest = svc.get("/api/v1/reconciliations/latest").json()
    assert latest["mismatched"] == 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("profile", "seed", "hours"),
    [("realistic", 1, 4), ("realistic", 7, 4), ("chaos", 2, 3), ("chaos", 5, 3)],
)
def test_faults_are_the_right_exceptions(
    live: tuple[Service, ManualClock], profile: str, seed: int, hours: float
) -> None:
    svc, clock = live
    truth = _simulate(svc, clock, profile, seed=seed, hours=hours)
    counts = _check(svc, truth)
    assert sum(counts.values()) > 0  # the profile did inject something
    if profile == "chaos":  # lot-level faults among them: mismatches by lot
        results = truth["latest_reconciliation"]["results"]
        assert any(r["lot"] for r in results if r["result"] == "mismatch")
