"""Reconciliation by the system-of-record model, on hand-built snapshots and events."""

from __future__ import annotations

from typing import Any

from collector.testing.wire import attempt_span
from metrics.reconciliation.compute import ReconciliationRun, reconcile
from metrics.reconciliation.model import ToleranceRule
from tests.conftest import Service
from tests.metrics.feed import NS, T0, config, event, send_events, send_spans, snapshot

A1 = "DC-EAST/A-01"
A2 = "DC-EAST/A-02"


def _results(run: ReconciliationRun) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    return {
        (f"{r['system']}/{r['instance']}", r["sku"], r["location"], r["stock_status"]): r
        for r in run.not_matching.to_pylist()
    }


def test_worked_example(service: Service) -> None:
    """docs/reconciliation.md's worked example."""
    send_events(
        service,
        # counted at 90 s, the WMS snapshot (100 s) has it; the ERP applies it at 110 s
        event("adj-1", 90, source="wms/dc-east", sku="BOLT", location=A1, quantity=-6),
        # after the WMS snapshot; the ERP applies it at 102 s, before its own at 103 s
        event("adj-2", 101, source="wms/dc-east", sku="SCREW", location=A1, quantity=5),
    )
    send_spans(
        service,
        attempt_span(event_id="adj-1", source="wms/dc-east", target="erp", location=A1,
                     start_ns=T0 + 109 * NS, end_ns=T0 + 110 * NS),
        attempt_span(event_id="adj-2", source="wms/dc-east", target="erp", location=A1,
                     start_ns=T0 + 101 * NS, end_ns=T0 + 102 * NS),
    )  # fmt: skip
    snapshot(
        service,
        "wms/dc-east",
        100,
        {("BOLT", A1, "on_hand"): 94, ("SCREW", A1, "on_hand"): 20, ("NUT", A1, "on_hand"): 48,
         ("WASHER", A2, "on_hand"): 10, ("PIN", A2, "on_hand"): 30},
    )  # fmt: skip
    snapshot(
        service,
        "erp/s4",
        103,
        {("BOLT", A1, "on_hand"): 100, ("SCREW", A1, "on_hand"): 25, ("NUT", A1, "on_hand"): 50,
         ("PIN", A2, "on_hand"): 30},
    )  # fmt: skip
    run = reconcile(service.store, config(), now_ns=T0 + 200 * NS, trigger="test")
    res = _results(run)
    bolt = res[("erp/s4", "BOLT", A1, "on_hand")]
    assert (bolt["raw"], bolt["corrected"], bolt["result"]) == (6, 0, "transient")
    assert bolt["owner"] == "wms/dc-east"
    screw = res[("erp/s4", "SCREW", A1, "on_hand")]
    assert (screw["raw"], screw["corrected"], screw["result"]) == (5, 0, "transient")
    nut = res[("erp/s4", "NUT", A1, "on_hand")]
    assert (nut["raw"], nut["corrected"], nut["result"]) == (2, 2, "mismatch")
    washer = res[("erp/s4", "WASHER", A2, "on_hand")]
    assert (washer["quantity"], washer["raw"], washer["result"]) == (0, -10, "mismatch")
    assert run.totals == {"match": 1, "transient": 2, "mismatch": 2}
    # the owner is never compared against itself
    assert {k[0] for k in res} == {"erp/s4"}

    # tolerances: the most specific rule wins
    tol = (
        ToleranceRule(absolute=1),
        ToleranceRule(warehouse="DC-EAST", absolute=2),
        ToleranceRule(warehouse="DC-EAST", channel="web", absolute=50),
    )
    run2 = reconcile(service.store, config(tolerances=tol), now_ns=T0 + 200 * NS)
    assert ("erp/s4", "NUT", A1, "on_hand") not in _results(run2)
    assert _results(run2)[("erp/s4", "WASHER", A2, "on_hand")]["tolerance"] == 2
    pct = (ToleranceRule(item_class="A", percent=50),)
    run3 = reconcile(
        service.store, config(tolerances=pct, item_classes=(("WASH*", "A"),)), now_ns=T0 + 200 * NS
    )
    assert _results(run3)[("erp/s4", "WASHER", A2, "on_hand")]["result"] == "mismatch"
    assert ("erp/s4", "NUT", A1, "on_hand") in _results(run3)


