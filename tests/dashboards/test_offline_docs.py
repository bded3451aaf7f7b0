"""/docs (Swagger UI) and /redoc (ReDoc) work with no internet: Chromium is
started resolving no host but the local one, and every asset the pages load
but ReDoc's footer logo comes from synclens itself."""

from __future__ import annotations

import os
from typing import Any

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

from tests.dashboards.browser import OFFLINE, available, chromium, severe_logs, wait_text

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not available() and not os.environ.get("CI"),
        reason="needs Debian's chromium and chromium-driver (make browser)",
    ),
]

# scripts, stylesheets and data the pages load (ReDoc's footer logo, an <img>
# from cdn.redoc.ly, is the one thing missing offline; the page works without it)
_RESOURCES = (
    "return performance.getEntriesByType('resource')"
    ".filter(e => e.initiatorType !== 'img').map(e => e.name)"
)


def test_api_docs_work_offline(make_service: Any) -> None:
    with make_service() as svc, chromium(OFFLINE) as browser:
        # the network really is blocked: a public host does not resolve
        with pytest.raises(WebDriverException, match="ERR_NAME_NOT_RESOLVED"):
            browser.get("https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css")
        browser.get(f"{svc.url}/docs")
        wait_text(browser, ".swagger-ui .info .title", lambda t: "synclens" in t, timeout=30)
        WebDriverWait(browser, 15).until(
            lambda d: d.find_elements("css selector", ".swagger-ui .opblock")
        )
        assert [u for u in browser.execute_script(_RESOURCES) if not u.startswith(svc.url)] == []
        browser.get(f"{svc.url}/redoc")
        wait_text(browser, ".api-info h1", lambda t: "synclens" in t, timeout=30)
        assert [u for u in browser.execute_script(_RESOURCES) if not u.startswith(svc.url)] == []
        logo = "cdn.redoc.ly/redoc/logo-mini.svg"
        assert [e for e in severe_logs(browser) if logo not in e.get("message", "")] == []
