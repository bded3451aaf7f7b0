"""The facade answers what the JSON API answers (no browser: fast)."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from collector.testing.clock import ManualClock
from collector.timefmt import iso
from dashboards import executive, trends, triage
from dashboards.queries import DashboardQueries
from metrics.report import parse_period, period_at, period_report
from metrics.slo.history import instants
from metrics.slo.maintenance import load_maintenance
from metrics.slo.spec import COUNTER_SLIS
from metrics.slo.status import sli_counts
from simulator.runner import simulate
from tests.conftest import Service


@pytest.fixture
def fed(make_service: Any, tmp_path: Path) -> Iterator[tuple[Service, DashboardQueries]]:
    with make_service(
        ops_db=f"sqlite:///{tmp_path}/ops.sqlite",
        reconciliation={"interval_s": 86_400},
        exceptions={"detect_interval_s": 86_400},
    ) as svc:
        simulate(svc.url, seed=2, profile="chaos", duration_s=900, skus=10, warehouses=2)
        assert svc.post("/api/v1/reconciliations").status_code == 200
        state = svc.app.state
        yield (
            svc,
            DashboardQueries(
                store=svc.store,
                routes=state.collector.routes,
                locations=state.collector.locations,
                clock=state.collector.clock,
                slis=state.slis,
                exceptions=state.reconcile.exceptions,
                registry=state.registry,
                slos=lambda: state.slos,
                lineage_extras=state.collector.lineage_extras,
            ),
        )


def test_facade_matches_the_api(fed: tuple[Service, DashboardQueries]) -> None:
    svc, q = fed
    groups = svc.get("/api/v1/slis", params={"window": "24h", "by": "target"}).json()["groups"]
    by_target = q.by_target("24h").set_index("target")
    for target, g in groups.items():
        assert by_target.loc[target, "failed"] == g["api_failure"]["failed"]
        assert by_target.loc[target, "undelivered"] == g["undelivered"]
        assert by_target.loc[target, "p95_s"] == pytest.approx(g["latency"]["p95_s"])

    api_slos = {s["name"]: s for s in svc.get("/api/v1/slos").json()["slos"]}
    view = q.slo_view("28d")
    assert {s["name"] for s in view.evaluated} == set(api_slos)
    for slo in view.evaluated:
        want = api_slos[slo["name"]]
        assert slo["sli_value"] == pytest.approx(want["sli_value"])
        assert slo["status"] == want["status"]
    assert not view.trend.empty and set(view.trend["name"]) <= set(api_slos)

    latest = svc.get("/api/v1/reconciliations/latest", params={"limit": 1}).json()
    mismatch = q.mismatch()
    assert mismatch["compared"].sum() == latest["compared"]
    assert mismatch["mismatched"].sum() == latest["mismatched"]

    api = svc.get("/api/v1/exceptions", params={"status": "unresolved", "limit": 5}).json()
    total, page = q.exception_list(status="unresolved", limit=5)
    assert total == api["total"] and list(page["id"]) == [x["id"] for x in api["exceptions"]]
    assert q.backlog()["count"].sum() == total

    sku = next(x["sku"] for x in api["exceptions"] if x["sku"])
    raw, frames = q.sku_lineage(sku)
    assert raw == svc.get("/api/v1/lineage", params={"sku": sku}).json()
    assert len(frames.events) == len(raw["events"])
    assert len(frames.exceptions) == len(raw["exceptions"]) > 0
    assert not frames.snapshots.empty  # the systems' snapshots over the run
    trace_id = next(t for t in frames.attempts["trace_id"] if t)
    tree = svc.get(f"/api/v1/traces/{trace_id}").json()
    spans = q.trace(trace_id)
    assert int((~spans["linked"]).sum()) == tree["spans"]

    assert q.ingest().counts["events"] == svc.metric("synclens_events_received_total")


def test_empty_service_gives_empty_frames(make_service: Any, tmp_path: Path) -> None:
    with make_service(ops_db=f"sqlite:///{tmp_path}/ops.sqlite") as svc:
        state = svc.app.state
        q = DashboardQueries(
            store=svc.store, routes=state.collector.routes,
            locations=state.collector.locations, clock=state.collector.clock,
            slis=state.slis, exceptions=state.reconcile.exceptions, registry=state.registry,
        )  # fmt: skip
        assert q.slo_view("1h").tiles.empty  # no SLOs given
        assert q.mismatch().empty and q.backlog().empty and q.by_target("1h").empty
        assert q.sku_lineage("NOPE")[1].empty
        assert q.trace("0" * 32).empty
        assert q.last_reconciliation() is None


def test_the_last_13_months_match_the_api(fed: tuple[Service, DashboardQueries]) -> None:
    svc, q = fed
    frame, objectives = q.monthly()
    months = list(dict.fromkeys(frame["month"]))
    assert len(months) == 13 and months == sorted(months)
    month, start, end = trends.month_bounds(q.now())[-1]
    assert months[-1] == month
    window = f"{(end - start) // 1_000_000_000}s"
    slis = svc.get("/api/v1/slis", params={"window": window}).json()["slis"]
    api_slos = {s["name"]: s for s in svc.get("/api/v1/slos").json()["slos"]}
    assert set(objectives) == set(api_slos)
    now = frame[frame["month"] == month].set_index("series")["value"]
    for name, slo in api_slos.items():
        if slo["sli"] not in COUNTER_SLIS:
            continue  # gauges (mismatch, exception aging) measure the present: no month
        counts = sli_counts(slo["sli"], slis)
        if counts is not None and counts[1]:
            assert now[name] == pytest.approx(1 - counts[0] / counts[1]), name
    latest = svc.get("/api/v1/reconciliations/latest", params={"limit": 1}).json()
    assert now["mismatch"] == pytest.approx(latest["mismatched"] / latest["compared"])
    assert frame[(frame["month"] != month) & (frame["kind"] == "mismatch")]["value"].isna().all()
    figure = trends.monthly_figure(frame, objectives)
    assert {t.name for t in figure.data} >= {"mismatch rate"}


def test_month_bounds_are_calendar_months_in_utc() -> None:
    now = int(datetime(2026, 2, 10, 12, tzinfo=UTC).timestamp()) * 1_000_000_000
    bounds = trends.month_bounds(now)
    assert [b[0] for b in bounds][:2] == ["2025-02", "2025-03"] and bounds[-1][0] == "2026-02"
    assert bounds[-1][2] == now
    assert (
        bounds[-2][2] == bounds[-1][1] == int(datetime(2026, 2, 1, tzinfo=UTC).timestamp()) * 10**9
    )
    assert all(a[2] == b[1] for a, b in itertools.pairwise(bounds))


def test_slo_tiles_leave_out_maintenance_as_the_api_does(
    fed: tuple[Service, DashboardQueries], tmp_path: Path
) -> None:
    svc, q = fed
    raw = {s["name"]: s["total"] for s in q.slo_view("28d", trend=False).evaluated}
    q = _erp_in_maintenance(svc, q, tmp_path)

    api_slos = {s["name"]: s for s in svc.get("/api/v1/slos").json()["slos"]}
    view = q.slo_view("28d", trend=False)
    for slo in view.evaluated:
        want = api_slos[slo["name"]]
        assert (slo["good"], slo["total"]) == (want["good"], want["total"])
        assert slo["sli_value"] == pytest.approx(want["sli_value"])
        assert slo["status"] == want["status"]
    assert any(raw[s["name"]] != s["total"] for s in view.evaluated)  # erp's pairs left out
    # the counts stay all of them, as GET /slis
    assert (
        view.slis["undelivered"]
        == svc.get("/api/v1/slis", params={"window": "28d"}).json()["slis"]["undelivered"]
    )


def _iso(ns: int) -> str:
    return datetime.fromtimestamp(ns // 10**9, UTC).isoformat()


def _erp_in_maintenance(svc: Service, q: DashboardQueries, tmp_path: Path) -> DashboardQueries:
    """erp under maintenance from 30 days ago to a day ahead: the service's
    and the facade's."""
    now = q.now()
    day = 86_400 * 10**9
    (tmp_path / "maintenance.yaml").write_text(
        "apiVersion: synclens/v1\nkind: Maintenance\nmetadata: {name: erp-upgrade}\n"
        f"spec:\n  targets: [erp]\n  start: {_iso(now - 30 * day)}\n  end: {_iso(now + day)}\n"
    )
    svc.app.state.maintenance = load_maintenance(tmp_path)
    return dataclasses.replace(q, maintenance=lambda: svc.app.state.maintenance)


