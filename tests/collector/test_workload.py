"""The bench workload's catalogue: a body's SKUs are patched per round so that
a catalogue larger than one pool is covered evenly, each SKU named as
``sku_name`` names it; up to one pool the bodies are as before."""

from __future__ import annotations

from collections import Counter

import pytest

from collector.otlp import decode_protobuf
from collector.testing.workload import (
    SKU_POOL,
    check_span_patch,
    patch,
    sku_name,
    span_templates,
)

NOW = 1_795_162_502_000_000_000


def _skus(templates_count: int, rounds: int, skus: int) -> Counter[str]:
    templates = span_templates(templates_count, 200, now_ns=NOW, skus=skus)
    check_span_patch(templates)
    seen: Counter[str] = Counter()
    for index in range(templates_count * rounds):
        body, _ = patch(templates, index)
        seen.update(str(s) for s in decode_protobuf(body, received_ns=0).columns["sku"])
    return seen


def test_a_large_catalogue_is_covered_by_groups_in_turn() -> None:
    skus = 4 * SKU_POOL
    seen = _skus(2, 8, skus)
    named = {sku_name(n, skus) for n in range(skus)}
    assert set(seen) <= named and len(named) == skus
    groups = Counter(name[4:8] for name in seen.elements())
    # rounds 1..8 take groups 1, 2, 3, 0, 1, ...: each group two rounds' spans
    assert groups == dict.fromkeys(("0000", "0001", "0002", "0003"), 2 * 2 * 200)


def test_up_to_one_pool_the_names_are_unchanged() -> None:
    seen = _skus(2, 3, SKU_POOL)
    assert all(len(s) == 9 and s.startswith("SKU-") for s in seen)
    assert set(seen) <= {sku_name(n) for n in range(SKU_POOL)}
    small = _skus(1, 2, 7)
    assert set(small) <= {f"SKU-{n:05d}" for n in range(7)}


@pytest.mark.parametrize("skus", [0, SKU_POOL + 1, SKU_POOL * 0x10000])
def test_a_catalogue_the_marks_cannot_name_is_refused(skus: int) -> None:
    with pytest.raises(ValueError, match="skus"):
        span_templates(1, 10, now_ns=NOW, skus=skus)
