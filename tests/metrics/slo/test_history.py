"""An SLO's history: aligned instants, firing intervals, firing since; budget causes."""

from __future__ import annotations

from typing import Any

from metrics.slo.causes import CauseMap
from metrics.slo.history import firing_intervals, firing_since, history, instants
from metrics.slo.spec import load_slos


def _points(*firing: str | None) -> list[dict[str, Any]]:
    return [{"at_ns": 10 * i, "firing": f} for i, f in enumerate(firing)]


def test_instants_are_aligned_to_the_step_and_end_now() -> None:
    assert instants(1005, 100, 4) == [925, 950, 975, 1000, 1005]
    assert instants(1000, 100, 4) == [925, 950, 975, 1000]


def test_firing_intervals_split_by_severity_and_breaks() -> None:
    points = _points(None, "ticket", "ticket", "page", None, "page")
    assert firing_intervals(points) == [
        {"from_ns": 10, "to_ns": 20, "severity": "ticket"},
        {"from_ns": 30, "to_ns": 30, "severity": "page"},
        {"from_ns": 50, "to_ns": 50, "severity": "page"},
    ]
    assert firing_since(points) == 50
    assert firing_since(_points("ticket", "page", "page")) == 0  # any severity, no break
    assert firing_since(_points("page", None)) is None


def test_causes_follow_the_mapping() -> None:
    causes = CauseMap(partner_systems=frozenset({"commerce"}), kinds={"mismatch": "architectural"})
    assert causes.of_failure("commerce", "429") == "partner"
    assert causes.of_failure("commerce", "timeout") == "partner"
    assert causes.of_failure("wms", "timeout") == "operational"  # our own system
    assert causes.of_failure("wms", "validation") == "architectural"
    assert causes.of_failure("commerce", "validation") == "architectural"
    assert causes.of_kind("mismatch") == "architectural"
    assert causes.of_kind("undelivered") == "operational"


def test_an_sli_of_now_has_no_past() -> None:
    mismatch = next(s for s in load_slos() if s.sli == "mismatch")
    asked: list[tuple[str, int]] = []

    def slis_at(wanted: Any) -> dict[tuple[str, int], Any]:
        pairs = list(wanted)
        asked.extend(pairs)
        return {p: {"mismatch": {"mismatched": 50, "compared": 100}} for p in pairs}

    points = history(mismatch, slis_at, [100, 200, 300])
    assert {t for _, t in asked} == {300}  # the latest reconciliation is no past
    assert [p["status"] for p in points[:2]] == ["no_data", "no_data"]
    assert points[-1]["firing"] == "page"
