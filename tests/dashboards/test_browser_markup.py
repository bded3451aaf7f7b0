"""Client-chosen text is drawn as text: a span named ``<a href=...>`` is no
link in the trace view, a location ``<b style=...>`` is no styled text in
the lineage swimlane (Plotly draws a subset of HTML in its labels)."""

from __future__ import annotations

from typing import Any

from selenium.webdriver.common.by import By

from collector.testing.wire import BATCH, PROTOBUF, attempt_span, batch_body, cloudevent, request
from dashboards import ids
from tests.dashboards.browser import BROWSER_TEST, chromium, severe_logs, wait_for

pytestmark = BROWSER_TEST

LINK = '<a href="https://attacker.example/">open me</a>'
BOLD = '<b style="font-size:60px;color:red">DC-9</b>/1'
ERROR = "<i>timeout</i>"


def test_markup_in_client_text_is_shown_as_text(make_service: Any) -> None:
    with make_service() as svc:
        event = cloudevent("mk-1", sku="MARKUP-1", location=BOLD)
        assert svc.post("/v1/events", content=batch_body(event), headers=BATCH).status_code == 200
        span = attempt_span(event_id="mk-1", sku="MARKUP-1", location=BOLD, error=ERROR)
        span.name = LINK
        assert (
            svc.post(
                "/v1/traces", content=request(span).SerializeToString(), headers=PROTOBUF
            ).status_code
            == 200
        )
        trace_id = span.trace_id.hex()
        with chromium() as browser:
            browser.get(f"{svc.url}/dashboards/lineage?sku=MARKUP-1&trace={trace_id}")
            wait_for(browser, f"#{ids.LN_TRACE} .main-svg", timeout=20)
            wait_for(browser, f"#{ids.LN_SWIMLANE} .main-svg", timeout=20)
            for graph in (ids.LN_TRACE, ids.LN_SWIMLANE):
                root = browser.find_element(By.ID, graph)
                assert root.find_elements(By.CSS_SELECTOR, "a") == [], graph
            ticks = [
                t.text for t in browser.find_elements(By.CSS_SELECTOR, f"#{ids.LN_TRACE} .ytick")
            ]
            assert any(LINK in t for t in ticks), ticks
            labels: list[str] = browser.execute_script(
                "const el = document.querySelector('#' + CSS.escape(arguments[0]) +"
                " ' .js-plotly-plot'); return el.data.map(t => JSON.stringify(t.text || ''));",
                ids.LN_SWIMLANE,
            )
            assert any("&lt;b style=" in label for label in labels), labels
            assert not any("<b style=" in label for label in labels)
            assert severe_logs(browser) == []
