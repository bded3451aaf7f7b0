"""``kill -9`` of ``synclens serve`` during an export: after a restart every
acknowledged row is in the lake exactly once."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import duckdb
import httpx
import pytest
from pyiceberg.catalog.sql import SqlCatalog

from collector.lake import LakeConfig
from collector.testing.wire import (
    BATCH,
    NS,
    PROTOBUF,
    T0,
    attempt_span,
    batch_body,
    cloudevent,
    request,
)
from collector.timefmt import iso
from tests.conftest import start_process

EVENTS = 400


def _lake_counts(config: LakeConfig) -> dict[str, tuple[int, int]]:
    """(rows, distinct keys) of events and spans, read outside synclens."""
    catalog = SqlCatalog("synclens", uri=config.catalog_url, warehouse=config.warehouse)
    con = duckdb.connect()
    found = {}
    for table, key in (("events", "source, id"), ("spans", "trace_id, span_id")):
        try:
            rows = catalog.load_table(f"synclens.{table}").scan().to_arrow()  # noqa: F841
        except Exception:  # not created yet
            found[table] = (0, 0)
            continue
        got = con.execute(f"SELECT count(*), count(DISTINCT ({key})) FROM rows").fetchone()
        assert got is not None
        found[table] = (int(got[0]), int(got[1]))
    return found


def _spans_committed(config: LakeConfig) -> bool:
    """Whether the lake's spans table has a commit (its metadata only)."""
    try:
        catalog = SqlCatalog("synclens", uri=config.catalog_url, warehouse=config.warehouse)
        return catalog.load_table("synclens.spans").current_snapshot() is not None
    except Exception:  # the catalog or the table not created yet
        return False


pytestmark = pytest.mark.slow


def test_kill_9_during_export_leaves_every_row_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, log = tmp_path / "lake.duckdb", tmp_path / "serve.log"
    config = LakeConfig.beside(db)
    monkeypatch.setenv("SYNCLENS_LAKE__ENABLED", "true")
    monkeypatch.setenv("SYNCLENS_LAKE__EXPORT_INTERVAL_S", "0.5")
    monkeypatch.setenv("SYNCLENS_LAKE__EXPORT_MAX_ROWS", "10")  # many small commits
    monkeypatch.setenv("SYNCLENS_INGEST__DECODE_WORKERS", "0")
    first = start_process(db, log)
    for lo in range(0, EVENTS, 100):
        ids = range(lo, lo + 100)
        events = [cloudevent(f"k-{i}", sku=f"K-{i % 7}", time=iso(T0 + i * NS)) for i in ids]
        spans = [
            attempt_span(event_id=f"k-{i}", sku=f"K-{i % 7}", start_ns=T0 + i * NS) for i in ids
        ]
        ack = httpx.post(f"{first.url}/v1/events", content=batch_body(*events), headers=BATCH)
        assert ack.status_code == 200 and ack.json()["accepted"] == 100
        body = request(*spans).SerializeToString()
        assert httpx.post(f"{first.url}/v1/traces", content=body, headers=PROTOBUF).is_success
    # the events are exported first, then the spans in 40 commits: kill once
    # the first spans commit is in, inside the export whatever the machine's speed
    deadline = time.monotonic() + 60
    while not _spans_committed(config) and time.monotonic() < deadline:
        time.sleep(0.01)
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(timeout=10)
    killed = _lake_counts(config)
    assert 0 < killed["spans"][0] < EVENTS, f"the kill was not inside the export: {killed}"

    second = start_process(db, log)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            counts = _lake_counts(config)
            if counts["events"][0] >= EVENTS and counts["spans"][0] >= EVENTS:
                break
            time.sleep(0.5)
        time.sleep(1.0)  # a few more export runs: nothing may come twice
        assert _lake_counts(config) == {"events": (EVENTS, EVENTS), "spans": (EVENTS, EVENTS)}
    finally:
        second.proc.send_signal(signal.SIGTERM)
        assert second.proc.wait(timeout=30) == 0