def test_warehouse_level_channel_and_available(service: Service) -> None:
    snapshot(
        service,
        "wms/dc-east",
        100,
        {("BOLT", A1, "on_hand"): 60, ("BOLT", A2, "on_hand"): 40, ("BOLT", A1, "damaged"): 5},
    )
    send_events(
        service,
        event("rsv-1", 50, source="commerce/shopify", type="inventory.reserved", sku="BOLT",
              location="DC-EAST", quantity=7, stock_status="allocated", order_id="SO-1"),
    )  # fmt: skip
    snapshot(service, "commerce/shopify", 101, {("BOLT", "DC-EAST", "on_hand"): 100,
                                                ("BOLT", "DC-EAST", "allocated"): 7})  # fmt: skip
    # a channel's availability feed: 100 - 7 - 5 = 88 is right; it says 90
    snapshot(service, "commerce/web", 102, {("BOLT", "DC-EAST", "available"): 90}, channel="web")
    run = reconcile(service.store, config(), now_ns=T0 + 200 * NS)
    res = _results(run)
    # commerce keeps warehouse totals: 60 + 40 = 100 matches; the owner of allocated is commerce
    assert ("commerce/shopify", "BOLT", "DC-EAST", "on_hand") not in res
    avail = res[("commerce/web", "BOLT", "DC-EAST", "available")]
    assert (avail["owner_quantity"], avail["raw"], avail["result"]) == (88, 2, "mismatch")
    assert avail["channel"] == "web" and avail["owner"] == "derived"
    by = {(c["system"], c["warehouse"], c["channel"], c["result"]): c["keys"] for c in run.counts}
    assert by[("commerce", "DC-EAST", "web", "mismatch")] == 1


def test_no_snapshots_is_an_empty_run(service: Service) -> None:
    run = reconcile(service.store, config(), now_ns=T0)
    assert run.totals == {"match": 0, "transient": 0, "mismatch": 0}
    assert run.run_id >= 1


def test_old_snapshots_are_pruned_and_quantities_read(service: Service) -> None:
    for i in range(4):
        snapshot(service, "erp/s4", 10 + i, {("BOLT", A1, "on_hand"): 100 + i})
    snapshot(service, "commerce/shopify", 10, {("BOLT", "DC-EAST", "on_hand"): 7})
    cfg = config()
    cfg = type(cfg)(**{**cfg.__dict__, "keep_snapshots": 2})
    reconcile(service.store, cfg, now_ns=T0 + 100 * NS)
    with service.store.reader() as cur:
        kept = cur.execute("SELECT system, count(*) FROM snapshots GROUP BY ALL ORDER BY 1")
        assert kept.fetchall() == [("commerce", 1), ("erp", 2)]
    # what the lineage view shows of the key: the kept snapshots, at the bin
    # and warehouse-level rows of its warehouse
    shown = service.get("/api/v1/lineage", params={"sku": "BOLT", "location": A1}).json()
    assert sorted((r["system"], r["location"], r["quantity"]) for r in shown["snapshots"]) == [
        ("commerce", "DC-EAST", 7.0),
        ("erp", A1, 102.0),
        ("erp", A1, 103.0),
    ]


def _lot_results(run: ReconciliationRun) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    return {
        (f"{r['system']}/{r['instance']}", r["sku"], r["location"], r["lot"]): r
        for r in run.not_matching.to_pylist()
    }


