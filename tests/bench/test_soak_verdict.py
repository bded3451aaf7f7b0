"""The soak's verdict on memory: a swing is not a leak, a rising peak is.

Run as the bench runs (``python -m bench.soak --verdict-of``): tests do not
import bench."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def _verdict(tmp_path: Path, rss: list[float], warmup_minutes: int) -> dict[str, Any]:
    windows = [
        {
            "window": i,
            "rss_mib": mib,
            "refused": 0,
            "ack_p99_ms": 10.0,
            "lineage_p99_ms": 5.0,
            "slis_p99_ms": 7.0,
        }
        for i, mib in enumerate(rss)
    ]
    saved = tmp_path / "soak.json"
    saved.write_text(json.dumps({"window_s": 60, "windows": windows}), encoding="utf-8")
    cmd = [sys.executable, "-m", "bench.soak", "--verdict-of", str(saved)]
    run = subprocess.run(
        [*cmd, "--warmup-minutes", str(warmup_minutes)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    verdict: dict[str, Any] = json.loads(run.stdout)
    return verdict


def test_a_buffer_pool_swinging_under_its_limit_is_flat(tmp_path: Path) -> None:
    # as in the 30-minute soak of 2026-12-03: a trough right after the warm-up, a peak at the end
    swing = [600, 1000, 900, 1300, 700, 1290, 800, 1310, 850, 1320, 900, 1300, 950, 1330]
    verdict = _verdict(tmp_path, swing, warmup_minutes=2)
    assert verdict["rss_flat"] is True, verdict
    assert verdict["rss_window_to_window_pct"] > 40


def test_a_peak_that_keeps_rising_is_not_flat(tmp_path: Path) -> None:
    leak = [600, 700, 800, 900, 1000, 1100, 1200, 1300, 1400]
    verdict = _verdict(tmp_path, leak, warmup_minutes=2)
    assert verdict["rss_flat"] is False, verdict
    assert verdict["rss_growth_pct"] > 10


def test_too_short_says_so(tmp_path: Path) -> None:
    assert "note" in _verdict(tmp_path, [600, 700], warmup_minutes=2)
