"""The period report in a real headless Chromium against a live synclens fed
by the simulator: the page shows what ``GET /api/v1/report`` answers (the
table, the counts and every plot), and ``synclens report`` prints it to a
real PDF that names every SLO."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from dashboards import ids
from metrics.report import period_at
from synclens.settings import IngestSettings
from tests.conftest import Service
from tests.dashboards.browser import (
    BROWSER_TEST,
    chaos_demo,
    figure_data,
    settled,
    severe_logs,
    wait_for,
)
from tests.dashboards.test_browser import SHOTS

pytestmark = BROWSER_TEST


@pytest.fixture(scope="module")
def fed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    root = tmp_path_factory.mktemp("report-page")
    with chaos_demo(root, ingest=IngestSettings(decode_workers=0)) as svc:
        yield svc


def _label(svc: Service, kind: Any = "month") -> str:
    return period_at(kind, svc.app.state.slis.clock()).label


def _pct(value: float | None, digits: int) -> str:
    return "no data" if value is None else f"{value * 100:.{digits}f}%"


def _stat(driver: WebDriver, key: str) -> str:
    return str(driver.find_element(By.CSS_SELECTOR, f"[data-stat='{key}'] .stat-value").text)


@pytest.mark.parametrize("kind", ["month", "week"])
def test_report_page_matches_the_api(fed: Service, browser: WebDriver, kind: str) -> None:
    label = _label(fed, kind)
    browser.get(f"{fed.url}/dashboards/report?period={label}")
    wait_for(browser, f"[data-report='{label}']", timeout=90)
    settled(browser, timeout=60.0)
    api = fed.get("/api/v1/report", params={"period": label}).json()
    assert api["period"]["label"] == label
    for slo in api["slos"]:
        row = browser.find_element(By.CSS_SELECTOR, f"#{ids.RP_SLOS} [data-slo='{slo['name']}']")
        assert row.get_attribute("data-status") == slo["status"]
        assert row.find_element(By.CSS_SELECTOR, ".attained").text == _pct(slo["attainment"], 3)
        before = row.find_element(By.CSS_SELECTOR, ".previous").text
        historical = slo["status"] != "not_historical"
        assert before == (_pct(slo["previous_attainment"], 3) if historical else "")
        spent = row.find_element(By.CSS_SELECTOR, ".budget-spent").text
        assert spent == ("" if slo["budget_spent"] is None else _pct(slo["budget_spent"], 0))
        if slo["total"]:
            counts = row.find_element(By.CSS_SELECTOR, ".counts").text
            assert counts == f"{int(slo['good']):,} / {int(slo['total']):,}"
    measured = [s for s in api["slos"] if s["attainment"] is not None]
    assert measured, "the run's pairs are in the period"
    met = sum(1 for s in api["slos"] if s["met"])
    judged = sum(1 for s in api["slos"] if s["met"] is not None)
    assert _stat(browser, "slos_met") == f"{met} of {judged}"
    pages = sum(1 for a in api["alerts"] if a["severity"] == "page")
    assert _stat(browser, "pages") == f"{pages:,}"
    assert _stat(browser, "tickets") == f"{len(api['alerts']) - pages:,}"
    assert _stat(browser, "exceptions_opened") == f"{api['exceptions']['opened']:,}"
    assert _stat(browser, "orders_impacted") == f"{api['orders_impacted']:,}"
    shown = browser.find_elements(By.CSS_SELECTOR, f"#{ids.RP_ALERTS} [data-alert]")
    assert len(shown) == len(api["alerts"])
    # the plots draw the API's numbers
    bars, objective = figure_data(browser, ids.RP_ATTAINMENT)
    assert bars["y"] == pytest.approx([s["attainment"] * 100 for s in measured])
    assert objective["y"] == pytest.approx([s["objective"] * 100 for s in measured])
    titles = {s["name"]: s["display_name"] or s["name"] for s in api["slos"]}
    lines = {t["name"]: t for t in figure_data(browser, ids.RP_TREND)}
    for name, title in titles.items():
        points = [t for t in api["trend"] if t["slo"] == name and t["attainment"] is not None]
        if points:
            assert lines[title]["x"] == [p["week"] for p in points]
            assert lines[title]["y"] == pytest.approx([p["attainment"] * 100 for p in points])
    drawn = {
        (bar["name"], y): x
        for bar in figure_data(browser, ids.RP_COSTS)
        if "orientation" in bar
        for x, y in zip(bar["x"], bar["y"], strict=True)
    }
    expected = {
        (titles[c["slo"]], f"{c['dimension']} {c['value']}"): c["budget_spent"] * 100
        for c in api["costs"]
    }
    assert drawn == pytest.approx(expected)
    assert api["costs"], "the chaos run spends budget somewhere"
    assert severe_logs(browser) == []
    if kind == "month":
        SHOTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(SHOTS / "report.png"))


def test_a_bad_period_is_said_on_the_page(fed: Service, browser: WebDriver) -> None:
    browser.get(f"{fed.url}/dashboards/report?period=2026-13")
    note = wait_for(browser, f"#{ids.RP_BODY} .empty-note", timeout=60)
    assert "month 13 is not between 01 and 12" in note.text
    assert severe_logs(browser) == []


def _report(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "synclens.cli", "report", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


def _pdf_text(path: Path) -> str:
    assert path.read_bytes()[:5] == b"%PDF-"
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_cli_prints_the_report_of_a_running_service(fed: Service, tmp_path: Path) -> None:
    label = _label(fed)
    out = tmp_path / "report.pdf"
    done = _report("--period", label, "--out", str(out), "--url", fed.url)
    assert done.returncode == 0, done.stderr
    assert str(out) in done.stdout
    text = _pdf_text(out)
    for slo in fed.get("/api/v1/report", params={"period": label}).json()["slos"]:
        assert (slo["display_name"] or slo["name"]) in text
    assert "Service report" in text and "Alerts that fired" in text


def test_cli_starts_synclens_on_the_stores(tmp_path: Path) -> None:
    """Without --url: synclens on the configured stores (here empty) while it prints."""
    out = tmp_path / "empty.pdf"
    db, ops = tmp_path / "s.duckdb", f"sqlite:///{tmp_path / 'ops.sqlite'}"
    done = _report("--period", "2026-W48", "--out", str(out), "--db", str(db), "--ops-db", ops)
    assert done.returncode == 0, done.stderr
    text = _pdf_text(out)
    assert "First-pass success" in text and "no traffic in this period" in text
