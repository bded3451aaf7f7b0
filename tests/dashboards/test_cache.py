"""FreshnessCache: an answer over a long window is reused briefly, a short one hardly."""

from __future__ import annotations

import threading
import time

from collector.timefmt import NS_PER_S
from dashboards.cache import FreshnessCache

S = NS_PER_S
DAY = 86_400 * S


def test_long_windows_are_reused_short_ones_recomputed() -> None:
    cache = FreshnessCache()
    calls: list[str] = []

    def compute(name: str) -> str:
        calls.append(name)
        return name

    assert cache.max_age_for(28 * DAY) == 120 * S  # capped
    assert cache.max_age_for(3600 * S) == 1_800_000_000  # 1h: 1.8 s
    assert cache.get("28d", span_ns=28 * DAY, now_ns=0, compute=lambda: compute("28d")) == "28d"
    cache.get("28d", span_ns=28 * DAY, now_ns=60 * S, compute=lambda: compute("28d"))
    cache.get("5m", span_ns=300 * S, now_ns=0, compute=lambda: compute("5m"))
    cache.get("5m", span_ns=300 * S, now_ns=1 * S, compute=lambda: compute("5m"))
    cache.get("28d", span_ns=28 * DAY, now_ns=121 * S, compute=lambda: compute("28d"))
    assert calls == ["28d", "5m", "5m", "28d"]
    cache.get("28d", span_ns=28 * DAY, now_ns=-1, compute=lambda: compute("28d"))  # clock went back
    assert calls[-1] == "28d" and len(calls) == 5


def test_concurrent_viewers_share_one_computation_and_size_is_bounded() -> None:
    cache = FreshnessCache(size=2)
    calls = []

    def slow() -> int:
        calls.append(1)
        time.sleep(0.05)
        return 42

    threads = [
        threading.Thread(target=lambda: cache.get("k", span_ns=DAY, now_ns=0, compute=slow))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    for key in ("a", "b", "c"):
        cache.get(key, span_ns=DAY, now_ns=0, compute=lambda: 0)
    cache.get("k", span_ns=DAY, now_ns=0, compute=slow)  # evicted: computed again
    assert len(calls) == 2


def test_get_many_keeps_each_answer_for_keep_ns_and_computes_the_rest_at_once() -> None:
    cache = FreshnessCache()
    asked: list[list[object]] = []

    def compute(missing: list[object]) -> dict[object, str]:
        asked.append(sorted(missing, key=str))
        return {k: f"{k}@{len(asked)}" for k in missing}

    assert cache.get_many(["a", "b"], keep_ns=10 * S, now_ns=0, compute=compute) == {
        "a": "a@1",
        "b": "b@1",
    }
    # within keep_ns: a and b kept; c computed alone
    found = cache.get_many(["a", "b", "c"], keep_ns=10 * S, now_ns=10 * S, compute=compute)
    assert found == {"a": "a@1", "b": "b@1", "c": "c@2"} and asked[-1] == ["c"]
    # past keep_ns (a, b) or before it was computed (clock went back: c): computed again
    found = cache.get_many(["a", "b"], keep_ns=10 * S, now_ns=10 * S + 1, compute=compute)
    assert found == {"a": "a@3", "b": "b@3"}
    assert cache.get_many(["c"], keep_ns=10 * S, now_ns=0, compute=compute) == {"c": "c@4"}
    # every key kept: no computation at all
    cache.get_many(["c"], keep_ns=10 * S, now_ns=1, compute=compute)
    assert len(asked) == 4
