"""Ingest of large stock snapshots: CSV, Parquet and JSON, 1 million rows.

Run: ``.venv/bin/python bench/snapshot_bench.py [--rows 1000000] [--small 250000] [--http]``.
Each (format, size) runs in a fresh subprocess that reads a file the way
``POST /v1/snapshots`` does after spooling the body (stream, validate,
stage, one whole-or-nothing commit) and reports its wall time and its peak
RSS above the baseline after start-up, so a flat memory figure across sizes
shows that memory does not grow with the row count.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

_LOCS = [f"DC-EAST/A-{i:02d}-{j:02d}" for i in range(40) for j in range(25)]


def _table(rows: int) -> pa.Table:
    return pa.table(
        {
            "sku": [f"SKU-{i // len(_LOCS):07d}" for i in range(rows)],
            "location": [_LOCS[i % len(_LOCS)] for i in range(rows)],
            "stock_status": ["on_hand"] * rows,
            "quantity": [float(i % 97) for i in range(rows)],
        }
    )


def _write(fmt: str, rows: int, folder: Path) -> Path:
    path = folder / f"snap-{rows}.{fmt}"
    if path.exists():
        return path
    table = _table(rows)
    if fmt == "csv":
        pacsv.write_csv(table, path)
    elif fmt == "parquet":
        pq.write_table(table, path, row_group_size=100_000)
    else:
        with path.open("w") as fh:
            fh.write('{"system": "wms", "instance": "dc-east", '
                     '"taken_at": "2026-11-20T08:00:00Z", "channel": null, "rows": [')  # fmt: skip
            for i, row in enumerate(table.to_pylist()):
                fh.write(("," if i else "") + json.dumps(row))
            fh.write("]}")
    return path


def _child(fmt: str, path: str) -> None:
    from collector.snapshot_formats import csv_batches, json_snapshot, parquet_batches
    from collector.snapshots import header_from_fields, new_checker, write_snapshot
    from collector.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb")
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        checker = new_checker()
        if fmt == "json":
            header, rows = json_snapshot(Path(path))
            batches = rows()
        else:
            header = header_from_fields("wms", "dc-east", "2026-11-20T08:00:00Z", None)
            batches = (
                csv_batches(Path(path), checker) if fmt == "csv" else parquet_batches(Path(path))
            )
        result = write_snapshot(
            store,
            header,
            batches,
            fmt=fmt,
            received_ns=0,
            checker=checker,  # type: ignore[arg-type]
        )
        wall = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        store.close()
    print(json.dumps({"rows": result.rows, "wall_s": wall, "rss_growth_mib": (peak - base) / 1024}))


def _http(rows: int, folder: Path) -> None:
    """The same files POSTed to a live service (uvicorn on loopback), end to end."""
    import socket
    import threading

    import httpx
    import uvicorn

    from synclens.app import create_app
    from synclens.parts import open_store
    from synclens.settings import load_settings

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    settings = load_settings(
        db=str(folder / "http.duckdb"), ops_db=f"sqlite:///{folder / 'ops.sqlite'}", port=port
    )
    store = open_store(settings)
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, store=store), port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.05)
    types = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet",
             "json": "application/json"}  # fmt: skip
    params = {"system": "wms", "instance": "dc-east", "taken_at": "2026-11-20T08:00:00Z"}
    print(f"\nHTTP POST /v1/snapshots, {rows} rows, end to end")
    for fmt, ctype in types.items():
        path = _write(fmt, rows, folder)
        t0 = time.perf_counter()
        with path.open("rb") as fh:
            resp = httpx.post(f"{url}/v1/snapshots", params=params, content=fh,
                              headers={"Content-Type": ctype}, timeout=600)  # fmt: skip
        wall = time.perf_counter() - t0
        size = path.stat().st_size / 2**20
        print(f"{fmt:8} {resp.status_code} {wall:6.2f} s  ({size:.0f} MiB body)")
    server.should_exit = True
    thread.join()
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=250_000)
    parser.add_argument("--http", action="store_true", help="also POST to a live service")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'format':8} {'rows':>9} {'wall s':>7} {'rows/s':>10} {'peak RSS growth MiB':>20}")
        for fmt in ("csv", "parquet", "json"):
            for rows in (args.small, args.rows):
                path = _write(fmt, rows, Path(tmp))
                out = subprocess.run(
                    [sys.executable, __file__, "--child", fmt, str(path)],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                r = json.loads(out.stdout.strip().splitlines()[-1])
                print(
                    f"{fmt:8} {r['rows']:>9} {r['wall_s']:>7.2f} {r['rows'] / r['wall_s']:>10.0f} "
                    f"{r['rss_growth_mib']:>20.0f}"
                )
        if args.http:
            _http(args.rows, Path(tmp))


if __name__ == "__main__":
    main()
