"""POST /v1/snapshots against a live service: JSON, CSV, Parquet, bad input stores nothing."""

from __future__ import annotations

import gzip
import io
import json
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import Service

TAKEN = "2026-11-20T08:00:00Z"


def _rows(n: int) -> list[dict[str, Any]]:
    return [
        {"sku": f"SKU-{i:05d}", "location": "DC-EAST/A-01-01", "stock_status": "on_hand",
         "quantity": i % 7}
        for i in range(n)
    ]  # fmt: skip


def _count(svc: Service) -> tuple[int, int]:
    with svc.store.reader() as cur:
        snaps = cur.execute("SELECT count(*) FROM snapshots").fetchone()
        rows = cur.execute("SELECT count(*) FROM snapshot_rows").fetchone()
    assert snaps is not None and rows is not None
    return int(snaps[0]), int(rows[0])


def _json(svc: Service, body: Any, **headers: str) -> Any:
    return svc.post(
        "/v1/snapshots",
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **headers},
    )


def test_json_snapshot_is_stored(service: Service) -> None:
    body = {"system": "erp", "instance": "s4", "taken_at": TAKEN, "channel": None,
            "rows": _rows(1000)}  # fmt: skip
    resp = _json(service, body)
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert out["rows"] == 1000 and out["system"] == "erp" and out["instance"] == "s4"
    assert _count(service) == (1, 1000)
    listed = service.get("/api/v1/snapshots").json()["snapshots"]
    assert listed[0]["rows"] == 1000


