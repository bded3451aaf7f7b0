"""Where a click on an on-call chart leads, and the overview's words for change."""

from __future__ import annotations

from dashboards import ids
from dashboards.executive_figures import change
from dashboards.pages.oncall import drill_link


def _click(**point: object) -> dict[str, object]:
    return {"points": [point]}


def test_a_failing_target_bar_opens_its_failed_attempts_of_its_class() -> None:
    click = _click(y="wms", customdata=[3, "timeout"])
    assert (
        drill_link(ids.OC_FAILING, click, "6h")
        == "/dashboards/attempts?window=6h&target=wms&error_class=timeout"
    )
    # one bar per target, not split by class: every class
    assert drill_link(ids.OC_FAILING, _click(y="erp"), "1h") == (
        "/dashboards/attempts?window=1h&target=erp"
    )


def test_a_burn_bar_opens_its_slo_and_an_undelivered_bar_its_exceptions() -> None:
    assert drill_link(
        ids.OC_BURN, _click(x="1h / 5m (page)", customdata=["alert firing", "first-pass"]), "1h"
    ) == ("/dashboards/slo?name=first-pass&window=1h")
    assert drill_link(ids.OC_BURN, _click(x="1h / 5m (page)"), "1h") is None  # a threshold
    assert drill_link(ids.OC_UNDELIVERED, _click(x="erp", customdata="dead_lettered"), "1h") == (
        "/dashboards/exceptions?kind=dead_lettered&target=erp&status=unresolved"
    )
    assert drill_link(ids.OC_FAILING, None, "1h") is None


def test_change_says_better_or_worse_in_words() -> None:
    assert change(0.99, 0.98, "hour") == (
        "\u25b2 +1.00 points, better than the previous hour (98.00%)",
        "better",
    )
    assert change(0.97, 0.98, "hour")[1] == "worse"
    assert change(0.98, 0.98, "hour")[1] == "same"
    assert change(0.98, None, "hour") == ("no value for the previous hour to compare", "none")
