"""``GET /api/v1/slos`` on a live synclens: no traffic is no data; clean traffic is ok; bursts burn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulator.runner import simulate

SLO_FILE = """\
apiVersion: synclens/v1
kind: SLO
metadata: {name: fp}
spec:
  sli: first_pass
  objective: 0.99
  window: 2h
  minTraffic: 10
  alerting:
    windows:
      - {severity: page, long: 1h, short: 10m, burnRate: 14.4}
      - {severity: ticket, long: 2h, short: 30m, burnRate: 2}
---
apiVersion: synclens/v1
kind: SLO
metadata: {name: mm}
spec: {sli: mismatch, objective: 0.995, window: 28d}
"""


def _service(make_service: Any, tmp_path: Path) -> Any:
    slo_dir = tmp_path / "slos"
    slo_dir.mkdir()
    (slo_dir / "t.yaml").write_text(SLO_FILE)
    return make_service(
        ops_db=f"sqlite:///{tmp_path / 'ops.sqlite'}", slis={"slo_dir": str(slo_dir)}
    )


def test_shipped_slos_with_no_traffic_are_no_data(make_service: Any, tmp_path: Path) -> None:
    with make_service(ops_db=f"sqlite:///{tmp_path / 'ops.sqlite'}") as svc:
        body = svc.get("/api/v1/slos").json()
        names = [s["name"] for s in body["slos"]]
        assert names == ["exception-aging", "first-pass", "stock-mismatch", "sync-latency"]
        for slo in body["slos"]:
            assert slo["status"] == "no_data"
            assert slo["sli_value"] is None and slo["error_budget_remaining"] is None
            assert all(v is None for v in slo["burn_rates"].values())
        assert svc.get("/api/v1/slos/nope").status_code == 404
        # "null", never NaN, in the JSON text
        assert "NaN" not in svc.get("/api/v1/slos").text


def test_clean_traffic_is_ok_and_a_burst_pages(make_service: Any, tmp_path: Path) -> None:
    burst = tmp_path / "burst.yaml"
    burst.write_text("base: none\nfaults: {transient: 0.5}\n")
    with _service(make_service, tmp_path) as svc:
        simulate(svc.url, seed=1, profile="none", duration_s=3600, skus=50)
        fp = svc.get("/api/v1/slos/fp").json()
        assert fp["status"] == "ok", fp
        assert fp["sli_value"] == 1.0 and fp["error_budget_remaining"] == 1.0
        assert fp["total"] >= 10 and fp["burn_rates"]["1h"] == 0.0
        assert fp["error_budget"] == 0.01
        mm = svc.get("/api/v1/slos/mm").json()
        assert mm["status"] == "no_data"  # the mismatch SLI is not merged or not run: tolerated

        simulate(svc.url, seed=2, profile=burst, duration_s=3600, skus=50)
        fp = svc.get("/api/v1/slos/fp").json()
        assert fp["status"] == "page", fp
        assert fp["burn_rates"]["1h"] > 14.4 and fp["burn_rates"]["10m"] > 14.4
        assert fp["error_budget_remaining"] < 0
        page = next(a for a in fp["alerts"] if a["severity"] == "page")
        assert page["firing"] and page["long_window"] == "1h" and page["short_window"] == "10m"