def test_budget_by_cause_reads_the_apis_pair_counts(
    fed: tuple[Service, DashboardQueries],
) -> None:
    """Budget by cause reads each dimension's pair SLIs alone (no attempt
    scan, no latency histogram): every group's pair counts are GET
    /slis?by='s, and so are its undelivered updates and dead letters."""
    svc, q = fed
    dims = (("system", "target"), ("warehouse", "warehouse"), ("channel", "channel"))
    pair_slis = ("first_pass", "undelivered", "dead_lettered", "double_applies")

    def both() -> tuple[dict[Any, Any], dict[Any, Any]]:
        q.cache.clear()
        frame = executive.budget_by_cause(q, "28d")
        shown, api = {}, {}
        for dimension, by in dims:
            mine = q.groups("28d", by, only="pair_counts")
            groups = svc.get("/api/v1/slis", params={"window": "28d", "by": by}).json()["groups"]
            shown[by] = {v: {k: g[k] for k in pair_slis} for v, g in mine.items()}
            api[by] = {v: {k: g[k] for k in pair_slis} for v, g in groups.items()}
            for v, g in mine.items():
                latency = {k: x for k, x in groups[v]["latency"].items() if not k.startswith("p")}
                shown[by, v, "latency"], api[by, v, "latency"] = g["latency"], latency
            for source, kind in (("undelivered", "undelivered"), ("dead letters", "dead_lettered")):
                rows = frame[(frame["dimension"] == dimension) & (frame["source"] == source)]
                shown[dimension, source] = dict(zip(rows["value"], rows["count"], strict=True))
                api[dimension, source] = {v: g[kind] for v, g in groups.items() if g[kind]}
        return shown, api

    for _ in range(3):  # a deadline passing between the two: once more
        shown, api = both()
        if shown == api:
            break
    assert shown == api
    assert all(shown[by] for _, by in dims)  # every dimension has groups


