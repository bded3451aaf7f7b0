"""On-call triage and the executive overview in a real headless Chromium,
against a live synclens fed by the simulator's chaos run: the firing strip
names the SLOs the API says fire and opens their history; the failed-calls
count and a failing-target bar land on the failed attempts the API lists;
an annotation posted through the API is a marker on the history charts,
on-call's SLOs over time and the overview's trends; a link with the failed
attempts' filters and page shows exactly the API's rows;
the overview's tiles compare with the period before, the budget is split
by cause and the impacted orders are listed as the API lists them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from collector.timefmt import iso
from dashboards import ids
from dashboards.pages.attempts import PAGE_ROWS
from tests.conftest import Service
from tests.dashboards.browser import (
    BROWSER_TEST,
    chaos_demo,
    figure_annotations,
    figure_data,
    screenshot,
    settled,
    severe_logs,
    wait_for,
)

pytestmark = BROWSER_TEST

_WAIT = 60.0  # the machine is shared: pages settle slowly under load


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with chaos_demo(tmp_path_factory.mktemp("triage")) as svc:
        yield svc


def _open(driver: WebDriver, svc: Service, path: str, ready_css: str) -> None:
    driver.get(f"{svc.url}/dashboards/{path}")
    wait_for(driver, ready_css, timeout=_WAIT)
    settled(driver, _WAIT)


def _row_attrs(driver: WebDriver, name: str) -> list[str]:
    """``name`` of every row of the attempts table, in one call (not one per row)."""
    found: list[str] = driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]))"
        ".map(r => r.getAttribute(arguments[1]))",
        f"#{ids.AT_TABLE} tbody tr",
        name,
    )
    return found


def _shown_total(driver: WebDriver) -> int:
    found = wait_for(driver, f"#{ids.AT_SUMMARY} [data-total]", timeout=_WAIT)
    return int(found.get_attribute("data-total") or -1)


def test_the_strip_names_each_firing_slo_and_opens_its_history(
    demo: Service, browser: WebDriver
) -> None:
    slos = demo.get("/api/v1/slos").json()["slos"]
    firing = {s["name"]: s["status"] for s in slos if s["status"] in ("page", "ticket")}
    assert firing, "the chaos run makes an SLO fire"
    _open(browser, demo, "oncall?window=1h", f"#{ids.OC_FIRING} [data-firing]")
    items = browser.find_elements(By.CSS_SELECTOR, f"#{ids.OC_FIRING} [data-slo]")
    shown = {i.get_attribute("data-slo"): i.get_attribute("data-severity") for i in items}
    assert shown == firing
    first = items[0]
    name = first.get_attribute("data-slo")
    assert str(firing[name]).upper() in first.text  # the severity in words, not colour alone
    assert "burning" in first.text and ("since" in first.text or "for over" in first.text)
    first.find_element(By.CSS_SELECTOR, "a.firing-name").click()
    WebDriverWait(browser, _WAIT).until(lambda d: "/dashboards/slo?" in d.current_url)
    assert f"name={name}" in browser.current_url
    wait_for(browser, f"#{ids.SL_STATE} [data-slo='{name}']", timeout=_WAIT)
    settled(browser, _WAIT)
    history = demo.get(f"/api/v1/slos/{name}/history", params={"window": "1h"}).json()
    assert history["firing"], "the SLO firing now fired in the window"
    listed = browser.find_elements(By.CSS_SELECTOR, f"#{ids.SL_FIRING} li[data-severity]")
    assert len(listed) == len(history["firing"])
    labels = [a["text"] for a in figure_annotations(browser, ids.SL_BURN)]
    assert sum(t.startswith("firing:") for t in labels) == len(history["firing"])
    windows = {t["name"] for t in figure_data(browser, ids.SL_BURN)}
    assert "1h burn rate" in windows
    assert severe_logs(browser) == []
    screenshot(browser, "slo-history")


def test_the_failed_calls_count_lands_on_the_failed_attempts(
    demo: Service, browser: WebDriver
) -> None:
    _open(browser, demo, "oncall?window=6h", "[data-stat='failed'] a")
    count = browser.find_element(By.CSS_SELECTOR, "[data-stat='failed'] .stat-value").text
    browser.find_element(By.CSS_SELECTOR, "[data-stat='failed'] a").click()
    WebDriverWait(browser, _WAIT).until(lambda d: "/dashboards/attempts?" in d.current_url)
    total = _shown_total(browser)
    api = demo.get("/api/v1/attempts/failed", params={"window": "6h", "limit": PAGE_ROWS}).json()
    assert total == api["total"] == int(count.replace(",", ""))
    assert _row_attrs(browser, "data-trace") == [a["trace_id"] for a in api["attempts"]]
    # read in one call: the table is drawn again at every refresh
    first_link = browser.execute_script(
        "const a = document.querySelector(arguments[0]); return a && a.href;",
        f"#{ids.AT_TABLE} tbody tr a.trace-link",
    )
    assert f"trace={api['attempts'][0]['trace_id']}" in (first_link or "")
    assert severe_logs(browser) == []
    screenshot(browser, "failed-attempts")


def test_a_failing_target_bar_lands_on_its_attempts(demo: Service, browser: WebDriver) -> None:
    _open(browser, demo, "oncall?window=6h", f"#{ids.OC_FAILING} .main-svg")
    bars = browser.find_elements(By.CSS_SELECTOR, f"#{ids.OC_FAILING} .barlayer .point path")
    bar = next(b for b in bars if b.size["width"] > 4)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", bar)
    ActionChains(browser).move_to_element(bar).pause(0.3).click().perform()
    WebDriverWait(browser, _WAIT).until(lambda d: "/dashboards/attempts?" in d.current_url)
    url = browser.current_url
    assert "target=" in url
    params = dict(p.split("=", 1) for p in url.split("?", 1)[1].split("&"))
    total = _shown_total(browser)
    wanted = {k: params[k] for k in ("window", "target", "error_class") if k in params}
    api = demo.get("/api/v1/attempts/failed", params={**wanted, "limit": 200}).json()
    assert total == api["total"] > 0
    assert set(_row_attrs(browser, "data-target")) == {params["target"]}
    if "error_class" in params:
        assert set(_row_attrs(browser, "data-error-class")) == {params["error_class"]}
    assert severe_logs(browser) == []


def test_an_annotation_posted_through_the_api_is_a_marker(
    demo: Service, browser: WebDriver
) -> None:
    posted = demo.post(
        "/api/v1/annotations", json={"title": "wms 9.9.9", "system": "wms", "kind": "deploy"}
    )
    assert posted.status_code == 200, posted.text
    listed = demo.get("/api/v1/annotations", params={"window": "1h"}).json()["annotations"]
    assert any(a["title"] == "wms 9.9.9" for a in listed)
    slo = demo.get("/api/v1/slos").json()["slos"][0]["name"]
    _open(browser, demo, f"slo?name={slo}&window=1h", f"#{ids.SL_STATE} [data-slo]")
    labels = [a["text"] for a in figure_annotations(browser, ids.SL_BURN)]
    assert "deploy: wms 9.9.9" in labels
    budget = [a["text"] for a in figure_annotations(browser, ids.SL_BUDGET)]
    assert "deploy: wms 9.9.9" in budget or not figure_data(browser, ids.SL_BUDGET)
    items = browser.find_elements(By.CSS_SELECTOR, f"#{ids.SL_MARKERS} [data-marker='deploy']")
    assert any("wms 9.9.9" in i.text for i in items)
    # synclens marked its own start: the configuration it loaded
    assert browser.find_elements(
        By.CSS_SELECTOR, f"#{ids.SL_MARKERS} [data-marker='config_reload']"
    )
    assert severe_logs(browser) == []

    # on-call's time chart: the SLOs over the window, the deploy marked and named
    _open(browser, demo, "oncall?window=1h", f"#{ids.OC_TREND} .main-svg")
    assert figure_data(browser, ids.OC_TREND), "the SLOs drawn over the window"
    assert "deploy: wms 9.9.9" in [a["text"] for a in figure_annotations(browser, ids.OC_TREND)]
    # the overview's: each tile's trend marks it (its words on hover), and the list names it
    _open(browser, demo, "?window=1h", f"#{ids.OV_CHANGES} [data-marker='deploy']")
    sparklines = [
        g.get_attribute("id")
        for g in browser.find_elements(By.CSS_SELECTOR, f"#{ids.OV_TILES} .dash-graph")
    ]
    marked = [
        g
        for g in sparklines
        if figure_data(browser, g)
        and any(
            "deploy: wms 9.9.9" in (a.get("hovertext") or "")
            for a in figure_annotations(browser, g)
        )
    ]
    assert marked and len(marked) == sum(1 for g in sparklines if figure_data(browser, g))
    months = figure_annotations(browser, ids.OV_MONTHS)
    assert any("deploy: wms 9.9.9" in (a.get("hovertext") or "") for a in months)
    changes = browser.find_elements(By.CSS_SELECTOR, f"#{ids.OV_CHANGES} [data-marker='deploy']")
    assert any("wms 9.9.9" in c.text for c in changes)
    assert severe_logs(browser) == []


def test_a_link_with_filters_shows_exactly_the_apis_rows(demo: Service, browser: WebDriver) -> None:
    """Target, HTTP status and a time range in the address: the page lists
    exactly the API's rows for them; a page of the list is a link too."""
    every = demo.get("/api/v1/attempts/failed", params={"window": "6h", "limit": 1000}).json()
    answered = [a for a in every["attempts"] if a["http_status"]]
    assert answered, "the chaos run has HTTP failures"
    pair = Counter((a["target"], a["http_status"]) for a in answered).most_common(1)[0][0]
    times = sorted(a["end_ns"] for a in answered if (a["target"], a["http_status"]) == pair)
    filters = {
        "window": "6h",
        "target": pair[0],
        "http_status": str(pair[1]),
        "since": iso(times[len(times) // 2]),  # the newer half of them
        "until": iso(times[-1] + 1),
    }
    api = demo.get("/api/v1/attempts/failed", params={**filters, "limit": PAGE_ROWS}).json()
    assert api["total"] > 0
    _open(browser, demo, f"attempts?{urlencode(filters)}", f"#{ids.AT_SUMMARY} [data-total]")
    assert _shown_total(browser) == api["total"]
    assert _row_attrs(browser, "data-trace") == [a["trace_id"] for a in api["attempts"]]
    assert {a["http_status"] for a in api["attempts"]} == {pair[1]}
    assert browser.find_element(By.ID, ids.AT_STATUS).get_attribute("value") == str(pair[1])

    # the window's second page, from its link; then the next one, in the address too
    if every["total"] <= 2 * PAGE_ROWS:
        pytest.skip(f"{every['total']} failed attempts: no third page")
    _open(browser, demo, "attempts?window=6h&page=2", f"#{ids.AT_SUMMARY} [data-page='2']")
    second = demo.get(
        "/api/v1/attempts/failed", params={"window": "6h", "limit": PAGE_ROWS, "offset": PAGE_ROWS}
    ).json()
    assert _row_attrs(browser, "data-trace") == [a["trace_id"] for a in second["attempts"]]
    browser.find_element(By.ID, ids.AT_NEXT).click()
    wait_for(browser, f"#{ids.AT_SUMMARY} [data-page='3']", timeout=_WAIT)
    WebDriverWait(browser, _WAIT).until(lambda d: "page=3" in d.current_url)
    third = demo.get(
        "/api/v1/attempts/failed",
        params={"window": "6h", "limit": PAGE_ROWS, "offset": 2 * PAGE_ROWS},
    ).json()
    settled(browser, _WAIT)
    assert _row_attrs(browser, "data-trace") == [a["trace_id"] for a in third["attempts"]]
    assert severe_logs(browser) == []


def test_the_overview_compares_attributes_and_lists_orders(
    demo: Service, browser: WebDriver
) -> None:
    _open(browser, demo, "?window=1h", f"#{ids.OV_ORDER_LIST} [data-total], #{ids.OV_ORDER_LIST} p")
    for tile in browser.find_elements(By.CSS_SELECTOR, f"#{ids.OV_TILES} [data-slo]"):
        change = tile.find_element(By.CSS_SELECTOR, ".tile-change")
        assert change.get_attribute("data-change") in ("better", "worse", "same", "none")
        assert "previous hour" in change.text
    causes = figure_data(browser, ids.OV_CAUSES)
    assert {t["name"].split(" ")[0] for t in causes} <= {"partner", "architectural", "operational"}
    panels = {t.get("xaxis", "x") for t in causes}  # by system, warehouse, channel
    assert "x" in panels and panels <= {"x", "x2", "x3"}
    impacted = demo.get("/api/v1/orders/impacted", params={"limit": 50}).json()
    if impacted["total"]:
        shown = browser.find_element(By.CSS_SELECTOR, f"#{ids.OV_ORDER_LIST} [data-total]")
        assert shown.get_attribute("data-total") == str(impacted["total"])
        orders = browser.find_elements(By.CSS_SELECTOR, f"#{ids.OV_ORDER_LIST} li[data-order]")
        assert [o.get_attribute("data-order") for o in orders] == [
            o["order_id"] for o in impacted["orders"]
        ]
    heat = figure_data(browser, ids.OV_MISMATCH)[0]
    slos = {s["sli"]: s for s in demo.get("/api/v1/slos").json()["slos"]}
    budget = (1 - slos["mismatch"]["objective"]) * 100
    assert heat["zmin"] == 0 and heat["zmax"] >= 2 * budget - 1e-9
    latest = demo.get("/api/v1/reconciliations/latest").json()
    systems = {c["system"] for c in latest["counts"]}
    assert {x.split(" \u00b7 ")[0] for x in heat["x"]} == systems  # a system axis
    assert severe_logs(browser) == []