def test_json_header_after_rows_and_gzip(service: Service) -> None:
    body = {"rows": _rows(10), "taken_at": TAKEN, "system": "wms", "instance": "dc-east"}
    resp = service.post(
        "/v1/snapshots",
        content=gzip.compress(json.dumps(body).encode()),
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["instance"] == "dc-east"


def test_csv_snapshot_with_query_header(service: Service) -> None:
    text = "sku,location,stock_status,quantity\n" + "".join(
        f"S{i},DC-WEST/B-{i},allocated,{i}.5\n" for i in range(500)
    )
    resp = service.post(
        "/v1/snapshots",
        params={"system": "commerce", "instance": "shopify", "taken_at": TAKEN, "channel": "web"},
        content=text.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert resp.status_code == 200, resp.text
    assert _count(service) == (1, 500)
    with service.store.reader() as cur:
        row = cur.execute("SELECT sum(quantity), any_value(channel) FROM snapshot_rows "
                          "JOIN snapshots USING (snapshot_id)").fetchone()  # fmt: skip
    assert row == (sum(i + 0.5 for i in range(500)), "web")


def _parquet(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf, row_group_size=1000)
    return buf.getvalue()


def test_parquet_snapshot(service: Service) -> None:
    table = pa.table(
        {
            "sku": [f"S{i}" for i in range(3000)],
            "location": ["3PL-ACME/A-01"] * 3000,
            "quantity": pa.array(range(3000), pa.int32()),
        }
    )
    resp = service.post(
        "/v1/snapshots",
        params={"system": "tpl", "instance": "acme", "taken_at": TAKEN},
        content=_parquet(table),
        headers={"Content-Type": "application/vnd.apache.parquet"},
    )
    assert resp.status_code == 200, resp.text
    with service.store.reader() as cur:
        row = cur.execute("SELECT count(*), min(stock_status) FROM snapshot_rows").fetchone()
    assert row == (3000, "on_hand")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("item,qty\nA,1\n", "missing column(s) sku, location, quantity"),
        ("sku,location,quantity,colour\nA,L,1,red\n", "unknown column(s) colour"),
        ("", "no header line"),
    ],
)
def test_csv_wrong_columns(service: Service, text: str, fragment: str) -> None:
    resp = service.post(
        "/v1/snapshots",
        params={"system": "erp", "taken_at": TAKEN},
        content=text.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert resp.status_code == 422, resp.text
    assert fragment in resp.json()["error"]
    assert _count(service) == (0, 0)


def test_non_numeric_quantities_are_listed_per_row(service: Service) -> None:
    lines = ["sku,location,stock_status,quantity"]
    for i in range(200_000):
        q = "abc" if i % 1000 == 7 else str(i % 9)
        lines.append(f"S{i},DC-EAST/A,on_hand,{q}")
    lines.append("S-last,DC-EAST/A,bogus,1")
    resp = service.post(
        "/v1/snapshots",
        params={"system": "erp", "taken_at": TAKEN},
        content=("\n".join(lines) + "\n").encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert resp.status_code == 422, resp.text
    out = resp.json()
    assert out["stored"] is False
    assert out["error_counts"] == {
        "quantity: not a number": 200,
        "stock_status: not a known stock status": 1,
    }
    assert out["errors"][0] == {"row": 8, "field": "quantity", "reason": "not a number",
                                "value": "abc"}  # fmt: skip
    assert len(out["errors"]) == 20
    assert _count(service) == (0, 0)


def test_json_row_errors(service: Service) -> None:
    rows = _rows(5)
    rows[1]["quantity"] = "twelve"
    rows[2]["quantity"] = True
    del rows[3]["sku"]
    rows[4]["quantity"] = None
    resp = _json(service, {"system": "erp", "taken_at": TAKEN, "rows": rows})
    assert resp.status_code == 422
    errs = {(e["row"], e["field"], e["reason"]) for e in resp.json()["errors"]}
    assert errs == {
        (2, "quantity", "not a number"),
        (3, "quantity", "not a number"),
        (4, "sku", "missing or empty"),
        (5, "quantity", "missing"),
    }
    assert _count(service) == (0, 0)


def test_duplicate_keys_store_nothing(service: Service) -> None:
    rows = [*_rows(100), _rows(100)[42]]
    resp = _json(service, {"system": "erp", "taken_at": TAKEN, "rows": rows})
    assert resp.status_code == 422
    out = resp.json()
    assert "occur more than once" in out["error"]
    assert out["errors"][0]["value"] == "SKU-00042 | DC-EAST/A-01-01 | on_hand"
    assert _count(service) == (0, 0)


def test_truncated_parquet_is_400_and_stores_nothing(service: Service) -> None:
    table = pa.table({"sku": ["a"] * 5000, "location": ["L"] * 5000, "quantity": [1.0] * 5000})
    data = _parquet(table)
    for cut in (len(data) // 2, len(data) - 3, 10):
        resp = service.post(
            "/v1/snapshots",
            params={"system": "erp", "taken_at": TAKEN, "format": "parquet"},
            content=data[:cut],
            headers={"Content-Type": "application/octet-stream"},
        )
        assert resp.status_code == 400, resp.text
        assert "Parquet" in resp.json()["error"]
    assert _count(service) == (0, 0)


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"[1, 2]", 400, "must be an object"),
        (json.dumps({"system": "erp", "taken_at": TAKEN}).encode(), 422, "needs 'rows'"),
        (json.dumps({"taken_at": TAKEN, "rows": []}).encode(), 400, "system is required"),
        (json.dumps({"system": "erp", "taken_at": "yesterday", "rows": []}).encode(), 400,
         "RFC 3339"),
        (b'{"system": "erp", "taken_at": "2026-11-20T08:00:00Z", "rows": [{"sku": "a", ',
         400, "not valid JSON"),
    ],
)  # fmt: skip
def test_bad_json_bodies(service: Service, body: bytes, status: int, fragment: str) -> None:
    resp = service.post("/v1/snapshots", content=body, headers={"Content-Type": "application/json"})
    assert resp.status_code == status, resp.text
    assert fragment in resp.json()["error"]
    assert _count(service) == (0, 0)


def test_unsupported_content_type(service: Service) -> None:
    resp = service.post("/v1/snapshots", content=b"x", headers={"Content-Type": "text/plain"})
    assert resp.status_code == 415


