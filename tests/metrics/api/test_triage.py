"""On a live synclens: an SLO's history says since when it fires; the failed
attempts are those the failing-target counts count; annotations are posted
by operators, listed for readers, and synclens marks its own starts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from collector.timefmt import iso
from simulator.runner import simulate
from tests.metrics.api.test_slos import _service


def test_history_attempts_and_markers(make_service: Any, tmp_path: Path) -> None:
    burst = tmp_path / "burst.yaml"
    burst.write_text("base: none\nfaults: {transient: 0.5}\n")
    with _service(make_service, tmp_path) as svc:
        simulate(svc.url, seed=2, profile=burst, duration_s=3600, skus=50)
        fp = svc.get("/api/v1/slos/fp").json()
        assert fp["status"] == "page", fp
        history = svc.get("/api/v1/slos/fp/history", params={"window": "1h", "steps": 6}).json()
        points = history["points"]
        assert len(points) in (6, 7)  # aligned to the step, now last
        assert points[-1]["firing"] == "page"
        assert history["firing"][-1]["severity"] == "page"
        assert history["firing_since"] == next(
            p["at"] for p in points if p["at_ns"] == history["firing"][-1]["from_ns"]
        )
        # the last point is now: a moment after GET /slos/fp, on the real clock
        assert points[-1]["burn_rates"]["1h"] == pytest.approx(fp["burn_rates"]["1h"], rel=0.05)
        assert svc.get("/api/v1/slos/nope/history").status_code == 404
        assert svc.get("/api/v1/slos/fp/history", params={"window": "x"}).status_code == 422
        assert svc.get("/api/v1/slos/fp/history", params={"steps": 1}).status_code == 422

        groups = svc.get("/api/v1/slis", params={"window": "1h", "by": "target"}).json()["groups"]
        failed = {t: g["api_failure"]["failed"] for t, g in groups.items()}
        every = svc.get("/api/v1/attempts/failed", params={"window": "1h", "limit": 1}).json()
        assert every["total"] == sum(failed.values()) > 0
        target = max(failed, key=lambda t: failed[t])
        page = svc.get(
            "/api/v1/attempts/failed", params={"window": "1h", "target": target, "limit": 1000}
        ).json()
        assert page["total"] == failed[target] == len(page["attempts"])
        assert all(a["target"] == target for a in page["attempts"])
        times = [a["end_ns"] for a in page["attempts"]]
        assert times == sorted(times, reverse=True)
        first = page["attempts"][0]
        assert first["trace_id"] and first["error_class"] and first["time"].endswith("Z")
        one_class = svc.get(
            "/api/v1/attempts/failed",
            params={"window": "1h", "target": target, "error_class": first["error_class"]},
        ).json()
        assert 0 < one_class["total"] <= page["total"]
        assert {a["error_class"] for a in one_class["attempts"]} == {first["error_class"]}
        assert svc.get("/api/v1/attempts/failed", params={"window": "0h"}).status_code == 422
        assert svc.get("/api/v1/attempts/failed", params={"limit": 0}).status_code == 422
        # by HTTP status and time range; a page past the end still says how many
        answered = [a for a in page["attempts"] if a["http_status"]]
        if answered:
            status = answered[0]["http_status"]
            times = sorted(a["end_ns"] for a in answered if a["http_status"] == status)
            ranged = {
                "window": "1h",
                "target": target,
                "http_status": status,
                "since": iso(times[0]),
                "until": iso(times[-1]),  # before: the newest one is left out
                "limit": 1000,
            }
            got = svc.get("/api/v1/attempts/failed", params=ranged).json()
            assert [a["span_id"] for a in got["attempts"]] == [
                a["span_id"]
                for a in page["attempts"]
                if a["http_status"] == status and times[0] <= a["end_ns"] < times[-1]
            ]
            assert (got["since"], got["until"]) == (ranged["since"], ranged["until"])
        past = svc.get(
            "/api/v1/attempts/failed", params={"window": "1h", "offset": every["total"] + 5}
        ).json()
        assert (past["total"], past["attempts"]) == (every["total"], [])
        for bad in (
            {"http_status": 42},
            {"since": "yesterday"},
            {"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        ):
            assert svc.get("/api/v1/attempts/failed", params=bad).status_code == 422, bad

        started = svc.get("/api/v1/annotations").json()["annotations"]
        kinds = [a["kind"] for a in started]
        assert kinds.count("config_reload") == 1
        assert {a["system"] for a in started if a["kind"] == "slo_edit"} == {"fp", "mm"}
        made = svc.post(
            "/api/v1/annotations",
            json={"title": "erp 7.1", "system": "erp", "at": "2026-01-01T00:00:00Z"},
        )
        assert made.status_code == 200, made.text
        assert made.json()["kind"] == "deploy" and made.json()["at_ns"] == 1767225600 * 10**9
        for bad in (
            {"title": ""},
            {"title": "x", "kind": "slo_edit"},  # synclens's own kinds are not posted
            {"title": "x", "at": "yesterday"},
            {"title": "x" * 257},
        ):
            assert svc.post("/api/v1/annotations", json=bad).status_code == 422, bad
        assert svc.get("/api/v1/annotations", params={"window": "x"}).status_code == 422
        # 2026-01-01 lies outside the last 24 hours: the listing is by window
        recent = svc.get("/api/v1/annotations").json()["annotations"]
        assert all(a["title"] != "erp 7.1" for a in recent)
