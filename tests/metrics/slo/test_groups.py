"""An SLO grouped by a label has one budget per value; its status is the worst."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from metrics.slo import load_slos
from metrics.slo.groups import evaluate_slo, worst
from tests.metrics.api.test_slos import SLO_FILE


def _fp(bad: int, total: int) -> dict[str, Any]:
    return {"first_pass": {"good": total - bad, "total": total, "ratio": None}}


def _load(tmp_path: Path, extra: str) -> Any:
    """The first-pass SLO ``fp`` of the API tests (2 h window, 1 h / 10 m page), with ``extra``."""
    fp = SLO_FILE.split("---\n")[0]
    (tmp_path / "s.yaml").write_text(fp + extra)
    return load_slos(tmp_path)[0]


def test_one_failing_target_pages_and_the_clean_ones_do_not(tmp_path: Path) -> None:
    slo = _load(tmp_path, "  groupBy: target\n")
    overall = {w: _fp(50, 3000) for w in slo.all_windows}  # diluted: burn 1.7
    by_value = {
        w: {"erp": _fp(50, 100), "commerce": _fp(0, 1500), "wms": _fp(0, 1400)}
        for w in slo.all_windows
    }
    state = evaluate_slo(slo, overall, by_value)
    assert state["group_by"] == "target"
    groups = {g["target"]: g for g in state["groups"]}
    assert set(groups) == {"commerce", "erp", "wms"}
    assert groups["erp"]["status"] == "page" and groups["erp"]["sli_value"] == 0.5
    assert (
        groups["commerce"]["status"] == "ok" and groups["commerce"]["error_budget_remaining"] == 1
    )
    assert state["status"] == "page"  # the worst value's
    assert state["total"] == 3000  # the SLO as a whole


def test_matchers_judge_one_value_only(tmp_path: Path) -> None:
    slo = _load(tmp_path, "  matchers: {target: commerce}\n")
    by_value = {w: {"erp": _fp(50, 100), "commerce": _fp(0, 1500)} for w in slo.all_windows}
    state = evaluate_slo(slo, {w: _fp(50, 1600) for w in slo.all_windows}, by_value)
    assert state["matchers"] == {"target": "commerce"} and "groups" not in state
    assert (state["total"], state["status"]) == (1500, "ok")
    assert evaluate_slo(slo, {}, {})["status"] == "no_data"  # commerce never seen


def test_worst() -> None:
    assert worst(["ok", "no_data", "ticket"]) == "ticket"
    assert worst(["ok", "page"]) == "page"
    assert worst([]) == "no_data"