def test_large_snapshot_spills_to_disk_and_stays_whole(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a snapshot bigger than the in-memory stage goes through a Parquet file
    monkeypatch.setattr("collector.snapshots._Stage._MEMORY_ROWS", 100)
    table = pa.table(
        {
            "sku": [f"S{i}" for i in range(3000)],
            "location": ["DC-EAST/A-01"] * 3000,
            "stock_status": ["on_hand"] * 3000,
            "quantity": pa.array(range(3000), pa.int64()),
        }
    )
    ok = service.post(
        "/v1/snapshots",
        params={"system": "wms", "instance": "dc-east", "taken_at": TAKEN},
        content=_parquet(table),
        headers={"Content-Type": "application/vnd.apache.parquet"},
    )
    assert ok.status_code == 200, ok.text
    assert _count(service) == (1, 3000)
    repeated = pa.concat_tables([table, table.slice(0, 1)])
    bad = service.post(
        "/v1/snapshots",
        params={"system": "wms", "instance": "dc-east", "taken_at": TAKEN},
        content=_parquet(repeated),
        headers={"Content-Type": "application/vnd.apache.parquet"},
    )
    assert bad.status_code == 422 and "more than once" in bad.text
    assert _count(service) == (1, 3000)


@pytest.mark.parametrize("limit", [0, 4 * 1024 * 1024], ids=["streamed", "in-memory"])
def test_json_snapshot_streamed_or_in_memory_alike(
    service: Service, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    monkeypatch.setattr("collector.snapshot_formats._IN_MEMORY_JSON_BYTES", limit)
    rows = [
        {"sku": f"S{i}", "location": "DC-EAST/A-01", "stock_status": "on_hand", "quantity": i}
        for i in range(200)
    ]
    body = {"system": "wms", "instance": "dc-east", "taken_at": TAKEN, "rows": rows}
    ok = service.post("/v1/snapshots", json=body)
    assert ok.status_code == 200, ok.text
    assert _count(service) == (1, 200)
    no_rows = service.post("/v1/snapshots", json={"system": "wms", "taken_at": TAKEN})
    assert no_rows.status_code == 422 and "'rows'" in no_rows.text
    bad_system = service.post("/v1/snapshots", json={**body, "system": {"x": 1}})
    assert bad_system.status_code == 400 and "system" in bad_system.text
    not_json = service.post(
        "/v1/snapshots", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 400 and "JSON" in not_json.text
    assert _count(service) == (1, 200)


def _stored_lots(svc: Service) -> list[tuple[str, str, str, float]]:
    with svc.store.reader() as cur:
        rows = cur.execute(
            "SELECT sku, lot, serial, quantity FROM snapshot_rows ORDER BY sku, lot, serial"
        ).fetchall()
    return [(r[0], r[1], r[2], float(r[3])) for r in rows]


_LOT_ROWS = [("A", "L7", "", 5.0), ("A", "L8", "", 2.0), ("B", "", "", 3.0), ("C", "", "SN-1", 1.0)]


@pytest.mark.parametrize("fmt", ["json", "json-streamed", "csv", "parquet"])
def test_lot_and_serial_columns_in_every_format(
    service: Service, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """Rows may carry lot and serial; absent or null is '' (none reported)."""
    if fmt == "json-streamed":
        monkeypatch.setattr("collector.snapshot_formats._IN_MEMORY_JSON_BYTES", 0)
    params = {"system": "wms", "instance": "dc-east", "taken_at": TAKEN}
    if fmt.startswith("json"):
        rows: list[dict[str, Any]] = [
            {"sku": "A", "location": "DC-EAST/A-01", "quantity": 5, "lot": "L7"},
            {"sku": "A", "location": "DC-EAST/A-01", "quantity": 2, "lot": "L8", "serial": None},
            {"sku": "B", "location": "DC-EAST/A-01", "quantity": 3},
            {"sku": "C", "location": "DC-EAST/A-01", "quantity": 1, "serial": "SN-1"},
        ]
        resp = service.post("/v1/snapshots", json={**params, "rows": rows})
    elif fmt == "csv":
        text = (
            "sku,location,quantity,lot,serial\nA,DC-EAST/A-01,5,L7,\nA,DC-EAST/A-01,2,L8,\n"
            "B,DC-EAST/A-01,3,,\nC,DC-EAST/A-01,1,,SN-1\n"
        )
        resp = service.post(
            "/v1/snapshots", params=params, content=text.encode(),
            headers={"Content-Type": "text/csv"},
        )  # fmt: skip
    else:
        table = pa.table(
            {
                "sku": ["A", "A", "B", "C"],
                "location": ["DC-EAST/A-01"] * 4,
                "quantity": [5, 2, 3, 1],
                "lot": ["L7", "L8", None, None],
                "serial": [None, None, None, "SN-1"],
            }
        )
        resp = service.post(
            "/v1/snapshots", params=params, content=_parquet(table),
            headers={"Content-Type": "application/vnd.apache.parquet"},
        )  # fmt: skip
    assert resp.status_code == 200, resp.text
    assert _stored_lots(service) == _LOT_ROWS


def test_same_key_in_two_lots_is_no_duplicate_but_same_lot_is(service: Service) -> None:
    row = {"sku": "A", "location": "DC-EAST/A-01", "quantity": 1}
    two_lots = [{**row, "lot": "L1"}, {**row, "lot": "L2"}]
    ok = _json(service, {"system": "wms", "taken_at": TAKEN, "rows": two_lots})
    assert ok.status_code == 200, ok.text
    bad = _json(service, {"system": "wms", "taken_at": TAKEN, "rows": [*two_lots, two_lots[0]]})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["value"] == "A | DC-EAST/A-01 | on_hand | lot L1"
    assert _count(service) == (1, 2)
