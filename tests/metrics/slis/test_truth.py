"""Every SLI equals the simulator's ground truth, exactly, for several seeds
and every fault profile; ratios and percentiles come from exactly those
counts and latencies; /metrics agrees with both."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from collector.timefmt import NS_PER_S as NS
from metrics.slis import failures_by_target
from simulator.model import FlowKnobs
from simulator.runner import simulate
from simulator.truth import load_truth
from tests.conftest import LiveServer

DEADLINE_NS = 900 * NS

CASES = [(21, "none"), (22, "realistic"), (23, "chaos"), (24, "chaos")]


def nearest_rank(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _expected(truth: dict[str, Any], now_ns: int) -> dict[str, Any]:
    times = {(e["source"], e["id"]): e["time_ns"] for e in truth["events"]}
    pairs = truth["pairs"]
    by_target: dict[str, Counter[str]] = {}
    latencies = []
    for p in pairs:
        c = by_target.setdefault(p["target"], Counter())
        if p["attempts"]:
            c["fp_total"] += 1
            c["fp_good"] += p["first_pass"]
        if p["applied_ns"] is not None:
            latencies.append(p["latency_s"])
            c["applied"] += 1
            c["latency_good"] += p["latency_s"] <= 60
        c["undelivered"] += (
            p["applied_ns"] is None and times[(p["source"], p["id"])] + DEADLINE_NS < now_ns
        )
        c["double_applies"] += p["double_apply"]
        c["dead_lettered"] += p["dead_lettered"]
    return {"by_target": by_target, "latencies": latencies}


@pytest.mark.parametrize(("seed", "profile"), CASES)
def test_slis_equal_the_truth(make_service: Any, tmp_path: Path, seed: int, profile: str) -> None:
    truth_path = tmp_path / "truth.json"
    server: LiveServer = make_service()
    with server as svc:
        simulate(
            svc.url,
            seed=seed,
            profile=profile,
            duration_s=2 * 3600,
            truth_path=truth_path,
            skus=60,
            warehouses=2,
            knobs=FlowKnobs(orders_per_hour=150),
        )
        truth = load_truth(truth_path)
        now_ns = truth["config"]["end_ns"] + 1
        assert svc.post("/api/v1/reconciliations").status_code == 200
        unresolved = svc.get(
            "/api/v1/exceptions", params={"status": "unresolved", "limit": 1000}
        ).json()["exceptions"]
        engine = svc.app.state.slis
        got = engine.slis("1d", now_ns=now_ns)["slis"]
        with svc.store.reader() as cur:
            failures = failures_by_target(cur, window="1d", now_ns=now_ns)
        by = engine.slis("1d", now_ns=now_ns, by="target")["groups"]
        scraped = {
            "pairs": svc.metric("synclens_sync_pairs_total"),
            "first_pass": svc.metric("synclens_sync_pairs_total", first_pass="true"),
            "attempts": svc.metric("synclens_sync_attempts_total"),
            "failed": svc.metric("synclens_sync_attempts_total", outcome="failure"),
            "replays": svc.metric("synclens_sync_attempts_total", kind="replay"),
            "applied": svc.metric("synclens_sync_latency_seconds_count"),
            "within_60s": svc.metric("synclens_sync_latency_seconds_bucket", le="60.0"),
            "orders_impacted": svc.metric("synclens_orders_impacted"),
        }

    want = truth["slis"]
    expected = _expected(truth, now_ns)
    assert got["first_pass"]["good"] == want["first_pass"]["good"]
    assert got["first_pass"]["total"] == want["first_pass"]["total"]
    assert got["latency"]["good"] == want["latency"]["good"]
    assert got["latency"]["total"] == want["latency"]["total"]
    assert got["api_failure"]["failed"] == want["api_failure"]["failed"]
    assert got["api_failure"]["total"] == want["api_failure"]["total"]
    for name in ("replays", "duplicates", "double_applies", "dead_lettered"):
        assert got[name] == want[name], name
    assert got["undelivered"] == sum(c["undelivered"] for c in expected["by_target"].values())

    # reconciliation and exceptions
    results = Counter(r["result"] for r in truth["latest_reconciliation"]["results"])
    assert got["mismatch"]["mismatched"] == results["mismatch"]
    assert got["mismatch"]["transient"] == results["transient"]
    assert got["mismatch"]["compared"] == sum(results.values())
    assert got["exception_aging"]["unresolved"] == len(unresolved)
    # SPEC 2: order ids on events of an (sku, location) with an unresolved
    # exception; a warehouse-level location covers every bin in it
    impacted = {(e["sku"], e["location"]) for e in unresolved if e["sku"] and e["location"]}
    orders = {
        e["order_id"]
        for e in truth["events"]
        if not e["lost"]
        and e["order_id"]
        and (
            (e["sku"], e["location"]) in impacted
            or (e["sku"], e["location"].split("/")[0]) in impacted
        )
    }
    assert got["orders_impacted"] == len(orders)
    assert scraped["orders_impacted"] == len(orders)

    # ratios and percentiles from exactly those counts and latencies
    fp = want["first_pass"]
    assert got["first_pass"]["ratio"] == (fp["good"] / fp["total"] if fp["total"] else None)
    lat = want["latency"]
    assert got["latency"]["ratio"] == (lat["good"] / lat["total"] if lat["total"] else None)
    for q, key in ((0.5, "p50_s"), (0.95, "p95_s"), (0.99, "p99_s")):
        assert got["latency"][key] == nearest_rank(expected["latencies"], q), key

    # by target
    for target, counts in expected["by_target"].items():
        group = by[target]
        assert group["first_pass"]["good"] == counts["fp_good"], target
        assert group["first_pass"]["total"] == counts["fp_total"], target
        assert group["latency"]["total"] == counts["applied"], target
        assert group["latency"]["good"] == counts["latency_good"], target
        assert group["undelivered"] == counts["undelivered"], target
        assert group["double_applies"] == counts["double_applies"], target
        api = want["api_failure"]["by_target"].get(target, {})
        assert group["api_failure"]["failed"] == api.get("failed", 0), target
        assert group["api_failure"]["total"] == api.get("total", 0), target

    # what failed, by target and failure class, adds up to the failed attempts
    failed_by_target: Counter[str] = Counter()
    for row in failures:
        failed_by_target[row["target"]] += row["failed"]
    assert dict(failed_by_target) == {
        t: c["failed"] for t, c in want["api_failure"]["by_target"].items() if c.get("failed")
    }

    # the Prometheus exposition counts the same pairs and attempts
    assert scraped["pairs"] == want["first_pass"]["total"]
    assert scraped["first_pass"] == want["first_pass"]["good"]
    assert scraped["attempts"] == want["api_failure"]["total"]
    assert scraped["failed"] == want["api_failure"]["failed"]
    assert scraped["replays"] == want["replays"]
    assert scraped["applied"] == want["latency"]["total"]
    assert scraped["within_60s"] == want["latency"]["good"]
    if profile == "none":
        assert got["first_pass"]["ratio"] == 1.0 and got["undelivered"] == 0
        assert got["mismatch"]["mismatched"] == 0 and got["exception_aging"]["unresolved"] == 0
    else:
        assert want["first_pass"]["good"] < want["first_pass"]["total"]  # faults really happened


def test_zero_traffic_is_no_data_not_nan(service: Any) -> None:
    body = service.get("/api/v1/slis", params={"window": "1h", "by": "target"}).json()
    slis = body["slis"]
    assert slis["latency"] == {
        "p50_s": None,
        "p95_s": None,
        "p99_s": None,
        "good": 0,
        "total": 0,
        "ratio": None,
    }
    assert slis["first_pass"]["ratio"] is None and slis["api_failure"]["ratio"] is None
    assert body["groups"] == {}
    assert service.get("/api/v1/slis", params={"window": "soon"}).status_code == 422
    assert service.get("/api/v1/slis", params={"window": "400d"}).status_code == 200
    for too_long in ("401d", "58w", "34560001s"):
        refused = service.get("/api/v1/slis", params={"window": too_long})
        assert refused.status_code == 422, too_long
        assert refused.json()["detail"][0]["loc"] == ["query", "window"]
    assert service.get("/api/v1/slis", params={"by": "sku"}).status_code == 422
