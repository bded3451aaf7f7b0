"""A real Prometheus scrapes a live synclens fed by the simulator and evaluates the generated rules.

The test SLO file has second-scale windows.  Clean traffic: the burn-rate
series exist and no SLO alert fires.  A fault burst (half of all first
attempts fail): the first-pass page fires, seen through Prometheus's HTTP
API.  Then every Grafana panel's PromQL returns data.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from metrics.generate import files, grafana
from metrics.generate.options import ALERT_NAME, RuleOptions
from metrics.slo import load_slos
from simulator.runner import simulate
from synclens.settings import load_settings
from tests.conftest import LiveServer, Service, free_port

pytestmark = pytest.mark.slow

PROMETHEUS = shutil.which("prometheus")

SLO_FILE = """\
apiVersion: synclens/v1
kind: SLO
metadata: {name: it-first-pass, displayName: IT first pass}
spec:
  sli: first_pass
  objective: 0.99
  window: 10m
  minTraffic: 10
  alerting:
    windows:
      - {severity: page, long: 20s, short: 5s, burnRate: 14.4}
      - {severity: ticket, long: 1m, short: 10s, burnRate: 3}
---
apiVersion: synclens/v1
kind: SLO
metadata: {name: it-latency}
spec:
  sli: latency
  objective: 0.99
  window: 10m
  minTraffic: 10
  alerting:
    windows:
      - {severity: page, long: 20s, short: 5s, burnRate: 14.4}
---
apiVersion: synclens/v1
kind: SLO
metadata: {name: it-by-target}
spec:
  sli: first_pass
  objective: 0.99
  window: 10m
  minTraffic: 10
  groupBy: target
  alerting:
    windows:
      - {severity: page, long: 20s, short: 5s, burnRate: 14.4}
