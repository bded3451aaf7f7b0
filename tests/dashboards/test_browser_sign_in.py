"""Signing in from a real Chromium: a viewer sees the pages without the
acknowledge / resolve buttons; an operator's acknowledgement lands in the
audit log under the signed-in user's name; sign-out ends the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from collector.identity.passwords import hash_password
from dashboards import ids
from synclens.settings import IngestSettings, load_settings
from tests.conftest import LiveServer, Service
from tests.dashboards.browser import (
    BROWSER_TEST,
    acknowledge_the_exception,
    axe_violations,
    severe_logs,
    sign_out,
    wait_for,
    wait_text,
)
from tests.metrics.feed import snapshot

pytestmark = BROWSER_TEST

PASSWORD = "pa55-phrase-for-tests"
OPS = {"authorization": "Bearer t-ops"}


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    root = tmp_path_factory.mktemp("signin")
    hashed = hash_password(PASSWORD)
    settings = load_settings(
        db=str(root / "synclens.duckdb"),
        ops_db=f"sqlite:///{root}/ops.sqlite",
        ingest=IngestSettings(decode_workers=0),
        reconciliation={"interval_s": 86_400},
        exceptions={"detect_interval_s": 86_400},
        auth={
            "tokens": [{"name": "ops", "token": "t-ops", "scopes": ["operate", "snapshots:*"]}],
            "users": [
                {
                    "login": "olga",
                    "name": "Olga Oncall",
                    "role": "operator",
                    "password_hash": hashed,
                },
                {"login": "vic", "name": "Vic Viewer", "role": "viewer", "password_hash": hashed},
            ],
            "session": {"secret": "browser-test-secret"},
        },
    )
    with LiveServer(settings) as service:
        snapshot(service, "wms/dc-east", 1, {("A", "DC-EAST/1", "on_hand"): 3}, headers=OPS)
        snapshot(service, "erp/s4", 2, {("A", "DC-EAST/1", "on_hand"): 4}, headers=OPS)
        assert service.post("/api/v1/reconciliations", headers=OPS).status_code == 200
        yield service


def _sign_in(driver: WebDriver, svc: Service, login: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{svc.url}/dashboards/exceptions")
    WebDriverWait(driver, 15).until(lambda d: "/auth/sign-in" in d.current_url)
    driver.find_element(By.ID, "login").send_keys(login)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "sign-in").click()
    WebDriverWait(driver, 15).until(lambda d: d.current_url.endswith("/dashboards/exceptions"))
    wait_for(driver, f"#{ids.EX_SUMMARY} [data-total]", timeout=20)


def test_the_sign_in_page_is_accessible(svc: Service, browser: WebDriver) -> None:
    """axe-core finds no serious or critical violation on the sign-in form,
    nor on it again after a wrong password."""
    browser.delete_all_cookies()
    browser.get(f"{svc.url}/auth/sign-in")
    wait_for(browser, "#login")
    assert axe_violations(browser) == []
    browser.find_element(By.ID, "login").send_keys("vic")
    browser.find_element(By.ID, "password").send_keys("wrong")
    browser.find_element(By.ID, "sign-in").click()
    wait_for(browser, "#login")
    assert axe_violations(browser) == []
    # the browser logs the refused sign-in (401), and nothing else
    assert [e for e in severe_logs(browser) if "sign-in" not in e["message"]] == []


def test_a_viewer_sees_no_buttons(svc: Service, browser: WebDriver) -> None:
    _sign_in(browser, svc, "vic")
    assert axe_violations(browser) == []  # the page as a viewer sees it
    assert "Vic Viewer" in browser.find_element(By.ID, ids.WHO).text
    assert browser.find_elements(By.ID, ids.EX_ACK) == []
    assert browser.find_elements(By.ID, ids.EX_RESOLVE) == []
    assert severe_logs(browser) == []


def test_an_operator_acknowledges_under_their_name(svc: Service, browser: WebDriver) -> None:
    _sign_in(browser, svc, "olga")
    assert "Olga Oncall · operator" in browser.find_element(By.ID, ids.WHO).text
    last = acknowledge_the_exception(browser, svc, OPS, "checking the ERP feed")
    assert (last["by"], last["by_subject"], last["note"]) == (
        "Olga Oncall",
        "user:olga",
        "checking the ERP feed",
    )
    wait_text(browser, f"#{ids.EX_AUDIT}", lambda t: "by Olga Oncall" in t)
    assert severe_logs(browser) == []
    sign_out(browser, svc)