def test_a_kept_slo_history_does_not_outlive_its_step(
    fed: tuple[Service, DashboardQueries],
) -> None:
    """Just past a step's edge the page's instants are the new step's, as
    GET /slos/{name}/history's are, though the answer before the edge is
    still fresh by age (a comparison across the edge was a CI flake)."""
    _, q = fed
    slo = next(iter(q.slos() or ()))
    step = 6 * 3600 * 10**9 // 24
    clock = ManualClock(q.now() // step * step + step - 10**9)  # a second before an edge
    q = dataclasses.replace(q, clock=clock)
    before = [p["at_ns"] for p in triage.slo_history(q, slo, "6h")["points"]]
    clock.advance(2)
    after = [p["at_ns"] for p in triage.slo_history(q, slo, "6h")["points"]]
    assert after == instants(clock(), 6 * 3600 * 10**9, 24) != before


def test_settled_instants_are_kept_and_later_ones_always_computed(
    fed: tuple[Service, DashboardQueries], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An SLO history keeps each settled instant's SLIs (the same as the
    engine's fresh ones: its pairs past the longest deadline by LATE_NS),
    never a later instant (now among them), and none past keep_ns."""
    _, q = fed
    engine_slis_at = q.slis.slis_at
    asked: list[list[tuple[str, int]]] = []

    def recorded(wanted: Any, **kw: Any) -> Any:
        asked.append(sorted(wanted))
        return engine_slis_at(wanted, **kw)

    monkeypatch.setattr(q.slis, "slis_at", recorded)
    step = 6 * 3600 * 10**9 // 24
    now = q.now() // step * step - 30 * 10**9  # half a minute before an edge
    settle = q.routes.longest_deadline_ns() + triage.LATE_NS
    assert settle > step  # the default route's 900 s deadline and 5 minutes
    old = (now - settle) // step * step  # the newest settled edge
    recent = now // step * step  # a finished step, not settled
    wanted = [("1h", old - step), ("1h", old), ("1h", recent), ("5m", now)]

    def kept(at: int) -> Any:
        return triage.kept_slis_at(q, at, 6 * 3600 * 10**9, False, ())(wanted)

    fresh = engine_slis_at(wanted, parts=False)
    assert kept(now) == fresh and asked[-1] == sorted(wanted)
    assert kept(now) == fresh and asked[-1] == sorted([("1h", recent), ("5m", now)])
    # once settled, the recent instant and now are computed once more, then kept
    later = now + settle + 1
    assert kept(later) == fresh and asked[-1] == sorted([("1h", recent), ("5m", now)])
    assert kept(later) == fresh and len(asked) == 3
    # past keep_ns: all computed again
    assert kept(later + 6 * 3600 * 10**9 + 1) == fresh and asked[-1] == sorted(wanted)


def test_an_slo_history_from_kept_instants_is_the_fresh_one(
    fed: tuple[Service, DashboardQueries],
) -> None:
    """Across a step's edge the page reuses its finished instants: the answer
    is the one computed with nothing kept."""
    _, q = fed
    step = 6 * 3600 * 10**9 // 24
    clock = ManualClock(q.now() // step * step - 10**9)  # a second before an edge
    q = dataclasses.replace(q, clock=clock)
    for slo in q.slos() or ():
        q.cache.clear()
        triage.slo_history(q, slo, "6h")
        clock.advance(2)
        kept = triage.slo_history(q, slo, "6h")
        q.cache.clear()
        assert kept == triage.slo_history(q, slo, "6h"), slo.name
        clock.advance(-2)


def test_a_kept_report_is_the_fresh_one_and_an_edit_is_not_served_stale(
    fed: tuple[Service, DashboardQueries], tmp_path: Path
) -> None:
    """The month's report is reused while fresh (the cache's longest age),
    equal to the computation at that instant; maintenance edited or past the
    longest age: computed again."""
    svc, q = fed
    clock = ManualClock(q.now())
    q = dataclasses.replace(q, clock=clock)
    label = period_at("month", clock()).label
    first = q.report(label)
    specs, excluded = list(q.slos() or ()), q.maintenance() or ()
    assert first == period_report(
        q.slis, specs, parse_period(label), now_ns=clock(), exceptions=q.exceptions,
        maintenance=list(excluded),
    )  # fmt: skip
    clock.advance(60)
    assert q.report(label) is first  # kept
    edited = _erp_in_maintenance(svc, dataclasses.replace(q, clock=clock), tmp_path)
    with_erp_out = edited.report(label)
    assert with_erp_out["computed_at"] != first["computed_at"]
    assert with_erp_out["costs"] != first["costs"] or with_erp_out["slos"] != first["slos"]
    clock.advance(61)  # 121 s after the first: past the longest age
    assert q.report(label)["computed_at"] == iso(clock())


def test_slo_history_leaves_out_maintenance_as_the_api_does(
    fed: tuple[Service, DashboardQueries], tmp_path: Path
) -> None:
    """The history page's burn rates and budget are GET /slos/{name}/history's,
    and its last point is GET /slos's state, with a maintenance window on."""
    svc, q = fed
    slos = {s.name: s for s in q.slos() or ()}
    raw = {n: triage.slo_history(q, s, "6h")["points"][-1] for n, s in slos.items()}
    q = _erp_in_maintenance(svc, q, tmp_path)

    state = {s["name"]: s for s in svc.get("/api/v1/slos").json()["slos"]}
    kept = {}
    for name, slo in slos.items():
        for _ in range(3):  # the two may straddle a step's edge: then once more
            shown = triage.slo_history(q, slo, "6h")
            api = svc.get(f"/api/v1/slos/{name}/history", params={"window": "6h"}).json()
            at = [p["at_ns"] for p in shown["points"][:-1]]
            if at == [p["at_ns"] for p in api["points"][:-1]]:
                break
        assert at == [p["at_ns"] for p in api["points"][:-1]], name
        keys = ("status", "firing", "burn_rates", "error_budget_remaining", "sli_value")
        for mine, theirs in zip(shown["points"][:-1], api["points"][:-1], strict=True):
            assert {k: mine[k] for k in keys} == {k: theirs[k] for k in keys}, name
        last = kept[name] = shown["points"][-1]
        assert last["status"] == state[name]["status"], name
        budget = state[name]["error_budget_remaining"]
        assert last["error_budget_remaining"] == (
            None if budget is None else pytest.approx(budget)
        ), name
    # erp's pairs left out: some SLO moved
    moved = ("burn_rates", "error_budget_remaining", "sli_value")
    assert any({k: raw[n][k] for k in moved} != {k: kept[n][k] for k in moved} for n in slos)
