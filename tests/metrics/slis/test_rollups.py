"""Windows from the per-minute rollups: every count SLI equals the raw
computation exactly (28 d and 400 d, overall and by every dimension, with and
without maintenance occurrences that cut minutes in part), percentiles within
1 %; windows up to 2 days (and any window asked for exact percentiles) equal
the raw computation exactly, percentiles included; a late attempt or a late
event after its minute was rolled up is reflected; retention without a lake
leaves rollups equal to the rows left."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest

from collector.retention import prune
from collector.testing.wire import T0, attempt_span
from metrics.facts.rollups import RELATIVE_ERROR
from metrics.slis import DIMENSIONS, Excluded, compute_slis
from metrics.slis.compute import Family
from metrics.slis.rollups import QUANTILES, quantile_rank
from simulator.model import FlowKnobs
from simulator.runner import simulate
from simulator.truth import load_truth
from synclens.settings import IngestSettings, load_settings
from tests.conftest import LiveServer, Service
from tests.metrics.feed import event, send_events, send_spans

NS = 1_000_000_000
MINUTE = 60 * NS
_PERCENTILES = ("p50_s", "p95_s", "p99_s")


def slis(
    svc: Service,
    window: str,
    now_ns: int,
    *,
    rolled: bool,
    by: str | None = None,
    excluded: Sequence[Excluded] = (),
    exact_upto_ns: int | None = 0,
    only: Family | None = None,
) -> dict[str, Any]:
    """``compute_slis`` on both tiers, from the rollups or from raw rows only;
    percentiles exact in windows up to ``exact_upto_ns`` (``None``: all)."""
    engine = svc.app.state.slis
    engine.refresh()
    with engine.read() as cur:
        return compute_slis(
            cur,
            window=window,
            now_ns=now_ns,
            by=by,
            locations=engine.refresher.derivation.locations,
            excluded=excluded,
            rollups_after_ns=0 if rolled else None,
            exact_upto_ns=exact_upto_ns,
            only=only,
        )


def assert_same(raw: Any, rolled: Any, where: str = "") -> None:
    """Equal, but for latency percentiles: within 1 % of the raw value."""
    if isinstance(raw, dict):
        assert isinstance(rolled, dict) and set(raw) == set(rolled), where
        for key, value in raw.items():
            if key in _PERCENTILES and value is not None:
                got = rolled[key]
                assert got is not None, f"{where}.{key}"
                assert abs(got - value) <= RELATIVE_ERROR * abs(value) + 1e-12, (where, key)
            else:
                assert_same(value, rolled[key], f"{where}.{key}")
    else:
        assert raw == rolled, where


def compare(svc: Service, now_ns: int, excluded: Sequence[Excluded] = ()) -> None:
    for window in ("28d", "400d"):
        for by in (None, *DIMENSIONS):
            raw = slis(svc, window, now_ns, rolled=False, by=by, excluded=excluded)
            rolled = slis(svc, window, now_ns, rolled=True, by=by, excluded=excluded)
            assert_same(raw, rolled, f"{window} by {by}")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, dict[str, Any]]]:
    tmp = tmp_path_factory.mktemp("rollups")
    settings = load_settings(
        db=str(tmp / "s.duckdb"),
        ops_db=f"sqlite:///{tmp / 'ops.sqlite'}",
        ingest=IngestSettings(decode_workers=0),
    )
    truth_path: Path = tmp / "truth.json"
    with LiveServer(settings) as svc:
        simulate(
            svc.url,
            seed=31,
            profile="chaos",
            duration_s=3 * 3600,
            truth_path=truth_path,
            skus=60,
            warehouses=2,
            knobs=FlowKnobs(orders_per_hour=200),
        )
        yield svc, load_truth(truth_path)


@pytest.mark.parametrize("after_s", [1, 437, 3 * 86_400])
def test_long_windows_from_rollups_equal_raw(
    run: tuple[Service, dict[str, Any]], after_s: int
) -> None:
    """Right after the run (deadlines passing inside rolled-up minutes), a
    few minutes later (now inside a minute) and days later."""
    svc, truth = run
    compare(svc, truth["config"]["end_ns"] + after_s * NS)


_SHORT = ("1s", "59s", "90s", "5m", "17m", "1h", "3h", "1d", "2d")


def test_short_windows_from_rollups_equal_raw_exactly(run: tuple[Service, dict[str, Any]]) -> None:
    """Windows up to 2 days from the rollups (the default path) equal the raw
    computation exactly, percentiles too: mid-run (minutes cut at both ends,
    deadlines passing inside the window), at the end and a day later."""
    svc, truth = run
    start, end = truth["config"]["start_ns"], truth["config"]["end_ns"]
    checked = 0
    for now in (start + 97 * MINUTE + 13 * NS + 7, end + 1, end + 437 * NS, end + 86_400 * NS):
        for window in _SHORT:
            for by in (None, *DIMENSIONS):
                raw = slis(svc, window, now, rolled=False, by=by)
                rolled = slis(svc, window, now, rolled=True, by=by, exact_upto_ns=2 * 86_400 * NS)
                assert rolled == raw, (now, window, by)
                checked += raw["slis"]["latency"]["p99_s"] is not None
    assert checked > 50  # most of them had latencies to rank


def test_exact_percentiles_with_maintenance_and_long_windows(
    run: tuple[Service, dict[str, Any]],
) -> None:
    """Exact percentiles from the rollups when maintenance cuts minutes in
    part, and in 28 d and 400 d windows when asked for (``exact_upto_ns=None``)."""
    svc, truth = run
    start, end = truth["config"]["start_ns"], truth["config"]["end_ns"]
    now = end + NS
    target = sorted(slis(svc, "28d", now, rolled=False, by="target")["groups"])[0]
    occurrences: list[Excluded] = [
        (None, None, start + 17 * MINUTE + 30 * NS, start + 41 * MINUTE + 15 * NS),
        (target, None, end - 50 * MINUTE + 7 * NS, end - 20 * MINUTE + 50 * NS),
    ]
    for window in ("1h", "3h", "28d", "400d"):
        for by in (None, *DIMENSIONS):
            for excluded in ((), occurrences):
                raw = slis(svc, window, now, rolled=False, by=by, excluded=excluded)
                rolled = slis(
                    svc, window, now, rolled=True, by=by, excluded=excluded, exact_upto_ns=None
                )
                assert rolled == raw, (window, by, excluded)


def test_maintenance_cutting_minutes_is_exact(run: tuple[Service, dict[str, Any]]) -> None:
    svc, truth = run
    start, end = truth["config"]["start_ns"], truth["config"]["end_ns"]
    now = end + NS
    groups = slis(svc, "28d", now, rolled=False, by="warehouse")["groups"]
    targets = slis(svc, "28d", now, rolled=False, by="target")["groups"]
    warehouse, target = sorted(groups)[0], sorted(targets)[0]
    occurrences: list[Excluded] = [
        (None, None, start + 17 * MINUTE + 30 * NS, start + 41 * MINUTE + 15 * NS),
        (target, None, start + 70 * MINUTE + 7 * NS, start + 95 * MINUTE + 50 * NS),
        (None, warehouse, start + 120 * MINUTE, start + 131 * MINUTE + 1),
        (target, warehouse, end - 11 * MINUTE - 3 * NS, end + 5 * MINUTE),
    ]
    before = slis(svc, "28d", now, rolled=False)["slis"]
    after = slis(svc, "28d", now, rolled=False, excluded=occurrences)["slis"]
    assert after["latency"]["total"] < before["latency"]["total"]  # they cut something
    assert after["api_failure"]["total"] < before["api_failure"]["total"]
    compare(svc, now, occurrences)


def test_one_family_alone_is_that_family_of_the_whole(
    run: tuple[Service, dict[str, Any]],
) -> None:
    """``only="pairs"`` / ``"attempts"`` (an SLO's history): that family's
    SLIs exactly as in the whole answer, raw and rolled up, with maintenance
    cutting minutes, overall and by a dimension; the other family and
    duplicates absent; ``pair_counts``: the pairs' without the latency
    percentiles."""
    svc, truth = run
    start, end = truth["config"]["start_ns"], truth["config"]["end_ns"]
    cut: list[Excluded] = [
        (None, None, start + 17 * MINUTE + 30 * NS, start + 41 * MINUTE + 15 * NS)
    ]
    families: dict[Family, set[str]] = {
        "pairs": {"latency", "first_pass", "undelivered", "dead_lettered", "double_applies"},
        "attempts": {"api_failure", "replays"},
    }
    for window, rolled, now in (("1h", False, end - 7 * NS), ("28d", True, end + 437 * NS)):
        for excluded in ((), cut):
            whole = slis(svc, window, now, rolled=rolled, excluded=excluded)["slis"]
            assert whole["api_failure"]["total"] and whole["latency"]["total"]  # traffic in it
            for only, keys in families.items():
                alone = slis(svc, window, now, rolled=rolled, excluded=excluded, only=only)
                assert alone["slis"] == {k: whole[k] for k in keys}, (window, only, excluded)
            for by in ("channel", "target"):
                groups = slis(svc, window, now, rolled=rolled, by=by, excluded=excluded)["groups"]
                for only, keys in families.items():
                    alone = slis(
                        svc, window, now, rolled=rolled, by=by, excluded=excluded, only=only
                    )["groups"]
                    assert alone and set(alone) <= set(groups), (window, by, only)
                    for value, found in alone.items():
                        assert found == {k: groups[value][k] for k in keys}, (window, by, value)
            counts = slis(svc, window, now, rolled=rolled, excluded=excluded, only="pair_counts")
            latency = {k: v for k, v in whole["latency"].items() if k not in _PERCENTILES}
            assert counts["slis"] == {
                **{k: whole[k] for k in families["pairs"]},
                "latency": latency,
            }, (window, excluded)


def test_quantile_rank_is_quantile_disc() -> None:
    con = duckdb.connect()
    for n in range(1, 260):
        got = con.execute(
            "SELECT quantile_disc(i, [0.5, 0.95, 0.99]) FROM range($n) AS t(i)", {"n": n}
        ).fetchall()[0][0]
        assert got == [quantile_rank(n, q) for q in QUANTILES], n


def test_late_attempts_and_events_change_rolled_up_minutes(make_service: Any) -> None:
    now = T0 + 3600 * NS
    with make_service() as svc:
        send_events(svc, event("e1", 0), event("e2", 0.5, channel="web"))
        send_spans(svc, attempt_span(event_id="e1", target="erp", end_ns=T0 + 2 * NS, error="t"))
        # e3's attempts come before e3 itself
        send_spans(svc, attempt_span(event_id="e3", target="erp", start_ns=T0 + 130 * NS))
        compare(svc, now)
        first = slis(svc, "28d", now, rolled=True)["slis"]
        unknown = slis(svc, "28d", now, rolled=True, by="channel")["groups"]
        assert "(unknown)" in unknown

        # a retry of e1 that succeeds, long after e1's minute was rolled up
        send_spans(
            svc,
            attempt_span(
                event_id="e1", target="erp", attempt=2, start_ns=T0 + 300 * NS, end_ns=T0 + 301 * NS
            ),
        )
        send_events(svc, event("e3", 100, channel="store"))
        compare(svc, now)
        later = slis(svc, "28d", now, rolled=True)["slis"]
        # e1's retry and e3's attempt (now that e3 is known) applied their pairs
        assert later["latency"]["total"] == first["latency"]["total"] + 2
        assert later["api_failure"]["total"] == first["api_failure"]["total"] + 1
        channels = slis(svc, "28d", now, rolled=True, by="channel")["groups"]
        assert "(unknown)" not in channels and channels["store"]["api_failure"]["total"] == 1


def test_retention_without_a_lake_keeps_rollups_equal(make_service: Any) -> None:
    with make_service() as svc:
        base = T0 - 2 * 3600 * NS
        for i in range(40):
            at = i * 173.3  # seconds after T0 - 2 h: several events a minute
            ev = event(f"r{i}", at - 7200, channel="web" if i % 3 else None)
            send_events(svc, ev)
            start = base + int(at * NS) + 5 * NS
            send_spans(
                svc,
                attempt_span(event_id=f"r{i}", target="erp", start_ns=start, end_ns=start + NS),
                attempt_span(
                    event_id=f"r{i}", target="commerce", start_ns=start, end_ns=start + 47 * NS
                ),
            )
        now = T0 + 3600 * NS
        compare(svc, now)
        before = slis(svc, "28d", now, rolled=True)["slis"]
        engine = svc.app.state.slis
        events_before = base + 41 * MINUTE + 17 * NS
        spans_before = base + 63 * MINUTE + 29 * NS
        svc.store.run_task(
            lambda cur: prune(cur, spans_before_ns=spans_before, events_before_ns=events_before)
        ).result()
        engine.refresher.prune(before_ns=events_before, spans_before_ns=spans_before)
        compare(svc, now)
        after = slis(svc, "28d", now, rolled=True)["slis"]
        assert 0 < after["api_failure"]["total"] < before["api_failure"]["total"]
        assert 0 < after["first_pass"]["total"] < before["first_pass"]["total"]


@pytest.mark.parametrize("only", ["pair_counts", "attempts"])
def test_history_in_one_pass_equals_each_instant(
    run: tuple[Service, dict[str, Any]], only: Family
) -> None:
    """``SliEngine.slis_at`` (an SLO's history: one family, every window at
    every instant in one pass, :mod:`metrics.slis.batch`) equals
    ``compute_slis`` at each instant, from the rollups and from raw rows,
    with maintenance scoped by target and warehouse cutting minutes, windows
    shorter than a minute and windows of no whole minute included."""
    svc, truth = run
    start, end = truth["config"]["start_ns"], truth["config"]["end_ns"]
    engine = svc.app.state.slis
    groups = slis(svc, "28d", end, rolled=False, by="warehouse")["groups"]
    targets = slis(svc, "28d", end, rolled=False, by="target")["groups"]
    warehouse, target = sorted(groups)[0], sorted(targets)[0]
    cut: list[Excluded] = [
        (None, None, start + 17 * MINUTE + 30 * NS, start + 41 * MINUTE + 15 * NS),
        (target, None, end - 50 * MINUTE + 7 * NS, end - 20 * MINUTE + 50 * NS),
        (None, warehouse, end - 95 * MINUTE, end - 80 * MINUTE + 1),
        (target, warehouse, end - 11 * MINUTE - 3 * NS, end + 5 * MINUTE),
    ]
    now = end + 437 * NS
    # aligned instants over the run and the unaligned now (as a history asks)
    at = [now - k * 13 * MINUTE for k in range(14, 0, -1)] + [end - 7 * NS, end + NS, now]
    windows = ("30s", "90s", "5m", "1h", "28d")
    wanted = [(w, t) for t in at for w in windows]
    sli = "latency" if only == "pair_counts" else "api_failure"
    for excluded in ((), cut):
        batched = engine.slis_at(wanted, parts=False, excluded=excluded, only=only)
        assert set(batched) == set(wanted)
        for window, t in wanted:
            for rolled in (True, False):
                each = slis(svc, window, t, rolled=rolled, excluded=excluded, only=only)
                assert batched[(window, t)] == each["slis"], (window, t, rolled, excluded)
        # not vacuous: traffic in the long windows, less of it with maintenance
        assert all(batched[("28d", t)][sli]["total"] for t in at)
        assert any(batched[("30s", t)][sli]["total"] for t in at)
    if only == "pair_counts":  # deadlines passing inside the minutes asked
        assert any(batched[(w, t)]["undelivered"] for w, t in wanted)
    plain = engine.slis_at(wanted, parts=False, only=only)
    assert any(plain[k] != batched[k] for k in wanted)  # the maintenance cut something
