"""Each fault kind alone produces exactly the divergence its truth says, and nothing else."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.faults import PROFILES, load_profile, profile_from_mapping
from simulator.network import warehouse_of

from .conftest import only, run_small

FACT_LISTS = ("out_of_sequence", "sequence_gaps", "ownership_violations", "duplicates_sent")


def _truth(profile: Any, **kw: Any) -> dict[str, Any]:
    summary, _ = run_small(profile, **kw)
    assert summary.truth is not None
    return summary.truth


def _mismatches(truth: dict[str, Any]) -> set[tuple[str, str, str]]:
    """Mismatched (sku, warehouse, stock_status) over every round."""
    return {
        (r["sku"], warehouse_of(r["location"]), r["stock_status"])
        for rnd in truth["reconciliation_rounds"]
        for r in rnd["results"]
        if r["result"] == "mismatch"
    }


def _keys_of(truth: dict[str, Any], ids: set[tuple[str, str]]) -> set[tuple[str, str, str]]:
    keys = set()
    for e in truth["events"]:
        if (e["source"], e["id"]) in ids:
            for loc in (e["location"], e["to_location"]):
                if loc:
                    keys.add((e["sku"], warehouse_of(loc), e["stock_status"]))
    return keys


def _kinds(truth: dict[str, Any]) -> set[str]:
    return {f["kind"] for f in truth["faults"]}


def _empty_except(truth: dict[str, Any], *allowed: str) -> None:
    for name in FACT_LISTS:
        if name not in allowed:
            assert truth[name] == [], name
    pairs = truth["pairs"]
    if "undelivered" not in allowed:
        assert not any(p["undelivered"] for p in pairs)
    if "dead_lettered" not in allowed:
        assert not any(p["dead_lettered"] for p in pairs)
    if "double_apply" not in allowed:
        assert not any(p["double_apply"] for p in pairs)
    if "mismatch" not in allowed:
        assert _mismatches(truth) == set()


def test_transient_failures_are_retried_and_heal() -> None:
    truth = _truth(only(transient=0.2, max_attempts=10))
    assert _kinds(truth) == {"transient"}
    retried = [p for p in truth["pairs"] if len(p["attempts"]) > 1]
    assert retried
    # a pair whose last attempt failed is still being retried when the run ends
    # (its next attempt falls after the end; within its deadline, so not undelivered)
    pending = [p for p in truth["pairs"] if p["attempts"] and not p["attempts"][-1]["success"]]
    for p in retried + pending:
        a = p["attempts"]
        assert [x["attempt"] for x in a] == list(range(1, len(a) + 1))
        assert all(not x["success"] and x["error_type"] in ("timeout", "503") for x in a[:-1])
        assert not p["first_pass"]
    for p in pending:
        assert p["attempts"][-1]["error_type"] in ("timeout", "503")
        assert p["attempts"][-1]["end_ns"] > truth["config"]["end_ns"] - 600 * 10**9
    _empty_except(truth)
    slis = truth["slis"]
    assert slis["api_failure"]["failed"] == sum(len(p["attempts"]) - 1 for p in retried) + len(
        pending
    )
    assert slis["first_pass"]["total"] - slis["first_pass"]["good"] == len(
        {(p["source"], p["id"], p["target"]) for p in retried + pending}
    )


def test_dead_letters_without_replay_stay_undelivered() -> None:
    truth = _truth(only(dead_letter=0.05))
    assert _kinds(truth) == {"dead_letter"}
    parked = [p for p in truth["pairs"] if p["dead_lettered"]]
    assert parked
    end = truth["config"]["end_ns"]
    times = {(e["source"], e["id"]): e["time_ns"] for e in truth["events"]}
    for p in parked:
        assert len(p["attempts"]) == 1 and p["attempts"][0]["error_type"] == "validation"
        assert p["undelivered"] == (times[(p["source"], p["id"])] + 900 * 10**9 < end)
    assert truth["slis"]["dead_lettered"] == len(parked)
    # the targets miss those deltas, but the in-flight rule explains them: transient, never mismatch
    _empty_except(truth, "dead_lettered", "undelivered")


def test_dead_letters_replayed_later() -> None:
    truth = _truth(only(dead_letter=0.05, replay=1.0, replay_delay_s=[300, 900]))
    replayed = [p for p in truth["pairs"] if any(a["replay"] for a in p["attempts"])]
    assert replayed
    for p in replayed:
        assert p["attempts"][0]["dead_lettered"] and not p["first_pass"]
        assert p["attempts"][1]["attempt"] == 1 and p["attempts"][1]["replay"]
        assert not p["dead_lettered"] and p["applied_ns"] == p["attempts"][1]["end_ns"]
    assert truth["slis"]["replays"] == sum(
        1 for p in truth["pairs"] for a in p["attempts"] if a["replay"]
    )
    # a replay overtaken by later events of its key is applied out of sequence
    replayed_ids = {p["id"] for p in replayed}
    for oos in truth["out_of_sequence"]:
        assert set(oos["event_ids"]) <= replayed_ids
    _empty_except(truth, "dead_lettered", "undelivered", "out_of_sequence")


def test_lost_events_make_sequence_gaps_and_mismatches() -> None:
    truth = _truth(only(lost=0.03))
    assert _kinds(truth) == {"lost"}
    lost = {(e["source"], e["id"]) for e in truth["events"] if e["lost"]}
    assert lost
    assert not any((p["source"], p["id"]) in lost for p in truth["pairs"])
    gaps = {(g["source"], g["id"]) for g in truth["sequence_gaps"]}
    assert gaps and gaps <= lost
    mism = _mismatches(truth)
    assert mism and mism <= _keys_of(truth, lost)
    _empty_except(truth, "sequence_gaps", "mismatch")


def test_lost_events_are_not_sent() -> None:
    summary, transport = run_small(only(lost=0.03))
    assert summary.truth is not None
    lost = {(e["source"], e["id"]) for e in summary.truth["events"] if e["lost"]}
    sent = {(e["source"], e["id"]) for e in transport.events}
    assert lost and not lost & sent
    assert len(sent) == len(summary.truth["events"]) - len(lost)
    spans = {
        (s.attributes["inventory.event_source"], s.attributes["inventory.event_id"])  # type: ignore[index]
        for s in transport.spans
    }
    assert not lost & spans


def test_duplicates_recognised_or_applied_twice() -> None:
    truth = _truth(only(duplicate=0.05, duplicate_recognised=0.5))
    assert _kinds(truth) == {"duplicate"}
    resent = {(d["source"], d["id"]) for d in truth["duplicates_sent"]}
    assert resent and truth["slis"]["duplicates"] == len(resent)
    double = [p for p in truth["pairs"] if p["double_apply"]]
    recognised = [p for p in truth["pairs"] if any(a["duplicate"] for a in p["attempts"])]
    assert double and recognised
    assert {(p["source"], p["id"]) for p in double + recognised} <= resent
    for p in double:
        assert [a["success"] and not a["duplicate"] for a in p["attempts"]] == [True, True]
    mism = _mismatches(truth)
    assert mism and mism <= _keys_of(truth, {(p["source"], p["id"]) for p in double})
    _empty_except(truth, "duplicates_sent", "double_apply", "mismatch")


def test_out_of_order_deliveries_invert_sequences_only() -> None:
    truth = _truth(only(out_of_order=0.1))
    assert _kinds(truth) == {"out_of_order"}
    held = {p["id"] for p in truth["pairs"] if p["out_of_order_injected"]}
    assert truth["out_of_sequence"]
    for oos in truth["out_of_sequence"]:
        assert set(oos["event_ids"]) <= held
    _empty_except(truth, "out_of_sequence")


def test_short_picks_at_the_3pl_diverge_the_3pl_books() -> None:
    truth = _truth(only(short_pick=0.5))
    assert _kinds(truth) == {"short_pick"}
    picks = [f for f in truth["faults"] if f["kind"] == "short_pick"]
    assert picks and all(f["source"] == "tpl/acme" for f in picks)
    expected = {(f["sku"], warehouse_of(f["location"]), "on_hand") for f in picks}
    mism = _mismatches(truth)
    assert mism and mism <= expected
    _empty_except(truth, "mismatch")


def test_lot_relabels_diverge_the_erp_lots_but_not_the_totals() -> None:
    """A re-label nobody is told of: the ERP (which keeps lots) mismatches on
    exactly the two lots involved; commerce, which reports no lots, still matches."""
    truth = _truth(only(lot_relabel=0.3))
    assert _kinds(truth) == {"lot_relabel"}
    faults = [f for f in truth["faults"] if f["kind"] == "lot_relabel"]
    assert faults
    touched = {(f["sku"], f["location"], lot) for f in faults for lot in (f["lot"], f["to_lot"])}
    latest = truth["latest_reconciliation"]["results"]
    mism = [r for r in latest if r["result"] == "mismatch"]
    assert mism and all(r["system"] == "erp" and r["lot"] for r in mism)
    assert {(r["sku"], r["location"], r["lot"]) for r in mism} <= touched
    # per relabelled (sku, location) the lot differences cancel: totals agree
    per_key: dict[tuple[str, str], int] = {}
    for r in mism:
        per_key[(r["sku"], r["location"])] = per_key.get((r["sku"], r["location"]), 0) + r["raw"]
    assert set(per_key.values()) == {0}
    _empty_except(truth, "mismatch")


def test_lot_controlled_items_move_by_lot() -> None:
    truth = _truth("none")
    lotted = [e for e in truth["events"] if e.get("lot")]
    assert {e["type"] for e in lotted} >= {"shipment.confirmed", "inventory.moved",
                                           "inventory.adjusted", "return.received"}  # fmt: skip
    snaps = truth["latest_reconciliation"]["snapshots"]
    assert any(r.get("lot") for r in snaps["erp/s4"])
    assert not any(r.get("lot") for r in snaps["commerce/shopify"])
    assert _mismatches(truth) == set()


def test_ownership_violations_by_a_channel() -> None:
    truth = _truth(only(ownership_violation_per_hour=3))
    assert _kinds(truth) == {"ownership_violation"}
    injected = {(f["source"], f["id"]) for f in truth["faults"]}
    assert {(v["source"], v["id"]) for v in truth["ownership_violations"]} == injected
    assert all(v["source"].startswith("commerce/") for v in truth["ownership_violations"])
    mism = _mismatches(truth)
    assert mism and mism <= _keys_of(truth, injected)
    _empty_except(truth, "ownership_violations", "mismatch")


def test_outage_window_answers_429_and_parks_messages() -> None:
    profile = profile_from_mapping(
        {"outages": [{"target": "commerce", "start_s": 3600, "duration_s": 1200}]}, name="outage"
    )
    truth = _truth(profile)
    assert _kinds(truth) == {"outage"}
    start = truth["config"]["start_ns"]
    throttled = [a for p in truth["pairs"] for a in p["attempts"] if a["error_type"] == "429"]
    assert throttled
    for a in throttled:
        assert a["http_status"] == 429
        assert 3600 <= (a["start_ns"] - start) / 1e9 < 4800
    assert {p["target"] for p in truth["pairs"] if p["dead_lettered"]} == {"commerce"}
    _empty_except(truth, "dead_lettered", "undelivered")


def test_named_profiles_and_yaml(tmp_path: Any) -> None:
    assert set(PROFILES) == {"none", "realistic", "chaos"}
    path = tmp_path / "mix.yaml"
    path.write_text(
        "base: realistic\n"
        "faults: {transient: 0.1}\n"
        "latency: {median_s: 3}\n"
        "targets: {erp: {transient: 0.3}}\n"
        "warehouses: {DC-EAST: {lost: 0.02}}\n"
        "outages: [{target: wms, warehouse: DC-WEST, start_s: 60, duration_s: 30}]\n"
    )
    p = load_profile(path)
    assert p.name == "mix"
    assert p.rates().transient == 0.1 and p.rates().latency.median_s == 3
    assert p.rates("erp").transient == 0.3
    assert p.rates("commerce").transient == PROFILES["realistic"].by_target["commerce"]["transient"]
    assert p.rates(None, "DC-EAST").lost == 0.02 and p.rates(None, "DC-WEST").lost == 0.0005
    assert p.outages[0].covers("wms", "DC-WEST", 70) and not p.outages[0].covers(
        "wms", "DC-EAST", 70
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("faults: {transiant: 0.1}\n")
    with pytest.raises(ValueError, match="transiant"):
        load_profile(bad)
    with pytest.raises(ValueError, match="unknown profile"):
        load_profile("nope")


def test_slow_deliveries_only_cost_latency() -> None:
    truth = _truth(profile_from_mapping({"latency": {"median_s": 90, "sigma": 0.5}}))
    assert _kinds(truth) == set()
    slis = truth["slis"]
    assert 0 < slis["latency"]["good"] < slis["latency"]["total"]
    slow = [p for p in truth["pairs"] if p["latency_s"] is not None and p["latency_s"] > 60]
    assert slis["latency"]["total"] - slis["latency"]["good"] == len(slow)
    assert slis["first_pass"]["good"] == slis["first_pass"]["total"]
    _empty_except(truth)
