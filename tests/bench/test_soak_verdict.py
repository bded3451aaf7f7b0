"""The soak's verdict on memory: a swing is not a leak, a rising peak is."""

from __future__ import annotations

from typing import Any

from bench.soak import _verdict


def _rows(rss: list[float]) -> list[dict[str, Any]]:
    return [
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


def test_a_buffer_pool_swinging_under_its_limit_is_flat() -> None:
    # the 30-minute soak of 2026-12-03: a trough right after the warm-up, a peak at the end
    swing = [600, 1000, 900, 1300, 700, 1290, 800, 1310, 850, 1320, 900, 1300, 950, 1330]
    verdict = _verdict(_rows(swing), warmup_windows=2)
    assert verdict["rss_flat"] is True, verdict
    assert verdict["rss_window_to_window_pct"] > 40


def test_a_peak_that_keeps_rising_is_not_flat() -> None:
    leak = [600, 700, 800, 900, 1000, 1100, 1200, 1300, 1400]
    verdict = _verdict(_rows(leak), warmup_windows=2)
    assert verdict["rss_flat"] is False, verdict
    assert verdict["rss_growth_pct"] > 10


def test_too_short_says_so() -> None:
    assert "note" in _verdict(_rows([600, 700]), warmup_windows=2)
