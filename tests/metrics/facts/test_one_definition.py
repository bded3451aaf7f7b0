"""SPEC 2's per-pair facts have one definition: the derived pair facts and the
lineage view agree on every pair of a simulated run with faults, and every
view of warehouses follows the configured ``locations`` map."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from collector.lineage import LineageQuery, sku_lineage
from collector.timefmt import iso
from simulator.model import FlowKnobs
from simulator.network import build_network
from simulator.runner import simulate
from simulator.truth import load_truth
from synclens.settings import LocationInfo, load_settings
from tests.conftest import LiveServer, Service

SEED, WAREHOUSES = 23, 2
#: half the pick bins of the first warehouse, mapped to a warehouse that is not their prefix
_NETWORK = build_network(skus=40, warehouses=WAREHOUSES, seed=SEED)
MAPPED = {_NETWORK.warehouses[0].pick_bin(sku): "DOCKS" for sku in _NETWORK.skus[::2]}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, dict[str, Any]]]:
    tmp = tmp_path_factory.mktemp("facts")
    settings = load_settings(
        db=str(tmp / "s.duckdb"),
        ops_db=f"sqlite:///{tmp / 'ops.sqlite'}",
        locations={loc: LocationInfo(warehouse=wh) for loc, wh in MAPPED.items()},
    )
    truth_path: Path = tmp / "truth.json"
    with LiveServer(settings) as svc:
        simulate(
            svc.url,
            seed=SEED,
            profile="chaos",
            duration_s=3600,
            truth_path=truth_path,
            skus=40,
            warehouses=WAREHOUSES,
            knobs=FlowKnobs(orders_per_hour=150),
        )
        yield svc, load_truth(truth_path)


def test_lineage_and_pair_facts_agree_on_every_pair(run: tuple[Service, dict[str, Any]]) -> None:
    svc, truth = run
    now_ns = truth["config"]["end_ns"] + 1
    engine = svc.app.state.slis
    engine.refresh()
    routes = svc.app.state.collector.routes
    with svc.store.reader() as cur:
        derived = {
            (r[0], r[1], r[2]): (r[3], r[4], r[5], r[6] >= 2)
            for r in cur.execute(
                "SELECT source, id, target, applied_ns, first_pass, dead_lettered, applies "
                "FROM pair_facts"
            ).fetchall()
        }
        skus = [r[0] for r in cur.execute("SELECT DISTINCT sku FROM events").fetchall()]
        shown: dict[tuple[str, str, str], tuple[Any, ...]] = {}
        for sku in skus:
            view = sku_lineage(
                cur,
                sku,
                query=LineageQuery(limit=100_000),
                routes=routes,
                locations=svc.app.state.collector.locations,
                now_ns=now_ns,
            )
            for event in view["events"]:
                for t in event["targets"]:
                    if t["expected"]:
                        shown[(event["source"], event["id"], t["target"])] = (
                            t["applied_at"],
                            t["first_pass"],
                            t["state"] == "dead_lettered",
                            t["double_apply"],
                        )
    assert len(derived) > 200 and set(shown) == set(derived)
    mismatched = [
        key
        for key, (applied_ns, first_pass, dead, double) in derived.items()
        if shown[key] != (iso(applied_ns), first_pass, dead, double)
    ]
    assert mismatched == []
    facts = list(derived.values())
    assert any(f[1] is False for f in facts) and any(f[2] for f in facts)  # faults happened


def test_attempts_and_pairs_by_warehouse_follow_the_location_map(
    run: tuple[Service, dict[str, Any]],
) -> None:
    svc, truth = run
    now_ns = truth["config"]["end_ns"] + 1
    events = {(e["source"], e["id"]): e for e in truth["events"]}

    def warehouse(location: str) -> str:
        return MAPPED.get(location) or location.split("/", 1)[0]

    want: dict[str, Counter[str]] = {}
    for p in truth["pairs"]:
        c = want.setdefault(warehouse(events[(p["source"], p["id"])]["location"]), Counter())
        c["attempts"] += len(p["attempts"])
        c["failed"] += sum(1 for a in p["attempts"] if not a["success"])
        if p["attempts"]:
            c["fp_total"] += 1
            c["fp_good"] += p["first_pass"]
    assert want["DOCKS"]["attempts"] > 0  # the mapped bins carried traffic
    groups = svc.app.state.slis.slis("1d", now_ns=now_ns, by="warehouse")["groups"]
    for name, c in want.items():
        g = groups[name]
        assert g["api_failure"]["total"] == c["attempts"], name
        assert g["api_failure"]["failed"] == c["failed"], name
        assert g["first_pass"]["total"] == c["fp_total"], name
        assert g["first_pass"]["good"] == c["fp_good"], name
