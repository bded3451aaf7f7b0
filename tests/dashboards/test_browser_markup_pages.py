"""A hostile warehouse and target name on the overview and on-call pages:
Chromium shows them as text in tick labels and hover text, never as a link
or styled markup, and a click on the heat map still opens that warehouse's
exceptions."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from collector.testing.wire import BATCH, NS, PROTOBUF, T0, attempt_span, batch_body, cloudevent
from collector.testing.wire import request as otlp
from dashboards import ids
from synclens.settings import IngestSettings, load_settings
from tests.conftest import LiveServer
from tests.dashboards.browser import BROWSER_TEST, chromium, severe_logs, wait_for
from tests.metrics.feed import snapshot

pytestmark = BROWSER_TEST

WAREHOUSE = '<b style="font-size:60px;color:red">DC9<b>'  # no "/": a location's first part
TARGET = '<a href="https://attacker.example/">erp</a>'


def _ticks(browser: Any, graph: str) -> list[str]:
    # one read in the page: a re-render between finding and reading cannot stale it
    texts: list[str] = browser.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent)",
        f"#{graph} .xtick, #{graph} .ytick",
    )
    return texts


def test_hostile_names_are_text_on_the_overview_and_oncall_pages(tmp_path: Path) -> None:
    settings = load_settings(
        db=str(tmp_path / "synclens.duckdb"),
        ops_db=f"sqlite:///{tmp_path / 'ops.sqlite'}",
        ingest=IngestSettings(decode_workers=0),
        reconciliation={"interval_s": 86_400},
        exceptions={"detect_interval_s": 86_400},
        routes=[{"event_type": "inventory.adjusted", "targets": [TARGET]}],
    )
    # the pages look at the last hours: be ten minutes after the data
    with LiveServer(settings, clock=lambda: T0 + 600 * NS) as svc:
        snapshot(svc, "wms/dc-east", 1, {("A", f"{WAREHOUSE}/1", "on_hand"): 3})
        snapshot(svc, "erp/s4", 2, {("A", f"{WAREHOUSE}/1", "on_hand"): 4})
        assert svc.post("/api/v1/reconciliations").status_code == 200
        event = cloudevent("mk-p1", sku="MARKUP-P1", location=f"{WAREHOUSE}/1")
        assert svc.post("/v1/events", content=batch_body(event), headers=BATCH).status_code == 200
        spans = [
            attempt_span(event_id="mk-p1", target=TARGET, start_ns=T0 + NS, error="timeout"),
            attempt_span(event_id="mk-p1", target=TARGET, attempt=2, start_ns=T0 + 5 * NS),
        ]
        body = otlp(*spans).SerializeToString()
        assert svc.post("/v1/traces", content=body, headers=PROTOBUF).status_code == 200
        with chromium() as browser:
            browser.get(f"{svc.url}/dashboards/")
            wait_for(browser, f"#{ids.OV_MISMATCH} .main-svg .ytick", timeout=30)
            for graph in (ids.OV_MISMATCH, ids.OV_LATENCY):
                assert browser.find_elements(By.CSS_SELECTOR, f"#{graph} a") == [], graph
            assert WAREHOUSE in _ticks(browser, ids.OV_MISMATCH)
            wait_for(browser, f"#{ids.OV_LATENCY} .main-svg .xtick", timeout=30)
            assert TARGET in _ticks(browser, ids.OV_LATENCY)
            # the cell's click names the warehouse itself, not its escaped text
            plot = browser.find_element(By.CSS_SELECTOR, f"#{ids.OV_MISMATCH} .nsewdrag")
            ActionChains(browser).move_to_element(plot).pause(0.3).click().perform()  # one cell
            WebDriverWait(browser, 20).until(lambda d: "/dashboards/exceptions?" in d.current_url)
            query = parse_qs(urlsplit(browser.current_url).query)
            assert query["warehouse"] == [WAREHOUSE]

            browser.get(f"{svc.url}/dashboards/oncall")
            wait_for(browser, f"#{ids.OC_FAILING} .main-svg .ytick", timeout=30)
            assert TARGET in _ticks(browser, ids.OC_FAILING)
            for graph in (ids.OC_FAILING, ids.OC_UNDELIVERED, ids.OC_BURN):
                assert browser.find_elements(By.CSS_SELECTOR, f"#{graph} a") == [], graph
            logs = severe_logs(browser)
            assert logs == [], logs
