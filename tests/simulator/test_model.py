"""The model's own invariants, on an in-memory transport."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from simulator.network import ROUTES, build_network, route_targets
from simulator.transport import MemoryTransport

from .conftest import run_small

DELIVERY_FACTS = (
    "out_of_sequence",
    "sequence_gaps",
    "ownership_violations",
    "duplicates_sent",
    "faults",
)


def _results(truth: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for rnd in truth["reconciliation_rounds"] for r in rnd["results"]]


def test_profile_none_all_systems_agree_at_every_snapshot() -> None:
    summary, transport = run_small("none")
    truth = summary.truth
    assert truth is not None
    rounds = truth["reconciliation_rounds"]
    assert len(rounds) == 29  # every 10 min of 5 h, the last one complete before the end
    results = _results(truth)
    assert results, "nothing was compared"
    # every difference is explained by events still in flight: corrected variance 0
    assert all(r["corrected"] == 0 for r in results)
    assert {r["result"] for r in results} <= {"match", "transient"}
    assert sum(r["result"] == "match" for r in results) > 0.99 * len(results)
    for name in DELIVERY_FACTS:
        assert truth[name] == [], name
    slis = truth["slis"]
    assert slis["first_pass"]["good"] == slis["first_pass"]["total"] > 1000
    assert slis["latency"]["good"] == slis["latency"]["total"]
    assert slis["api_failure"]["failed"] == 0
    assert (
        slis["replays"] == slis["duplicates"] == slis["undelivered"] == slis["double_applies"] == 0
    )
    assert all(len(p["attempts"]) == 1 for p in truth["pairs"] if p["attempts"])
    # every system that keeps stock snapshots every round, from its own books
    assert len(transport.snapshots) == 29 * 6  # erp, commerce, edi, 2 WMS, 3PL
    last = {f"{s.system}/{s.instance}": s.rows for s in transport.snapshots[-6:]}
    full = truth["latest_reconciliation"]["snapshots"]
    assert {k: len(v) for k, v in full.items()} == {k: len(v) for k, v in last.items()}


def test_every_flow_and_event_type_occurs() -> None:
    summary, _ = run_small("none")
    assert summary.truth is not None
    events = summary.truth["events"]
    types = Counter(e["type"] for e in events)
    assert set(types) == set(ROUTES)
    reasons = Counter(e.get("reason") for e in events)
    assert types["shipment.confirmed"] > 100
    # short picks happen in normal operation too (stock runs out before replenishment)
    assert any(e["type"] == "inventory.released" for e in events)
    # every event's targets follow SPEC 1.4's routes, never the source itself
    for pair in summary.truth["pairs"]:
        event = next(e for e in events if e["id"] == pair["id"] and e["source"] == pair["source"])
        assert pair["target"] in route_targets(event["type"], event["source"])
        assert not event["source"].startswith(pair["target"] + "/")
    assert reasons  # used


def test_sequences_increase_per_source_sku_location() -> None:
    summary, _ = run_small("none")
    assert summary.truth is not None
    last: dict[tuple[str, str, str], int] = {}
    for e in summary.truth["events"]:
        key = (e["source"], e["sku"], e["location"])
        assert e["sequence"] == last.get(key, e["sequence"] - 1) + 1
        last[key] = e["sequence"]


def test_same_seed_same_truth_other_seed_other_truth() -> None:
    a, ta = run_small("chaos")
    b, tb = run_small("chaos")
    c, _ = run_small("chaos", seed=12)
    assert json.dumps(a.truth) == json.dumps(b.truth)
    assert [e["id"] for e in ta.events] == [e["id"] for e in tb.events]
    ids_a = [(s.context.trace_id, s.context.span_id) for s in ta.spans if s.context]
    assert ids_a == [(s.context.trace_id, s.context.span_id) for s in tb.spans if s.context]
    assert json.dumps(a.truth) != json.dumps(c.truth)


def test_default_network_shape() -> None:
    net = build_network()
    assert len(net.skus) == 500
    assert [w.code for w in net.warehouses] == ["DC-EAST", "DC-WEST", "DC-CENTRAL", "3PL-ACME"]
    assert net.warehouses[0].pick_bin(net.skus[2]) == "DC-EAST/A-01-03"
    assert {s.split("/")[0] for s in net.systems} == {
        "erp",
        "wms",
        "tpl",
        "commerce",
        "edi",
        "returns",
    }
    assert set(Counter(s.item_class for s in net.skus)) == {"A", "B", "C"}


def test_default_volume_per_simulated_day() -> None:
    transport = MemoryTransport()
    from simulator.runner import RunOptions, run

    from .conftest import START_NS

    summary = run(
        RunOptions(seed=1, profile="none", duration_s=2 * 3600, start_ns=START_NS), transport
    )
    per_day = summary.events * 12
    assert 20_000 <= per_day <= 60_000


def test_backfill_then_real_time_until_stopped() -> None:
    import threading
    import time

    from simulator.runner import RunOptions, run

    transport = MemoryTransport()
    stop = threading.Event()
    now = time.time_ns()
    opts = RunOptions(
        seed=3,
        profile="none",
        duration_s=3600,
        speed=1.0,
        start_ns=now - 900 * 10**9,
        skus=40,
        warehouses=1,
    )
    timer = threading.Timer(1.5, stop.set)
    timer.start()
    t0 = time.monotonic()
    summary = run(opts, transport, stop=stop)
    wall = time.monotonic() - t0
    assert summary.stopped and 1.4 < wall < 5
    # the 15 min backfill went out at once; nothing from the future was sent
    assert summary.events > 0 and transport.events
    sent_until = max(s.end_time or 0 for s in transport.spans)
    assert sent_until <= time.time_ns()
    assert summary.sim_end_ns <= time.time_ns()


def test_summary_truth_equals_full_truth_where_both_speak() -> None:
    full, _ = run_small("realistic")
    lean, _ = run_small("realistic", truth_full_rounds=False)
    assert full.truth is not None and lean.truth is not None
    assert lean.truth["latest_reconciliation"] == full.truth["latest_reconciliation"]
    for a, b in zip(
        lean.truth["reconciliation_rounds"], full.truth["reconciliation_rounds"], strict=True
    ):
        assert a == {k: b[k] for k in a}
        assert "results" not in a
    assert any(r["counts"] for r in lean.truth["reconciliation_rounds"])
