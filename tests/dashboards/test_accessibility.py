"""Accessibility in a real headless Chromium: axe-core (npm, pinned in
tests/dashboards/axe) finds no serious or critical violation on any page,
in the states people use them in (a SKU's history with a trace open, an
exception selected, signed out at the sign-in form); and an exception is
acknowledged with the keyboard alone (Tab, Enter, Space), and the charts'
drill-downs open from the keyboard too."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from dashboards import ids
from dashboards.pages.attempts import PAGE_ROWS
from tests.conftest import Service
from tests.dashboards.browser import (
    BROWSER_TEST,
    axe_violations,
    chaos_demo,
    row_checkbox,
    settled,
    severe_logs,
    wait_for,
    wait_text,
)

pytestmark = BROWSER_TEST


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with chaos_demo(tmp_path_factory.mktemp("a11y"), seed=7, duration_s=1800, skus=20) as svc:
        yield svc


def _sku(svc: Service) -> str:
    for exc in svc.get("/api/v1/exceptions", params={"limit": 50}).json()["exceptions"]:
        if exc["sku"]:
            return str(exc["sku"])
    raise AssertionError("no exception names a SKU")


def _pages(svc: Service) -> dict[str, str]:
    """path below /dashboards/ -> a selector present once the page is drawn"""
    sku = _sku(svc)
    first = svc.get("/api/v1/exceptions", params={"limit": 1}).json()["exceptions"][0]
    return {
        "": f"#{ids.OV_TILES} [data-slo]",
        "oncall": "[data-stat='queue_depth']",
        f"lineage?sku={sku}": f"#{ids.LN_SUMMARY} [data-events]",
        "exceptions": f"#{ids.EX_SUMMARY} [data-total]",
        f"exceptions?id={first['id']}": f"#{ids.EX_DETAIL} h2",
    }


def test_no_serious_violations_on_any_page(demo: Service, browser: WebDriver) -> None:
    found: dict[str, list[str]] = {}
    for path, ready in _pages(demo).items():
        browser.get(f"{demo.url}/dashboards/{path}")
        wait_for(browser, ready)
        settled(browser, pause=0.5)
        found[path or "overview"] = axe_violations(browser)
        _charts_are_named_and_tabled(browser)
    assert found == {p: [] for p in found}, "\n".join(
        f"{p}: {line}" for p, lines in found.items() for line in lines
    )
    assert severe_logs(browser) == []


def _charts_are_named_and_tabled(driver: WebDriver) -> None:
    """Every chart has a name and, when it draws data, its data as a table
    (assets/a11y.js); status is never told by colour alone."""
    charts = driver.find_elements(By.CSS_SELECTOR, ".dash-graph")
    for chart in charts:
        assert chart.get_attribute("role") == "figure", chart.get_attribute("id")
        assert chart.get_attribute("aria-label"), chart.get_attribute("id")
    drawn = driver.execute_script(
        "return Array.from(document.querySelectorAll('.js-plotly-plot'))"
        ".filter(g => (g.data || []).some(t => (t.x && t.x.length) || t.z))"
        ".map(g => g.closest('.dash-graph').id)"
    )
    tabled = {
        d.get_attribute("data-for")
        for d in driver.find_elements(By.CSS_SELECTOR, "details.chart-data")
    }
    assert set(drawn) <= tabled


def _press(driver: WebDriver, key: str) -> None:
    ActionChains(driver).send_keys(key).perform()


def _tab_until(driver: WebDriver, found: Callable[[Any], bool], limit: int = 60) -> None:
    for _ in range(limit):
        _press(driver, Keys.TAB)
        if found(driver.switch_to.active_element):
            return
    raise AssertionError(f"not reached with {limit} presses of Tab")


def test_acknowledge_with_the_keyboard_alone(demo: Service, browser: WebDriver) -> None:
    """Tab to the table's first row, Space ticks it, Tab to the note, type,
    Tab to Acknowledge, Enter: no mouse, no arrow keys."""
    browser.get(f"{demo.url}/dashboards/exceptions")
    wait_for(browser, f"#{ids.EX_TABLE} .ag-row[row-index='0']")
    settled(browser, pause=0.5)
    newest = demo.get("/api/v1/exceptions", params={"status": "unresolved", "limit": 1}).json()
    wanted = newest["exceptions"][0]["id"]

    def first_row(el: Any) -> bool:
        return bool(
            browser.execute_script(
                "const r = arguments[0].closest('.ag-row');"
                "return !!r && r.getAttribute('row-index') === '0'"
                f" && !!arguments[0].closest('#{ids.EX_TABLE}')",
                el,
            )
        )

    _tab_until(browser, first_row)
    _press(browser, Keys.SPACE)
    wait_text(browser, f"#{ids.EX_DETAIL} h2", lambda t: t.startswith(f"#{wanted} "))
    _tab_until(browser, lambda el: el.get_attribute("id") == ids.EX_NOTE)
    _press(browser, "keyboard only")
    _tab_until(browser, lambda el: el.get_attribute("id") == ids.EX_ACK, limit=3)
    _press(browser, Keys.ENTER)
    wait_text(browser, f"#{ids.EX_MESSAGE}", lambda t: f"#{wanted} is now acknowledged" in t)
    last = demo.get(f"/api/v1/exceptions/{wanted}/audit").json()["audit"][-1]
    assert (last["action"], last["note"]) == ("acknowledged", "keyboard only")
    assert severe_logs(browser) == []


def _in(driver: WebDriver, css: str) -> Callable[[Any], bool]:
    """Whether the focused element is a link inside ``css``."""

    def found(el: Any) -> bool:
        return bool(
            driver.execute_script(
                "return arguments[0].tagName === 'A' && !!arguments[0].closest(arguments[1])",
                el,
                css,
            )
        )

    return found


def _grid_ids(driver: WebDriver) -> list[int]:
    found: list[str] = driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map(c => c.textContent)",
        f"#{ids.EX_TABLE} .ag-center-cols-container .ag-row [col-id='id']",
    )
    return [int(x) for x in found]


def _open_paused(driver: WebDriver, url: str, ready: str) -> None:
    """Open ``url`` and, with Tab and Enter, pause the live refresh (it would
    redraw the links while Tab walks to them)."""
    driver.get(url)
    wait_for(driver, ready)
    settled(driver, pause=0.5)
    _tab_until(driver, lambda el: el.get_attribute("id") == ids.PAUSE, limit=30)
    _press(driver, Keys.ENTER)
    wait_text(driver, f"#{ids.PAUSE}", lambda t: t == "Resume")


def test_drill_down_with_the_keyboard_alone(demo: Service, browser: WebDriver) -> None:
    """The overview's heat map and backlog bars and on-call's failing-target
    bars open their lists from the keyboard (Tab to the link under the
    chart, Enter) and land on the rows the API lists."""
    _open_paused(
        browser, f"{demo.url}/dashboards/?window=28d", f"[data-drill='{ids.OV_MISMATCH}'] a"
    )
    _tab_until(browser, _in(browser, f"[data-drill='{ids.OV_MISMATCH}']"), limit=120)
    _press(browser, Keys.ENTER)
    WebDriverWait(browser, 30).until(lambda d: "/dashboards/exceptions?" in d.current_url)
    assert "kind=mismatch" in browser.current_url
    warehouse = unquote_plus(browser.current_url.split("warehouse=")[1].split("&")[0])
    wanted = {"kind": "mismatch", "warehouse": warehouse, "status": "unresolved", "limit": 15}
    api = demo.get("/api/v1/exceptions", params=wanted).json()
    shown = wait_for(browser, f"#{ids.EX_SUMMARY} [data-total]").get_attribute("data-total")
    assert shown == str(api["total"]) and api["total"] > 0
    WebDriverWait(browser, 30).until(lambda d: _grid_ids(d) == [x["id"] for x in api["exceptions"]])

    _open_paused(
        browser, f"{demo.url}/dashboards/?window=28d", f"[data-drill='{ids.OV_BACKLOG}'] a"
    )
    _tab_until(browser, _in(browser, f"[data-drill='{ids.OV_BACKLOG}']"), limit=150)
    _press(browser, Keys.ENTER)
    WebDriverWait(browser, 30).until(lambda d: "/dashboards/exceptions?" in d.current_url)
    kind = browser.current_url.split("kind=")[1].split("&")[0]
    api = demo.get(
        "/api/v1/exceptions", params={"kind": kind, "status": "unresolved", "limit": 15}
    ).json()
    WebDriverWait(browser, 30).until(lambda d: _grid_ids(d) == [x["id"] for x in api["exceptions"]])
    shown = wait_for(browser, f"#{ids.EX_SUMMARY} [data-total]").get_attribute("data-total")
    assert shown == str(api["total"])

    _open_paused(
        browser, f"{demo.url}/dashboards/oncall?window=6h", f"[data-drill='{ids.OC_FAILING}'] a"
    )
    # a link of one failure class of one target
    _tab_until(
        browser,
        lambda el: (
            _in(browser, f"[data-drill='{ids.OC_FAILING}']")(el)
            and "error_class=" in (el.get_attribute("href") or "")
        ),
        limit=150,
    )
    _press(browser, Keys.ENTER)
    WebDriverWait(browser, 30).until(lambda d: "/dashboards/attempts?" in d.current_url)
    params = dict(parse_qsl(browser.current_url.split("?", 1)[1]))
    assert set(params) >= {"window", "target", "error_class"}
    api = demo.get("/api/v1/attempts/failed", params={**params, "limit": PAGE_ROWS}).json()
    found = wait_for(browser, f"#{ids.AT_SUMMARY} [data-total]")
    assert found.get_attribute("data-total") == str(api["total"]) and api["total"] > 0
    traces = browser.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]))"
        ".map(r => r.getAttribute('data-trace'))",
        f"#{ids.AT_TABLE} tbody tr",
    )
    assert traces == [a["trace_id"] for a in api["attempts"]]
    assert severe_logs(browser) == []


def test_bulk_resolve(demo: Service, browser: WebDriver) -> None:
    """Tick three rows, resolve them with one note: each is resolved, each
    audited on its own; one that cannot move (already resolved) is named."""
    browser.get(f"{demo.url}/dashboards/exceptions?status=open")
    wait_for(browser, f"#{ids.EX_TABLE} .ag-row[row-index='2']")
    settled(browser, pause=0.5)
    shown = browser.find_elements(
        By.CSS_SELECTOR, f"#{ids.EX_TABLE} .ag-center-cols-container .ag-row"
    )
    picked = sorted(
        (int(r.find_element(By.CSS_SELECTOR, "[col-id='id']").text) for r in shown[:3]),
        reverse=True,
    )
    for index in range(3):
        browser.find_element(By.CSS_SELECTOR, row_checkbox(ids.EX_TABLE, index)).click()
    wait_text(browser, f"#{ids.EX_PICKED}", lambda t: t.startswith("3 selected"))
    browser.find_element(By.ID, ids.EX_NOTE).send_keys("fixed by the mapping release")
    browser.find_element(By.ID, ids.EX_RESOLVE).click()
    wait_text(browser, f"#{ids.EX_MESSAGE}", lambda t: "3 exceptions are now resolved" in t)
    for exception_id in picked:
        found = demo.get(f"/api/v1/exceptions/{exception_id}").json()
        assert found["status"] == "resolved"
        audit = demo.get(f"/api/v1/exceptions/{exception_id}/audit").json()["audit"]
        assert [(a["action"], a["note"]) for a in audit[-1:]] == [
            ("resolved", "fixed by the mapping release")
        ]
    # they leave the list of open ones; resolving the one shown again is refused, saying why
    WebDriverWait(browser, 30).until(
        lambda d: (
            not {e.text for e in d.find_elements(By.CSS_SELECTOR, f"#{ids.EX_TABLE} [col-id='id']")}
            & {str(i) for i in picked}
        )
    )
    browser.find_element(By.ID, ids.EX_RESOLVE).click()
    wait_text(browser, f"#{ids.EX_MESSAGE}", lambda t: t.startswith(f"#{picked[0]}: "))
    assert severe_logs(browser) == []


def test_no_serious_violations_with_nothing_to_show(make_service: Any, browser: WebDriver) -> None:
    """The pages of an empty store (sentences instead of charts), and a page
    that does not exist, are as clean."""
    pages = {
        "": f"#{ids.OV_MISMATCH} .main-svg",
        "oncall": f"#{ids.OC_BURN} .main-svg",
        "lineage?sku=NOPE": f"#{ids.LN_SUMMARY} .empty-note",
        "exceptions": f"#{ids.EX_SUMMARY} [data-total='0']",
        "nowhere": f"#{ids.PAGE} .empty-note",
    }
    with make_service() as svc:
        found: dict[str, list[str]] = {}
        for path, ready in pages.items():
            browser.get(f"{svc.url}/dashboards/{path}")
            wait_for(browser, ready)
            settled(browser, pause=0.5)
            found[path or "overview"] = axe_violations(browser)
        assert found == {p: [] for p in found}, "\n".join(
            f"{p}: {line}" for p, lines in found.items() for line in lines
        )
