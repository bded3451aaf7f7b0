"""The lineage explorer at volume, in a real headless Chromium against a live
synclens fed by the simulator: the history table holds exactly what the
lineage API answers for a SKU with 200 events; the reader's zoom survives
the live refresh; a row opens its trace and puts it in the URL; an order id
typed while "by SKU" is picked is found; old paths redirect.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from dashboards import history, ids
from dashboards.components import PREFIX
from simulator.runner import simulate
from synclens.settings import load_settings
from tests.conftest import LiveServer, Service
from tests.dashboards.browser import available, severe_logs, wait_for, wait_text

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not available() and not os.environ.get("CI"),
        reason="needs Debian's chromium and chromium-driver (make browser)",
    ),
]


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """Few SKUs over a long run, so one SKU reaches the lineage page's 200 events."""
    root = tmp_path_factory.mktemp("lineage")
    settings = load_settings(
        db=str(root / "synclens.duckdb"),
        ops_db=f"sqlite:///{root}/ops.sqlite",
        reconciliation={"interval_s": 86_400},
        exceptions={"detect_interval_s": 86_400},
    )
    with LiveServer(settings) as service:
        simulate(service.url, seed=7, profile="chaos", duration_s=4 * 3600, skus=3, warehouses=1)
        yield service


def _busiest(svc: Service) -> tuple[str, dict[str, Any]]:
    best: tuple[str, dict[str, Any]] | None = None
    for n in range(1, 4):
        sku = f"SKU-{n:05d}"
        lineage = svc.get("/api/v1/lineage", params={"sku": sku}).json()
        if best is None or len(lineage["events"]) > len(best[1]["events"]):
            best = (sku, lineage)
    assert best is not None
    return best


def _settled(driver: WebDriver) -> None:
    WebDriverWait(driver, 20).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, "[data-dash-is-loading='true']")
    )
    time.sleep(0.3)


_GRID_ROWS = """
const done = arguments[arguments.length - 1];
dash_ag_grid.getApiAsync(arguments[0]).then(api => {
  const rows = [];
  api.forEachNodeAfterFilterAndSort(n => rows.push(n.data));
  done(rows);
});
"""


def _open(driver: WebDriver, svc: Service, query: str, ready_css: str) -> None:
    """The lineage page for the busiest SKU (with ``query`` appended), drawn."""
    sku, _ = _busiest(svc)
    driver.get(f"{svc.url}/dashboards/lineage?sku={sku}{query}")
    wait_for(driver, ready_css, timeout=30)
    _settled(driver)


_COUNT_REFRESHES = """
window.__refreshed = 0;
const refresh = arguments[0], fetch0 = window.fetch;
window.fetch = function (url, opts) {
  const p = fetch0.apply(this, arguments);
  const body = String((opts && opts.body) || '');
  if (body.includes('"changedPropIds":["' + refresh + '.n_intervals"]')) {
    p.then(() => setTimeout(() => { window.__refreshed += 1; }, 500));
  }
  return p;
};
"""


def _grid_rows(driver: WebDriver) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = driver.execute_async_script(_GRID_ROWS, ids.LN_HISTORY)
    return rows


def _xrange(driver: WebDriver) -> list[Any]:
    found: list[Any] = driver.execute_script(
        "const el = document.querySelector('#' + CSS.escape(arguments[0]) + ' .js-plotly-plot');"
        "return el && el.layout.xaxis.range ? el.layout.xaxis.range.slice() : null;",
        ids.LN_SWIMLANE,
    )
    return found


def test_history_table_matches_the_api_at_200_events(svc: Service, browser: WebDriver) -> None:
    sku, lineage = _busiest(svc)
    assert len(lineage["events"]) == 200, "the page's limit is reached"
    browser.get(f"{svc.url}/dashboards/lineage?sku={sku}")
    wait_for(browser, f"#{ids.LN_SUMMARY} [data-events='200']", timeout=30)
    want = history.history_rows(lineage, {"sku": sku})
    got = WebDriverWait(browser, 20).until(lambda d: _grid_rows(d) or False)
    assert len(got) == sum(max(1, len(e["targets"])) for e in lineage["events"])
    key = ("event", "target", "state", "attempts", "dead_letter", "replay", "error", "trace_id")
    assert sorted(tuple(r[k] for k in key) for r in got) == sorted(
        tuple(r[k] for k in key) for r in want
    )
    # one page of 20 rows is drawn, newest first
    shown = browser.find_elements(
        By.CSS_SELECTOR, f"#{ids.LN_HISTORY} .ag-center-cols-container .ag-row"
    )
    assert len(shown) == 20
    # only problems: the rows the API's facts call a problem
    browser.find_element(By.CSS_SELECTOR, f"#{ids.LN_PROBLEMS} input").click()
    WebDriverWait(browser, 20).until(lambda d: "problems=1" in d.current_url)
    _settled(browser)
    problems = _grid_rows(browser)
    assert problems and len(problems) == sum(r["problem"] for r in want) < len(want)
    assert severe_logs(browser) == []


