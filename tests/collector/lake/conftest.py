"""Lake fixtures: a hot store filled through a live service, catalogs of
each kind (SQLite always, the machine's PostgreSQL when it answers)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
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
from tests.conftest import Service
from tests.pg import fresh_database, pg_reason

HOUR = 3600 * NS
STEP = 24 * 60 * NS  # between events: 120 events over two days
EVENTS = 120
SKUS = [f"LAKE-{i:02d}" for i in range(12)]

# Each lake table and the columns that identify one of its rows.
KEYS = {
    "events": "source, id",
    "spans": "trace_id, span_id",
    "pair_facts": "source, id, target",
    "snapshots": "snapshot_id",
    "snapshot_rows": "snapshot_id, sku, location, stock_status",
    "reconciliation_runs": "run_id",
    "reconciliation_results": "run_id, system, instance, sku, location, stock_status",
    "pair_minutes": "minute_ns, target, warehouse, channel, type, deadline_ns, objective_ns",
    "latency_minutes": "minute_ns, target, warehouse, channel, type, deadline_ns, bucket",
    "attempt_minutes": "minute_ns, target, warehouse, channel, type",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def lake_config(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LakeConfig]:
    """A fresh lake with a catalog of each kind, warehouse in a directory."""
    warehouse = str(tmp_path / "warehouse")
    if request.param == "sqlite":
        yield LakeConfig(f"sqlite:///{tmp_path / 'catalog.sqlite'}", warehouse)
        return
    reason = pg_reason()
    if reason:
        pytest.skip(reason)
    with fresh_database("synclens_lake") as url:
        yield LakeConfig(url, warehouse)


def fill(svc: Service, *, events: int = EVENTS) -> None:
    """Events over two days, two attempts each, in several group commits; two
    stock snapshots and a reconciliation run; the pair facts derived."""
    for lo in range(0, events, 30):
        evs, spans = [], []
        for n in range(lo, min(lo + 30, events)):
            sku, t = SKUS[n % len(SKUS)], T0 + n * STEP
            evs.append(cloudevent(f"lake-{n}", sku=sku, time=iso(t), order_id=f"SO-{n % 9}"))
            for attempt in (1, 2):
                spans.append(
                    attempt_span(
                        event_id=f"lake-{n}",
                        sku=sku,
                        target="erp",
                        attempt=attempt,
                        start_ns=t + attempt * NS,
                        error="timeout" if attempt == 1 and n % 3 == 0 else None,
                    )
                )
        assert svc.post("/v1/events", content=batch_body(*evs), headers=BATCH).status_code == 200
        body = request(*spans).SerializeToString()
        assert svc.post("/v1/traces", content=body, headers=PROTOBUF).status_code == 200
    for system, instance in (("erp", "s4"), ("wms", "dc-west")):
        rows = [
            {
                "sku": sku,
                "location": "DC-WEST/R-12-04",
                "stock_status": "on_hand",
                "quantity": i + (system == "erp" and i % 2),
            }
            for i, sku in enumerate(SKUS)
        ]
        snap = {"system": system, "instance": instance, "taken_at": iso(T0 + 96 * HOUR),
                "channel": None, "rows": rows}  # fmt: skip
        resp = svc.post(
            "/v1/snapshots",
            content=json.dumps(snap).encode(),
            headers={"Content-Type": "application/json"},
        )
        assert resp.status_code == 200, resp.text
    assert svc.post("/api/v1/reconciliations").status_code == 200
    assert svc.get("/api/v1/slis").status_code == 200  # derives the pair facts


def hot_keys(cur: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row's key in the hot store, per lake table."""
    return {
        table: cur.execute(f"SELECT {key} FROM {table} ORDER BY ALL").fetchall()
        for table, key in KEYS.items()
    }


def read_outside(config: LakeConfig) -> dict[str, list[tuple[Any, ...]]]:
    """Every row's key in each lake table, read with plain pyiceberg (a
    catalog of its own) and DuckDB over the Arrow scan: nothing of synclens."""
    props = {"uri": config.catalog_url, "warehouse": config.warehouse}
    if config.s3_endpoint:
        props |= {
            "s3.endpoint": config.s3_endpoint,
            "s3.access-key-id": config.s3_access_key_id or "",
            "s3.secret-access-key": config.s3_secret_access_key or "",
            "s3.region": config.s3_region,
        }
    catalog = SqlCatalog("synclens", **props)  # the catalog name synclens registers under
    found = {}
    con = duckdb.connect()
    for table, key in KEYS.items():
        scanned = catalog.load_table(f"synclens.{table}").scan().to_arrow()  # noqa: F841
        found[table] = con.execute(f"SELECT {key} FROM scanned ORDER BY ALL").fetchall()
    return found
