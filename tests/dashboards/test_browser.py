"""The dashboards in a real headless Chromium, against a live synclens fed by
the simulator: every page loads, shows what the JSON API says, logs no
console error; a lineage deep link shows the SKU; an acknowledgement made in
the UI lands in the audit log.  Screenshots of each page are taken every
run; ``make screenshots`` writes them to ``docs/screenshots/``.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from dashboards import ids
from tests.conftest import Service
from tests.dashboards.browser import (
    BROWSER_TEST,
    chaos_demo,
    figure_annotations,
    figure_data,
    row_checkbox,
    settled,
    severe_logs,
    wait_for,
    wait_text,
)

pytestmark = BROWSER_TEST

# The committed screenshots are refreshed with SYNCLENS_SCREENSHOTS=docs/screenshots;
# otherwise they go to a temporary folder, so a test run leaves the tree clean.
SHOTS = Path(
    os.environ.get("SYNCLENS_SCREENSHOTS") or Path(tempfile.gettempdir()) / "synclens-screenshots"
).resolve()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A live service holding a short chaos run, reconciled."""
    with chaos_demo(tmp_path_factory.mktemp("dash")) as svc:
        yield svc


def _open(driver: WebDriver, svc: Service, path: str, ready_css: str) -> None:
    driver.get(f"{svc.url}/dashboards/{path}")
    wait_for(driver, ready_css, timeout=20)
    settled(driver)


