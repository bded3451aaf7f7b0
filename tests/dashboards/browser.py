"""Headless Chromium (Debian's ``chromium`` + ``chromium-driver``) through Selenium."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service as ChromeService
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from dashboards import ids
from simulator.runner import simulate
from synclens.settings import load_settings
from tests.conftest import LiveServer, Service

__all__ = [
    "BROWSER_TEST",
    "CHROMEDRIVER",
    "CHROMIUM",
    "OFFLINE",
    "acknowledge_the_exception",
    "available",
    "axe_violations",
    "chaos_demo",
    "chromium",
    "figure_data",
    "row_checkbox",
    "screenshot",
    "settled",
    "severe_logs",
    "sign_out",
    "wait_for",
    "wait_text",
]

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WIDTH, HEIGHT = 1400, 1000


def available() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


#: resolve no host name but the local one: a page that needs the internet fails
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"


#: ``pytestmark`` of a browser test module: slow; in CI a missing browser
#: fails (``make test`` installs it), elsewhere it skips saying why
BROWSER_TEST = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not available() and not os.environ.get("CI"),
        reason="needs Debian's chromium and chromium-driver (make browser)",
    ),
]


@contextmanager
def chromium(*extra_args: str) -> Iterator[WebDriver]:
    profile = tempfile.mkdtemp(prefix="synclens-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        f"--window-size={WIDTH},{HEIGHT}",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        *extra_args,
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=ChromeService(CHROMEDRIVER), options=opts)
    try:
        driver.set_window_size(WIDTH, HEIGHT)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


# Dash replaces elements when a callback re-renders them: an element found a
# moment ago may be gone when its text is read. The wait then looks again.
_RERENDERED = (StaleElementReferenceException,)


def wait_for(driver: WebDriver, css: str, timeout: float = 30.0) -> WebElement:
    el: WebElement = WebDriverWait(driver, timeout, ignored_exceptions=_RERENDERED).until(
        lambda d: d.find_element(By.CSS_SELECTOR, css)
    )
    return el


def wait_text(
    driver: WebDriver, css: str, pred: Callable[[str], bool], timeout: float = 30.0
) -> str:
    """Wait until the element at ``css`` has a text ``pred`` accepts; return it."""

    def check(d: WebDriver) -> str | bool:
        for el in d.find_elements(By.CSS_SELECTOR, css):
            text = el.text
            if pred(text):
                return text
        return False

    found: str = WebDriverWait(driver, timeout, ignored_exceptions=_RERENDERED).until(check)
    return found


def row_checkbox(grid_id: str, row_index: int = 0) -> str:
    """The CSS selector of the selection box of a dash-ag-grid's row, as shown."""
    return f"#{grid_id} .ag-row[row-index='{row_index}'] .ag-selection-checkbox input"


_DECODE = """
const T = {f8: Float64Array, f4: Float32Array, i1: Int8Array, u1: Uint8Array, i2: Int16Array,
           u2: Uint16Array, i4: Int32Array, u4: Uint32Array};
function dec(v) {
  if (v && typeof v === 'object' && v.bdata && v.dtype) {  // Plotly's base64 typed arrays
    const b = atob(v.bdata), buf = new Uint8Array(b.length);
    for (let i = 0; i < b.length; i++) buf[i] = b.charCodeAt(i);
    return Array.from(new T[v.dtype](buf.buffer));
  }
  if (ArrayBuffer.isView(v)) return Array.from(v);
  return v;
}
const el = document.querySelector('#' + CSS.escape(arguments[0]) + ' .js-plotly-plot');
if (!el || !el.data) return null;
return JSON.parse(JSON.stringify(el.data.map(t => Object.fromEntries(
  Object.entries(t).map(([k, v]) => [k, dec(v)])))));
"""


def figure_data(driver: WebDriver, graph_id: str) -> list[dict[str, Any]]:
    """The Plotly traces drawn in the dcc.Graph ``graph_id`` (typed arrays as lists)."""
    data: list[dict[str, Any]] = driver.execute_script(_DECODE, graph_id) or []
    return data


_ANNOTATIONS = """
const el = document.querySelector('#' + CSS.escape(arguments[0]) + ' .js-plotly-plot');
if (!el || !el.layout) return [];
return JSON.parse(JSON.stringify(el.layout.annotations || []));
"""


def figure_annotations(driver: WebDriver, graph_id: str) -> list[dict[str, Any]]:
    """The annotations (labels placed on the chart) of the dcc.Graph ``graph_id``."""
    found: list[dict[str, Any]] = driver.execute_script(_ANNOTATIONS, graph_id) or []
    return found


