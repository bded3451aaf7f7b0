"""What the browser tests of the dashboards share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from tests.dashboards.browser import chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    """One headless Chromium per test module."""
    with chromium() as driver:
        yield driver