def _shot(driver: WebDriver, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def _no_console_errors(driver: WebDriver) -> None:
    assert severe_logs(driver) == []


def _stat(driver: WebDriver, key: str) -> str:
    return str(driver.find_element(By.CSS_SELECTOR, f"[data-stat='{key}'] .stat-value").text)


def _pct(value: float | None, digits: int = 2) -> str:
    return "no data" if value is None else f"{value * 100:.{digits}f}%"


def _metric(svc: Service, name: str) -> float:
    return svc.metric(name)


def test_overview_matches_the_api(demo: Service, browser: WebDriver) -> None:
    _open(browser, demo, "?window=28d", "[data-slo] .tile-value")
    slos = demo.get("/api/v1/slos").json()["slos"]
    assert slos, "the shipped SLOs are loaded"
    for slo in slos:
        tile = browser.find_element(By.CSS_SELECTOR, f"[data-slo='{slo['name']}']")
        assert tile.find_element(By.CSS_SELECTOR, ".tile-value").text == _pct(slo["sli_value"])
        assert f"target {_pct(slo['objective'], 1)}" in tile.text
        if slo["total"]:
            assert f"{int(slo['good']):,} of {int(slo['total']):,} good" in tile.text
    assert (
        _stat(browser, "orders_impacted") == f"{int(_metric(demo, 'synclens_orders_impacted')):,}"
    )
    unresolved = demo.get("/api/v1/exceptions", params={"status": "unresolved", "limit": 1}).json()
    assert _stat(browser, "open_problems") == f"{unresolved['total']:,}"
    latest = demo.get("/api/v1/reconciliations/latest", params={"limit": 1}).json()
    assert _stat(browser, "compared") == f"{latest['compared']:,}"
    heat = figure_data(browser, ids.OV_MISMATCH)[0]
    mismatched = sum(c["keys"] for c in latest["counts"] if c["result"] == "mismatch")
    assert sum(cell[0] for row in heat["customdata"] for cell in row) == mismatched
    by_target = demo.get("/api/v1/slis", params={"window": "28d", "by": "target"}).json()["groups"]
    p99 = next(t for t in figure_data(browser, ids.OV_LATENCY) if t["name"] == "99% within")
    assert dict(zip(p99["x"], p99["y"], strict=True)) == pytest.approx(
        {
            t: g["latency"]["p99_s"]
            for t, g in by_target.items()
            if g["latency"]["p99_s"] is not None
        }
    )
    _no_console_errors(browser)
    # the screenshot: the last hour, where the run's trend shows in 5-minute steps
    browser.find_element(By.CSS_SELECTOR, f"#{ids.OV_WINDOW} input[value='1h']").click()
    wait_text(browser, f"#{ids.OV_TILES} .tile-detail", lambda t: "last hour" in t)
    settled(browser)
    _no_console_errors(browser)
    _shot(browser, "overview")
    # a heat map cell is one click away from its mismatch exceptions
    # live refresh paused first, as a user reading the page would: a refresh
    # between the pointer's move and its click may move the page under it
    browser.find_element(By.ID, ids.PAUSE).click()
    wait_text(browser, f"#{ids.REFRESH_STATE}", lambda t: t == "paused")
    settled(browser)
    # click the middle of the first cell, not of the plot: the plot's middle
    # falls in the gap between cells when their number is even
    grid = figure_data(browser, ids.OV_MISMATCH)[0]
    plot = browser.find_element(By.CSS_SELECTOR, f"#{ids.OV_MISMATCH} .nsewdrag")
    width, height = plot.size["width"], plot.size["height"]
    dx = -width / 2 + width / (2 * len(grid["x"]))
    dy = height / 2 - height / (2 * len(grid["y"]))
    ActionChains(browser).move_to_element_with_offset(plot, int(dx), int(dy)).pause(
        0.3
    ).click().perform()
    WebDriverWait(browser, 15).until(lambda d: "/dashboards/exceptions?" in d.current_url)
    assert "kind=mismatch" in browser.current_url and "warehouse=" in browser.current_url
    warehouse = browser.current_url.split("warehouse=")[1].split("&")[0]
    shown = wait_for(browser, f"#{ids.EX_SUMMARY} [data-total]").get_attribute("data-total")
    params = {"kind": "mismatch", "warehouse": warehouse, "status": "unresolved", "limit": 1}
    assert shown == str(demo.get("/api/v1/exceptions", params=params).json()["total"])
    _no_console_errors(browser)


def test_oncall_matches_the_api(demo: Service, browser: WebDriver) -> None:
    _open(browser, demo, "oncall?window=6h", "[data-stat='queue_depth']")
    groups = demo.get("/api/v1/slis", params={"window": "6h", "by": "target"}).json()["groups"]
    assert _stat(browser, "undelivered") == f"{sum(g['undelivered'] for g in groups.values()):,}"
    assert (
        _stat(browser, "dead_lettered") == f"{sum(g['dead_lettered'] for g in groups.values()):,}"
    )
    # per target, "<failed> of <total> calls failed": on the bar, or beside the
    # bars split by failure class (timeout, 429, ...)
    bars = figure_data(browser, ids.OC_FAILING)
    if "text" in bars[0]:
        shown = dict(zip(bars[0]["y"], bars[0]["text"], strict=True))
    else:
        labels = figure_annotations(browser, ids.OC_FAILING)
        shown = {a["y"]: a["text"].strip() for a in labels}
        assert all(b["name"] for b in bars)  # each stack is a named failure class
    for target, g in groups.items():
        if g["api_failure"]["total"]:
            api = g["api_failure"]
            assert shown[target] == f"{api['failed']} of {api['total']} calls failed"
    events = _metric(demo, "synclens_events_received_total")
    assert _stat(browser, "events") == f"{events:,.0f}"
    slos = demo.get("/api/v1/slos").json()["slos"]
    burn = [t for t in figure_data(browser, ids.OC_BURN) if t.get("name") == "long window"]
    for slo, trace in zip(slos, burn, strict=True):  # one panel per SLO, in the API's order
        for alert, text in zip(slo["alerts"], trace["text"], strict=True):
            if alert["long_window"] in ("6h", "1d", "3d"):  # windows the run lies inside
                want = (
                    "no data"
                    if alert["long_burn_rate"] is None
                    else f"{alert['long_burn_rate']:.1f}\u00d7"
                )
                assert text == want
    newest = demo.get("/api/v1/exceptions", params={"status": "unresolved", "limit": 1}).json()
    first = browser.find_element(By.CSS_SELECTOR, "ul.newest li")
    assert first.get_attribute("data-exception") == str(newest["exceptions"][0]["id"])
    assert "/dashboards/lineage?sku=" in (
        first.find_element(By.CSS_SELECTOR, ".lineage-link").get_attribute("href") or ""
    )
    _no_console_errors(browser)
    _shot(browser, "oncall")
    pause = browser.find_element(By.ID, ids.PAUSE)
    pause.click()
    wait_text(browser, f"#{ids.REFRESH_STATE}", lambda t: t == "paused")
    pause.click()
    wait_text(browser, f"#{ids.REFRESH_STATE}", lambda t: t.startswith("live"))


def _busy_sku(svc: Service) -> tuple[str, dict[str, Any]]:
    """A SKU with failed or retried attempts and an exception: a telling history."""
    found = svc.get("/api/v1/exceptions", params={"kind": "dead_lettered", "limit": 20}).json()
    for exc in found["exceptions"] or svc.get("/api/v1/exceptions").json()["exceptions"]:
        if exc["sku"]:
            lineage = svc.get("/api/v1/lineage", params={"sku": exc["sku"]}).json()
            if lineage["events"]:
                return exc["sku"], lineage
    raise AssertionError("no SKU with history")


def test_lineage_deep_link_and_trace(demo: Service, browser: WebDriver) -> None:
    sku, lineage = _busy_sku(demo)
    _open(browser, demo, f"lineage?sku={sku}", f"#{ids.LN_SUMMARY} [data-events]")
    summary = browser.find_element(By.CSS_SELECTOR, f"#{ids.LN_SUMMARY} [data-events]")
    assert summary.get_attribute("data-events") == str(len(lineage["events"]))
    assert f"SKU {sku}" in summary.text
    traces = figure_data(browser, ids.LN_SWIMLANE)
    events = next(t for t in traces if t.get("name") == "event at its source")
    assert len(events["x"]) == len(lineage["events"])
    attempts = sum(len(t["attempts"]) for e in lineage["events"] for t in e["targets"])
    drawn = sum(len(t["x"]) for t in traces if t.get("customdata") is not None)
    assert drawn == attempts + sum(
        len(t["attempts"]) for o in lineage["orphan_attempts"] for t in o["targets"]
    )
    _no_console_errors(browser)
    # click one delivery attempt: its trace opens below
    clickable = [i for i, t in enumerate(traces) if t.get("customdata") is not None]
    telling = [i for i in clickable if traces[i]["name"] in ("dead letter", "failed")]
    index = (telling or clickable)[0]
    point = browser.find_elements(
        By.CSS_SELECTOR,
        f"#{ids.LN_SWIMLANE} .scatterlayer .trace:nth-of-type({index + 1}) path.point",
    )[0]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", point)
    ActionChains(browser).move_to_element(point).pause(0.3).click().perform()
    title = wait_for(browser, f"#{ids.LN_TRACE_TITLE} [data-trace]")
    trace_id = title.get_attribute("data-trace")
    assert trace_id in traces[index]["customdata"][0][0] or any(
        trace_id == c[0] for c in traces[index]["customdata"]
    )
    settled(browser)
    spans = demo.get(f"/api/v1/traces/{trace_id}").json()["spans"]
    assert re.match(rf"trace {trace_id}: {spans} spans?\b", title.text)
    assert len(figure_data(browser, ids.LN_TRACE)[0]["y"]) >= spans
    _no_console_errors(browser)
    _shot(browser, "lineage")


def test_acknowledge_in_the_ui_lands_in_the_audit_log(demo: Service, browser: WebDriver) -> None:
    _open(browser, demo, "exceptions", f"#{ids.EX_SUMMARY} [data-total]")
    api = demo.get("/api/v1/exceptions", params={"status": "unresolved", "limit": 1}).json()
    total = browser.find_element(By.CSS_SELECTOR, f"#{ids.EX_SUMMARY} [data-total]")
    assert total.get_attribute("data-total") == str(api["total"])
    newest = api["exceptions"][0]
    browser.find_element(By.CSS_SELECTOR, row_checkbox(ids.EX_TABLE)).click()
    wait_text(browser, f"#{ids.EX_DETAIL} h2", lambda t: t.startswith(f"#{newest['id']} "))
    browser.find_element(By.ID, ids.EX_NOTE).send_keys("looking into the ERP timeouts")
    browser.find_element(By.ID, ids.EX_ACK).click()
    wait_text(browser, f"#{ids.EX_MESSAGE}", lambda t: "acknowledged" in t)
    audit = demo.get(f"/api/v1/exceptions/{newest['id']}/audit").json()["audit"]
    last = audit[-1]
    # no auth configured: everyone on loopback is the anonymous admin, and the
    # audit says so (tests/dashboards/test_browser_sign_in.py: a signed-in user)
    assert (last["action"], last["by"], last["note"]) == (
        "acknowledged",
        "anonymous",
        "looking into the ERP timeouts",
    )
    wait_text(browser, f"#{ids.EX_AUDIT}", lambda t: "by anonymous" in t)
    settled(browser)
    _no_console_errors(browser)
    _shot(browser, "exceptions")


def test_empty_store_pages_say_so(make_service: Any, browser: WebDriver, tmp_path: Path) -> None:
    with make_service(ops_db=f"sqlite:///{tmp_path}/empty-ops.sqlite") as svc:
        _open(browser, svc, "", f"#{ids.OV_MISMATCH} .main-svg")
        assert "No reconciliation has run yet" in browser.find_element(By.ID, ids.OV_MISMATCH).text
        assert "No open problems" in browser.find_element(By.ID, ids.OV_BACKLOG).text
        assert "No updates were applied" in browser.find_element(By.ID, ids.OV_LATENCY).text
        _open(browser, svc, "oncall", f"#{ids.OC_BURN} .main-svg")
        assert "no burn rate to show" in browser.find_element(By.ID, ids.OC_BURN).text
        assert "No delivery attempts" in browser.find_element(By.ID, ids.OC_FAILING).text
        assert "No open exceptions" in browser.find_element(By.ID, ids.OC_NEWEST).text
        _open(browser, svc, "lineage?sku=NOPE", f"#{ids.LN_SUMMARY} .empty-note")
        assert "Nothing found for SKU NOPE" in browser.find_element(By.ID, ids.LN_SUMMARY).text
        _open(browser, svc, "exceptions", f"#{ids.EX_SUMMARY} [data-total='0']")
        _no_console_errors(browser)