def severe_logs(driver: WebDriver) -> list[dict[str, Any]]:
    """Browser console entries at SEVERE level since the last call."""
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def acknowledge_the_exception(
    driver: WebDriver, svc: Service, headers: dict[str, str], note: str
) -> dict[str, Any]:
    """On the exceptions page: select the one open exception, acknowledge it
    with ``note``; its last audit entry (read with ``headers``)."""
    [exception] = svc.get("/api/v1/exceptions", headers=headers).json()["exceptions"]
    driver.find_element(By.CSS_SELECTOR, row_checkbox(ids.EX_TABLE)).click()
    wait_text(driver, f"#{ids.EX_DETAIL} h2", lambda t: t.startswith(f"#{exception['id']} "))
    driver.find_element(By.ID, ids.EX_NOTE).send_keys(note)
    driver.find_element(By.ID, ids.EX_ACK).click()
    wait_text(driver, f"#{ids.EX_MESSAGE}", lambda t: "acknowledged" in t)
    audit = svc.get(f"/api/v1/exceptions/{exception['id']}/audit", headers=headers).json()
    last: dict[str, Any] = audit["audit"][-1]
    return last


def sign_out(driver: WebDriver, svc: Service) -> None:
    """Sign out from the header; the dashboards then send the browser to sign in."""
    driver.find_element(By.ID, ids.SIGN_OUT).click()
    WebDriverWait(driver, 20).until(lambda d: "/auth/sign-in" in d.current_url)
    driver.get(f"{svc.url}/dashboards/")
    WebDriverWait(driver, 20).until(lambda d: "/auth/sign-in" in d.current_url)


#: axe-core from npm (tests/dashboards/axe, installed by ``make js-deps``)
AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
#: what must never be found: serious and critical violations of WCAG 2.x A and AA
#: and axe's best practices (landmarks, names, contrast, language, ...)
AXE_IMPACTS = ("serious", "critical")
_AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']})
  .then(r => done(JSON.stringify(r.violations)))
  .catch(e => done(JSON.stringify({error: String(e)})));
"""


def _axe_source() -> str:
    if not AXE.is_file():
        if shutil.which("node") is None:
            pytest.skip("Node.js is not installed: axe-core (npm) is not there to check the pages")
        pytest.fail(f"{AXE} is missing: run `make js-deps` (npm ci in tests/dashboards/axe)")
    return AXE.read_text(encoding="utf-8")


def axe_violations(driver: WebDriver, impacts: tuple[str, ...] = AXE_IMPACTS) -> list[str]:
    """axe-core's violations of the page shown, of ``impacts``: one line per
    rule and element (rule, impact, selector, what is wrong), empty when clean."""
    driver.execute_script(_axe_source())
    driver.set_script_timeout(120)
    found = json.loads(driver.execute_async_script(_AXE_RUN))
    if isinstance(found, dict):
        raise AssertionError(f"axe-core failed: {found['error']}")
    return [
        f"{v['id']} ({v['impact']}) {node['target']}: {node['failureSummary']}"
        for v in found
        if v["impact"] in impacts
        for node in v["nodes"]
    ]


@contextmanager
def chaos_demo(
    root: Path, *, seed: int = 5, duration_s: int = 3600, skus: int = 40, **settings: Any
) -> Iterator[Service]:
    """A live service in ``root`` holding the simulator's chaos run (``seed``,
    ``duration_s``, ``skus`` over two warehouses), reconciled; nothing changes
    by itself while pages are compared with the API (``settings``: more)."""
    found = load_settings(
        db=str(root / "synclens.duckdb"),
        ops_db=f"sqlite:///{root}/ops.sqlite",
        reconciliation={"interval_s": 86_400},
        exceptions={"detect_interval_s": 86_400},
        **settings,
    )
    with LiveServer(found) as svc:
        simulate(
            svc.url, seed=seed, profile="chaos", duration_s=duration_s, skus=skus, warehouses=2
        )
        assert svc.post("/api/v1/reconciliations").status_code == 200
        yield svc


def settled(driver: WebDriver, timeout: float = 30.0, pause: float = 0.3) -> None:
    """Wait until Dash has no callback in flight and every graph is drawn,
    then ``pause`` seconds for the browser to paint."""

    def done(d: WebDriver) -> bool:
        busy = d.find_elements(By.CSS_SELECTOR, "[data-dash-is-loading='true']")
        pending = d.execute_script(
            "return Array.from(document.querySelectorAll('.dash-graph'))"
            ".filter(g => !g.querySelector('.main-svg')).length"
        )
        return not busy and pending == 0

    WebDriverWait(driver, timeout).until(done)
    time.sleep(pause)


def screenshot(driver: WebDriver, name: str) -> None:
    """The page as ``<name>.png``: in ``$SYNCLENS_SCREENSHOTS`` (``make
    screenshots``: docs/screenshots), else a temporary folder."""
    shots = Path(
        os.environ.get("SYNCLENS_SCREENSHOTS")
        or Path(tempfile.gettempdir()) / "synclens-screenshots"
    ).resolve()
    shots.mkdir(parents=True, exist_ok=True)
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(str(shots / f"{name}.png"))
