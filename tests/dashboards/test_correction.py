"""The exceptions page shows a mismatch's proposed correction in its detail."""

from __future__ import annotations

from typing import Any

from dashboards.pages.exceptions import _detail


def _texts(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list | tuple):
        return [t for child in node for t in _texts(child)]
    children = getattr(node, "children", None)
    return _texts(children) if children is not None else []


def test_detail_shows_the_correction() -> None:
    text = "erp/s4 on_hand SKU-A DC-EAST lot L7: 102 -> 105, wms/dc-east owns on_hand"
    x = {
        "id": 7, "kind": "mismatch", "status": "open", "reason": "r", "owner_team": "ops",
        "severity": "warning", "detail": {"correction": {"case": "variance", "text": text}},
    }  # fmt: skip
    head, _ = _detail(x)
    assert "Correction: " in _texts(head) and text in _texts(head)
    x["detail"] = {"correction": {"case": "short_ship", "text": "short ship: ..."}}
    assert "Short ship, reversal: " in _texts(_detail(x)[0])
    x["detail"] = {}
    assert not any("Correction" in t for t in _texts(_detail(x)[0]))
