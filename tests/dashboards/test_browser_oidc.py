"""Signing in from a real Chromium through a real OpenID provider
(oidc-provider on Node, tests/oidc): the dashboards send the browser to the
sign-in page, on to the provider's login and consent pages, and back; the
operator's acknowledgement lands in the audit under their name; a viewer
sees no buttons; sign-out ends the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from dashboards import ids
from tests.conftest import Service
from tests.dashboards.browser import (
    BROWSER_TEST,
    OFFLINE,
    acknowledge_the_exception,
    chromium,
    severe_logs,
    sign_out,
    wait_for,
)
from tests.synclens.oidc_idp import OPS, IdP, service_and_provider

pytestmark = BROWSER_TEST

ACCOUNTS = {
    "olga": {"name": "Olga Oncall", "groups": ["inventory-sre"]},
    "vic": {"name": "Vic Viewer", "groups": ["inventory-execs"]},
}


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, IdP]]:
    with service_and_provider(
        tmp_path_factory.mktemp("oidc-browser"),
        ACCOUNTS,
        oidc={"scopes": ["openid", "profile", "groups"]},
        groups={"inventory-sre": "operator", "inventory-execs": "viewer"},
    ) as found:
        yield found


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    with chromium(OFFLINE) as driver:
        yield driver


def _sign_in(driver: WebDriver, svc: Service, idp: IdP, login: str) -> None:
    # a new person: no session here nor at the provider
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.get(f"{svc.url}/dashboards/exceptions")
    WebDriverWait(driver, 20).until(lambda d: "/auth/sign-in" in d.current_url)
    driver.find_element(By.ID, "sign-in-oidc").click()
    WebDriverWait(driver, 20).until(
        lambda d: d.current_url.startswith(f"{idp.issuer}/interaction/")
    )
    driver.find_element(By.NAME, "login").send_keys(login)
    driver.find_element(By.NAME, "password").send_keys("any password")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    consent = "form input[name=prompt][value=consent]"
    WebDriverWait(driver, 20).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, consent) or d.current_url.startswith(svc.url)
    )
    if not driver.current_url.startswith(svc.url):
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 20).until(lambda d: d.current_url == f"{svc.url}/dashboards/exceptions")
    wait_for(driver, f"#{ids.EX_SUMMARY} [data-total]", timeout=30)
    # the provider's development pages want a favicon and a web font: not ours
    ours = [e for e in severe_logs(driver) if not e["message"].startswith(idp.issuer)]
    assert [e for e in ours if "fonts.googleapis.com" not in e["message"]] == [], ours


def test_an_operator_signs_in_at_the_provider_and_acknowledges(
    both: tuple[Service, IdP], browser: WebDriver
) -> None:
    svc, idp = both
    _sign_in(browser, svc, idp, "olga")
    assert "Olga Oncall · operator" in browser.find_element(By.ID, ids.WHO).text
    last = acknowledge_the_exception(browser, svc, OPS, "signed in through the IdP")
    assert (last["by"], last["by_subject"], last["note"]) == (
        "Olga Oncall",
        "oidc:olga",
        "signed in through the IdP",
    )
    assert severe_logs(browser) == []
    sign_out(browser, svc)


def test_a_viewer_from_the_provider_sees_no_buttons(
    both: tuple[Service, IdP], browser: WebDriver
) -> None:
    svc, idp = both
    _sign_in(browser, svc, idp, "vic")
    assert "Vic Viewer · viewer" in browser.find_element(By.ID, ids.WHO).text
    assert browser.find_elements(By.ID, ids.EX_ACK) == []
    assert browser.find_elements(By.ID, ids.EX_RESOLVE) == []
    assert severe_logs(browser) == []