"""

# the burst fails 70% of the attempts to wms only (the whole first-pass SLO pages too:
# wms takes about three quarters of the pairs); erp and commerce stay clean
BURST = "base: none\ntargets: {wms: {transient: 0.7}}\n"


@dataclass
class Prometheus:
    url: str

    def query(self, expr: str) -> list[dict[str, Any]]:
        resp = httpx.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=10)
        body = resp.json()
        assert resp.status_code == 200 and body["status"] == "success", (expr, body)
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    def diagnose(self) -> str:
        """Scrape and rule-evaluation errors, for a failure message."""
        targets = httpx.get(f"{self.url}/api/v1/targets", timeout=10).json()["data"]
        groups = httpx.get(f"{self.url}/api/v1/rules", timeout=10).json()["data"]["groups"]
        lines = [
            f"target {t['scrapeUrl']}: {t['health']} {t['lastError']}"
            for t in targets["activeTargets"]
        ]
        lines += [
            f"rule {r['name']}: {r['health']} {r.get('lastError', '')}"
            for g in groups
            for r in g["rules"]
            if r["health"] != "ok"
        ]
        return "\n" + "\n".join(lines)

    def alerts(self) -> list[dict[str, Any]]:
        body = httpx.get(f"{self.url}/api/v1/alerts", timeout=10).json()
        return [a for a in body["data"]["alerts"] if a["labels"]["alertname"] == ALERT_NAME]


def wait_for(
    what: str, check: Callable[[], Any], timeout: float, prom: Prometheus | None = None
) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(
        f"timed out after {timeout}s waiting for {what}" + (prom.diagnose() if prom else "")
    )


class Feeder:
    """Back-to-back accelerated simulations (30 simulated minutes each, ending now)."""

    def __init__(self, url: str, profile: Path | str) -> None:
        self.url = url
        self.profile: Path | str = profile
        self.stop = threading.Event()
        self.runs = 0
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        try:
            while not self.stop.is_set():
                simulate(self.url, seed=self.runs, profile=self.profile, duration_s=1800,
                         skus=50, snapshot_interval_s=300, stop=self.stop)  # fmt: skip
                self.runs += 1
        except BaseException as exc:  # reported by the test
            self.error = exc

    def __enter__(self) -> Feeder:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=30)


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Service, Prometheus, Path]]:
    if PROMETHEUS is None:
        pytest.skip("prometheus is not installed (make test installs Debian's prometheus package)")
    slo_dir = tmp_path / "slos"
    slo_dir.mkdir()
    (slo_dir / "it.yaml").write_text(SLO_FILE)
    settings = load_settings(
        db=str(tmp_path / "synclens.duckdb"),
        ops_db=f"sqlite:///{tmp_path / 'ops.sqlite'}",
        slis={"refresh_interval_s": 1.0, "slo_dir": str(slo_dir)},
        reconciliation={"interval_s": 2.0},
        exceptions={"detect_interval_s": 2.0},
    )
    rules_dir = tmp_path / "rules"
    files.write_files(files.alert_files(load_slos(slo_dir), RuleOptions(job="synclens")), rules_dir)
    with LiveServer(settings) as svc:
        port = free_port()
        config = tmp_path / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            f"rule_files: ['{rules_dir}/*.rules.yml']\n"
            "scrape_configs:\n"
            "  - job_name: synclens\n"
            f"    static_configs: [{{targets: ['127.0.0.1:{svc.url.rsplit(':', 1)[1]}']}}]\n"
        )
        log = (tmp_path / "prometheus.log").open("wb")
        proc = subprocess.Popen(
            [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{port}"],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        prom = Prometheus(f"http://127.0.0.1:{port}")
        try:
            wait_for("Prometheus ready", lambda: _ready(prom), 30)
            yield svc, prom, tmp_path
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            log.close()


def _ready(prom: Prometheus) -> bool:
    try:
        return httpx.get(f"{prom.url}/-/ready", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _substitute(expr: str) -> str:
    return expr.replace("$__rate_interval", "30s").replace("$slo", "it-first-pass")


def test_page_fires_on_a_burst_and_not_on_clean_traffic(
    setup: tuple[Service, Prometheus, Path],
) -> None:
    svc, prom, tmp = setup
    started = time.monotonic()
    burst = tmp / "burst.yaml"
    burst.write_text(BURST)
    with Feeder(svc.url, "none") as feeder:
        # clean traffic: the rules judge it (burn-rate series exist) and nothing fires
        wait_for(
            "clean burn rates",
            lambda: prom.query('synclens_slo:burn_rate{slo="it-first-pass",window="20s"}'),
            40,
            prom,
        )
        assert prom.query('up{job="synclens"} == 1')
        for _ in range(24):  # 12 s: more than the 5 s and 10 s short windows
            assert prom.alerts() == [], prom.alerts()
            assert not prom.query(f'ALERTS{{alertname="{ALERT_NAME}"}}')
            time.sleep(0.5)
        rate = prom.query('synclens_slo:burn_rate{slo="it-first-pass",window="20s"}')
        assert float(rate[0]["value"][1]) == 0.0
        assert feeder.error is None

        # the fault burst: 70% of wms's attempts fail -> burn rate > 14.4 -> page
        feeder.profile = burst

        def paging(slo: str = "it-first-pass") -> list[dict[str, Any]]:
            return [
                a for a in prom.alerts()
                if a["state"] == "firing" and a["labels"]["slo"] == slo
                and a["labels"]["severity"] == "page"
            ]  # fmt: skip

        fired = wait_for("the first-pass page", paging, 45, prom)

        # the per-target SLO pages for wms, with target="wms", and for no clean target
        def target_pages() -> list[dict[str, Any]]:
            return paging("it-by-target")

        first = wait_for("the wms page of it-by-target", target_pages, 30, prom)
        assert {a["labels"].get("target") for a in first} == {"wms"}, first
        assert "(target wms)" in first[0]["annotations"]["summary"]
        for _ in range(6):  # the page may resolve between simulator runs; no other target pages
            assert {a["labels"].get("target") for a in target_pages()} <= {"wms"}, target_pages()
            time.sleep(0.5)
        clean = prom.query('synclens_slo:burn_rate{slo="it-by-target",window="10m",target!="wms"}')
        assert {r["metric"]["target"] for r in clean} & {"commerce", "erp"}, clean
        assert all(float(r["value"][1]) == 0.0 for r in clean), clean
        labels = fired[0]["labels"]
        assert labels["long_window"] == "20s" and labels["short_window"] == "5s"
        assert labels["sli"] == "first_pass"
        annotations = fired[0]["annotations"]
        assert annotations["runbook_url"].endswith("docs/alerts.md#synclenserrorbudgetburn")
        assert "var-slo=it-first-pass" in annotations["dashboard_url"]
        assert feeder.error is None

        # every Grafana panel's query returns data
        empty = []
        for uid, dashboard in grafana.dashboards(RuleOptions(job="synclens")).items():
            for title, expr in grafana.panel_queries(dashboard):
                if not prom.query(_substitute(expr)):
                    empty.append(f"{uid} / {title}: {expr}")
        assert not empty, "panels without data:\n" + "\n".join(empty)
    # synclens's own view agrees: the burst spent the budget (its windows are by event time)
    report = svc.get("/api/v1/slos/it-first-pass").json()
    assert report["sli_value"] is not None and report["sli_value"] < 0.99, report
    assert report["error_budget_remaining"] < 0
    by_target = svc.get("/api/v1/slos/it-by-target").json()
    groups = {g["target"]: g for g in by_target["groups"]}
    assert by_target["group_by"] == "target" and groups["wms"]["sli_value"] < 0.99, by_target
    assert all(g["sli_value"] in (1.0, None) for t, g in groups.items() if t != "wms"), by_target
    budget = prom.query('synclens_slo:error_budget_remaining{slo="it-first-pass"}')
    assert float(budget[0]["value"][1]) < 0
    assert time.monotonic() - started < 90
