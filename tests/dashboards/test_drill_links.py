"""Where a click on an on-call chart leads, the links under the charts that go
there from the keyboard, the failed attempts' filters in the address, and
the overview's words for change."""

from __future__ import annotations

import pandas as pd

from dashboards import drills, frames, ids
from dashboards.executive_figures import change
from dashboards.pages import attempts, overview
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


def test_an_overview_click_opens_its_exceptions_and_no_point_stays() -> None:
    assert overview.drill_link(ids.OV_MISMATCH, _click(y="DC-EAST", x="wms")) == (
        "/dashboards/exceptions?kind=mismatch&warehouse=DC-EAST"
    )
    assert overview.drill_link(ids.OV_BACKLOG, _click(customdata="undelivered")) == (
        "/dashboards/exceptions?status=unresolved&kind=undelivered"
    )
    # a click event with no point (a reset, a click off the bars): no navigation,
    # not every unresolved exception
    for source in (ids.OV_MISMATCH, ids.OV_BACKLOG):
        assert overview.drill_link(source, None) is None
        assert overview.drill_link(source, {}) is None
        assert overview.drill_link(source, {"points": []}) is None


def test_change_says_better_or_worse_in_words() -> None:
    assert change(0.99, 0.98, "hour") == (
        "\u25b2 +1.00 points, better than the previous hour (98.00%)",
        "better",
    )
    assert change(0.97, 0.98, "hour")[1] == "worse"
    assert change(0.98, 0.98, "hour")[1] == "same"
    assert change(0.98, None, "hour") == ("no value for the previous hour to compare", "none")


def test_the_links_under_the_charts_go_where_a_click_goes() -> None:
    mismatch = frames.mismatch_frame(
        [
            ("wms", "DC-EAST", "", "match", 98),
            ("wms", "DC-EAST", "", "mismatch", 2),
            ("wms", "DC-WEST", "", "match", 50),
        ]
    )
    assert drills.mismatch_drills(mismatch) == [
        (
            "DC-EAST: 2 of 100 records disagree (2.00%)",
            "/dashboards/exceptions?kind=mismatch&warehouse=DC-EAST",
        )
    ]  # DC-WEST: nothing to open
    backlog = frames.backlog_frame(
        [("mismatch", 0), ("mismatch", 10**9 * 3600 * 29), ("undelivered", 0)],
        now_ns=10**9 * 3600 * 31,
    )
    assert drills.backlog_drills(backlog) == [
        (
            "stock mismatch: 2 open, 1 over a day",
            overview.drill_link(ids.OV_BACKLOG, _click(customdata="mismatch")),
        ),
        (
            "not delivered: 1 open, 1 over a day",
            "/dashboards/exceptions?status=unresolved&kind=undelivered",
        ),
    ]
    targets = frames.target_frame(
        {
            "wms": {"api_failure": {"total": 40, "failed": 3}, "undelivered": 2},
            "erp": {"api_failure": {"total": 10, "failed": 0}},
        }
    )
    failures = pd.DataFrame(
        [("wms", "timeout", 2), ("wms", "503", 1)], columns=["target", "error_type", "failed"]
    )
    found = drills.failing_drills(targets, failures, "6h")
    assert [words for words, _ in found] == [
        "wms: 3 of 40 calls failed",
        "wms, timeout: 2",
        "wms, 503: 1",
    ]
    assert [link for _, link in found] == [
        drill_link(ids.OC_FAILING, _click(y="wms"), "6h"),
        drill_link(ids.OC_FAILING, _click(y="wms", customdata=[2, "timeout"]), "6h"),
        drill_link(ids.OC_FAILING, _click(y="wms", customdata=[1, "503"]), "6h"),
    ]
    assert drills.undelivered_drills(targets) == [
        (
            "wms: 2 undelivered",
            drill_link(ids.OC_UNDELIVERED, _click(x="wms", customdata="undelivered"), "6h"),
        )
    ]
    assert drills.failing_drills(targets.iloc[0:0], None, "1h") == []
    assert drills.mismatch_drills(frames.mismatch_frame([])) == []


def test_the_attempts_filters_round_trip_through_the_address() -> None:
    values = {
        "window": "6h",
        "target": " wms ",
        "error_class": "",
        "http_status": 503,
        "sku": None,
        "since": "2026-12-03T14:00:00Z",
        "until": "",
    }
    found = attempts.wanted(values, 3)
    assert not isinstance(found, str)
    assert (found.target, found.error_class, found.http_status, found.sku) == (
        "wms",
        None,
        503,
        None,
    )
    assert (found.limit, found.offset) == (attempts.PAGE_ROWS, 2 * attempts.PAGE_ROWS)
    assert found.since_ns == 1_796_306_400 * 10**9 and found.until_ns is None
    assert attempts.search(values, 3) == (
        "?window=6h&target=wms&http_status=503&since=2026-12-03T14%3A00%3A00Z&page=3"
    )
    assert attempts.search({"window": "1h"}, 1) == "?window=1h"
    assert "not a status code" in str(attempts.wanted({**values, "http_status": "abc"}, 1))
    assert str(attempts.wanted({**values, "since": "yesterday"}, 1)).startswith("from")
    later = {**values, "until": "2026-12-03T13:00:00Z"}
    assert "must come after" in str(attempts.wanted(later, 1))