def test_zoom_survives_a_refresh(svc: Service, browser: WebDriver) -> None:
    _open(browser, svc, "", f"#{ids.LN_SUMMARY} [data-events]")
    full = _xrange(browser)
    assert full
    # zoom by dragging the range slider's right handle to the left, as a reader does
    handle = browser.find_element(By.CSS_SELECTOR, f"#{ids.LN_SWIMLANE} .rangeslider-grabber-max")
    ActionChains(browser).click_and_hold(handle).pause(0.2).move_by_offset(-300, 0).pause(
        0.2
    ).release().perform()
    WebDriverWait(browser, 10).until(lambda d: _xrange(d) != full)
    zoomed = _xrange(browser)
    assert zoomed != full
    # wait for the live refresh (every 15 s) to answer and redraw the chart
    browser.execute_script(_COUNT_REFRESHES, ids.REFRESH)
    WebDriverWait(browser, 25).until(lambda d: d.execute_script("return window.__refreshed") > 0)
    _settled(browser)
    assert _xrange(browser) == zoomed
    assert severe_logs(browser) == []


def test_a_row_opens_its_trace_and_the_url_keeps_it(svc: Service, browser: WebDriver) -> None:
    _open(browser, svc, "&problems=1", f"#{ids.LN_HISTORY} .ag-row")
    rows = _grid_rows(browser)
    first = next(r for r in rows if r["trace_id"])
    # keyboard only: focus the first row's first cell, as Tab into the grid does, then Space
    browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "dash_ag_grid.getApiAsync(arguments[0]).then(api => {"
        " api.setFocusedCell(0, 'time'); done(true); });",
        ids.LN_HISTORY,
    )
    ActionChains(browser).send_keys(Keys.SPACE).perform()
    title = wait_for(browser, f"#{ids.LN_TRACE_TITLE} [data-trace]")
    assert title.get_attribute("data-trace") == first["trace_id"]
    WebDriverWait(browser, 10).until(lambda d: f"trace={first['trace_id']}" in d.current_url)
    # the URL alone reopens the same view
    browser.get(browser.current_url)
    wait_text(browser, f"#{ids.LN_TRACE_TITLE}", lambda t: first["trace_id"] in t, timeout=30)
    assert severe_logs(browser) == []


def test_an_order_id_typed_as_a_sku_is_found(svc: Service, browser: WebDriver) -> None:
    _, lineage = _busiest(svc)
    order = next(e["order_id"] for e in lineage["events"] if e.get("order_id"))
    api = svc.get(f"/api/v1/orders/{order}/lineage").json()
    browser.get(f"{svc.url}/dashboards/lineage")
    wait_for(browser, f"#{ids.LN_SKU}")
    box = browser.find_element(By.ID, ids.LN_SKU)
    box.send_keys(order, Keys.ENTER)
    summary = wait_for(browser, f"#{ids.LN_SUMMARY} [data-events]", timeout=30)
    assert f"order {order}" in summary.text
    assert summary.get_attribute("data-events") == str(len(api["events"]))
    WebDriverWait(browser, 10).until(lambda d: f"order={order}" in d.current_url)


@pytest.mark.parametrize(
    ("old", "new"), [("on-call", "oncall"), ("lineage-explorer", "lineage"), ("overview", "")]
)
def test_old_paths_redirect(svc: Service, old: str, new: str) -> None:
    r = httpx.get(f"{svc.url}/dashboards/{old}?window=6h", follow_redirects=False)
    assert r.status_code == 301
    assert r.headers["location"] == f"{PREFIX}{new}?window=6h"


def test_pages_name_their_language(svc: Service) -> None:
    page = httpx.get(f"{svc.url}/dashboards/lineage").text
    assert '<html lang="en">' in page