def test_lots_compared_where_both_report_them(service: Service) -> None:
    """docs/reconciliation.md, "Lots and serials": by lot where Y and its owner
    report lots, summed over lots where one of them does not; in-flight
    correction and tolerance per lot."""
    send_events(
        service,
        # lot L7 counted at 90 s: in the WMS snapshot, applied by the ERP at 110 s (after 103)
        event("adj-1", 90, source="wms/dc-east", sku="MILK", location=A1, quantity=-4, lot="L7"),
    )
    send_spans(
        service,
        attempt_span(event_id="adj-1", source="wms/dc-east", target="erp", location=A1,
                     start_ns=T0 + 109 * NS, end_ns=T0 + 110 * NS),
    )  # fmt: skip
    snapshot(
        service,
        "wms/dc-east",
        100,
        {("MILK", A1, "on_hand", "L7"): 96, ("MILK", A1, "on_hand", "L8"): 50,
         ("MILK", A2, "on_hand", "L9"): 10, ("BOLT", A1, "on_hand"): 30,
         ("PHONE", A2, "on_hand", "", "SN-1"): 1, ("PHONE", A2, "on_hand", "", "SN-2"): 1},
    )  # fmt: skip
    snapshot(
        service,
        "erp/s4",
        103,
        # L7: the -4 is in flight; L8 is short by 3 and L9 over by 3 (a lot swap);
        # serial SN-2 is booked as SN-3
        {("MILK", A1, "on_hand", "L7"): 100, ("MILK", A1, "on_hand", "L8"): 47,
         ("MILK", A2, "on_hand", "L9"): 13, ("BOLT", A1, "on_hand"): 30,
         ("PHONE", A2, "on_hand", "", "SN-1"): 1, ("PHONE", A2, "on_hand", "", "SN-3"): 1},
    )  # fmt: skip
    # commerce reports no lots: compared with the WMS's lots summed (96 + 50 + 10)
    snapshot(service, "commerce/shopify", 104, {("MILK", "DC-EAST", "on_hand"): 156,
                                                ("BOLT", "DC-EAST", "on_hand"): 30,
                                                ("PHONE", "DC-EAST", "on_hand"): 2})  # fmt: skip
    run = reconcile(service.store, config(), now_ns=T0 + 200 * NS)
    res = _lot_results(run)
    l7 = res[("erp/s4", "MILK", A1, "L7")]
    assert (l7["raw"], l7["corrected"], l7["result"]) == (4, 0, "transient")
    l8 = res[("erp/s4", "MILK", A1, "L8")]
    assert (l8["raw"], l8["corrected"], l8["result"]) == (-3, -3, "mismatch")
    l9 = res[("erp/s4", "MILK", A2, "L9")]
    assert (l9["raw"], l9["result"], l9["serial"]) == (3, "mismatch", "")
    sn = {(r["serial"], r["raw"]) for r in run.not_matching.to_pylist() if r["sku"] == "PHONE"}
    assert sn == {("SN-2", -1.0), ("SN-3", 1.0)}
    # commerce matches at the level it reports, although the ERP's lots do not
    assert not [r for r in run.not_matching.to_pylist() if r["system"] == "commerce"]
    assert run.totals["mismatch"] == 4

    # tolerance per lot: 2 units absolute forgive neither L8 (-3) nor L9 (+3)
    def milk_mismatches(run: ReconciliationRun) -> set[str]:
        return {k[3] for k, r in _lot_results(run).items()
                if k[1] == "MILK" and r["result"] == "mismatch"}  # fmt: skip

    tol = (ToleranceRule(absolute=2),)
    run2 = reconcile(service.store, config(tolerances=tol), now_ns=T0 + 200 * NS)
    assert milk_mismatches(run2) == {"L8", "L9"}
    tol3 = (ToleranceRule(absolute=3),)
    run3 = reconcile(service.store, config(tolerances=tol3), now_ns=T0 + 200 * NS)
    assert milk_mismatches(run3) == set()
