"""The benchmark suite runs end to end in --quick mode, so it cannot rot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

EXPECTED = {
    "ingest": {"machine", "options", "http", "reference", "ratio", "targets", "met"},
    "grpc": {"machine", "options", "http", "reference", "ratio", "targets", "met"},
    "events": {"machine", "options", "http", "reference", "ratio", "targets", "met"},
    "lineage": {"machine", "store", "sku", "order", "peak_rss_mib"},
    "slis": {
        "machine",
        "store",
        "full_refresh",
        "append",
        "incremental_refresh",
        "windows",
        "scrape",
        "peak_rss_mib",
    },
    "rollups": {"machine", "rows", "counts_equal", "timings", "peak_rss_mib"},
}


@pytest.mark.slow
def test_bench_all_quick(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "all", "--quick", "--results-dir", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for part, keys in EXPECTED.items():
        doc = json.loads((tmp_path / f"{part}.json").read_text())
        assert doc["part"] == part
        assert keys <= set(doc), f"{part}.json lacks {keys - set(doc)}"
    for part in ("ingest", "grpc", "events"):
        doc = json.loads((tmp_path / f"{part}.json").read_text())
        http = doc["http"]
        assert http["items"] > 0 and http["items_per_s"] > 0
        assert http["all_acked_stored"], "the store lost acknowledged rows"
        assert set(http["ack_latency"]) >= {"p50_ms", "p99_ms"}
        assert doc["reference"]["items_per_s"] > 0 and doc["ratio"] > 0
        assert http["server"]["peak_rss_mib"] > 0
    grpc = json.loads((tmp_path / "grpc.json").read_text())  # its HTTP reference, same run
    assert grpc["http_same_run"]["items_per_s"] > 0 and grpc["ratio_grpc_http"] > 0
    assert grpc["http_same_run"]["all_acked_stored"], "the store lost acknowledged rows"
    lineage = json.loads((tmp_path / "lineage.json").read_text())
    for kind in ("sku", "order"):
        assert set(lineage[kind]) >= {"lineage", "reference", "ratio_p50", "met"}
        assert lineage[kind]["mean_events"] > 0
    slis = json.loads((tmp_path / "slis.json").read_text())
    assert slis["full_refresh"]["rebuilt"] and slis["full_refresh"]["pair_facts_rows"] > 0
    assert not slis["incremental_refresh"]["rebuilt"]
    assert slis["append"]["stored"] == slis["append"]["events"] + slis["append"]["spans"]
    assert {(w["window"], w["by"]) for w in slis["windows"]} == {
        ("1h", None),
        ("1h", "target"),
        ("28d", None),
        ("28d", "target"),
    }
    assert slis["scrape"]["series"] > 0
    rollups = json.loads((tmp_path / "rollups.json").read_text())
    assert rollups["counts_equal"], "long windows from rollups differ from raw rows"
    # a minute holds one pair or more: fewer rows only where minutes hold
    # several (at 10 M events; the quick store has about one pair a minute)
    assert 0 < rollups["rows"]["pair_minutes"] <= rollups["rows"]["pair_facts"]
