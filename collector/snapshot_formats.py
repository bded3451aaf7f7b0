"""Reading snapshot bodies (SPEC 1.3): CSV, Parquet and JSON into raw batches.

The readers only turn a body into batches of text columns and check the
column names; :mod:`collector.snapshots` validates the rows and stores the
snapshot whole.  Large bodies stream, so memory does not grow with the rows.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ijson
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from collector.snapshots import (
    BATCH_ROWS,
    REQUIRED_COLUMNS,
    ROW_COLUMNS,
    RowChecker,
    RowError,
    SnapshotError,
    SnapshotHeader,
    header_from_fields,
)

__all__ = ["csv_batches", "json_snapshot", "parquet_batches"]

_IN_MEMORY_JSON_BYTES = 4 * 1024 * 1024  # JSON bodies up to this are parsed at once


def _check_columns(names: list[str]) -> None:
    unknown = sorted(set(names) - ROW_COLUMNS)
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)}")
        raise SnapshotError(
            422,
            "wrong columns: " + "; ".join(parts) + " (expected sku, location, "
            "stock_status (optional, default on_hand), quantity, lot and serial (optional))",
        )
    dupes = [c for c, n in Counter(names).items() if n > 1]
    if dupes:
        raise SnapshotError(422, f"wrong columns: {', '.join(dupes)} given more than once")


def csv_batches(path: Path, checker: RowChecker | None = None) -> Iterator[pa.RecordBatch]:
    """Raw batches of a CSV file with a header line (all columns as text)."""

    def invalid(row: Any) -> str:
        if checker is not None:
            line = row.number if row.number is not None else 0
            checker.add(
                RowError(
                    max(line - 1, 0),
                    "row",
                    f"has {row.actual_columns} fields, expected {row.expected_columns}",
                    (row.text or "")[:80],
                )
            )
        return "skip"

    try:
        header = pacsv.open_csv(
            path, read_options=pacsv.ReadOptions(block_size=1 << 16)
        ).schema.names
    except pa.ArrowInvalid as exc:
        if "Empty CSV file" in str(exc):
            raise SnapshotError(422, "wrong columns: the CSV has no header line") from exc
        raise SnapshotError(400, f"not a readable CSV file: {exc}") from exc
    _check_columns(header)
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=8 << 20),
        parse_options=pacsv.ParseOptions(invalid_row_handler=invalid),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in header}, strings_can_be_null=False
        ),
    )
    try:
        yield from reader
    except pa.ArrowInvalid as exc:
        raise SnapshotError(400, f"not a readable CSV file: {exc}") from exc


def parquet_batches(path: Path) -> Iterator[pa.RecordBatch]:
    """Raw batches of a Parquet file, read one row group slice at a time."""
    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise SnapshotError(400, f"not a readable Parquet file: {exc}") from exc
    names = pf.schema_arrow.names
    _check_columns(names)
    try:
        yield from pf.iter_batches(batch_size=BATCH_ROWS, columns=names)
    except (pa.ArrowException, OSError) as exc:
        raise SnapshotError(400, f"not a readable Parquet file (truncated?): {exc}") from exc


_HEADER_KEYS = ("system", "instance", "taken_at", "channel")
_SCALARS = frozenset({"string", "number", "boolean", "null"})


def json_snapshot(path: Path) -> tuple[SnapshotHeader, Callable[[], Iterator[pa.RecordBatch]]]:
    """The header of a JSON snapshot and a function streaming its rows as raw batches.

    A small body is parsed at once; a large one is streamed (memory stays
    flat): the header pass stops at ``rows`` when every header field came
    before it (the usual order), otherwise it reads on to the end.
    """
    if path.stat().st_size <= _IN_MEMORY_JSON_BYTES:
        return _json_snapshot_in_memory(path)
    found: dict[str, object] = {}
    saw_rows = False
    try:
        with path.open("rb") as fh:
            parser = ijson.parse(fh)
            first = next(parser, None)
            if first is None or first[1] != "start_map":
                raise SnapshotError(400, "a JSON snapshot must be an object with 'rows'")
            for prefix, event, value in parser:
                if prefix in _HEADER_KEYS and event in _SCALARS:
                    found[prefix] = value
                elif prefix in _HEADER_KEYS and event in ("start_map", "start_array"):
                    found[prefix] = object()
                elif prefix == "rows" and event == "start_array":
                    saw_rows = True
                    if all(k in found for k in _HEADER_KEYS):
                        break
    except ijson.JSONError as exc:
        raise SnapshotError(400, f"body is not valid JSON: {exc}") from exc
    if not saw_rows:
        raise SnapshotError(422, "a JSON snapshot needs 'rows': an array of row objects")
    header = header_from_fields(
        found.get("system"), found.get("instance"), found.get("taken_at"), found.get("channel")
    )

    def batches() -> Iterator[pa.RecordBatch]:
        cols: tuple[list[Any], ...] = ([], [], [], [], [], [])
        sku, loc, status, qty, lot, serial = cols
        try:
            with path.open("rb") as fh:
                for row in ijson.items(fh, "rows.item", use_float=True):
                    if not isinstance(row, dict):
                        row = {}
                    sku.append(_text(row.get("sku")))
                    loc.append(_text(row.get("location")))
                    status.append(_text(row.get("stock_status")))
                    q = row.get("quantity")
                    qty.append(None if q is None else q if type(q) is str else str(q))
                    lot.append(_text(row.get("lot")))
                    serial.append(_text(row.get("serial")))
                    if len(sku) >= BATCH_ROWS:
                        yield _raw_batch(cols)
                        for c in cols:
                            c.clear()
        except ijson.JSONError as exc:
            raise SnapshotError(400, f"body is not valid JSON: {exc}") from exc
        if sku:
            yield _raw_batch(cols)

    return header, batches


def _json_snapshot_in_memory(
    path: Path,
) -> tuple[SnapshotHeader, Callable[[], Iterator[pa.RecordBatch]]]:
    try:
        body = json.loads(path.read_bytes())
    except ValueError as exc:  # JSONDecodeError and undecodable UTF-8
        raise SnapshotError(400, f"body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise SnapshotError(400, "a JSON snapshot must be an object with 'rows'")
    rows = body.get("rows")
    if not isinstance(rows, list):
        raise SnapshotError(422, "a JSON snapshot needs 'rows': an array of row objects")
    fields = [body.get(k) for k in _HEADER_KEYS]
    # an object or array where a header field belongs is refused like a wrong type
    header = header_from_fields(*(object() if isinstance(v, dict | list) else v for v in fields))

    def batches() -> Iterator[pa.RecordBatch]:
        for start in range(0, max(len(rows), 1), BATCH_ROWS):
            chunk = [r if isinstance(r, dict) else {} for r in rows[start : start + BATCH_ROWS]]
            if not chunk:
                return
            qty = [r.get("quantity") for r in chunk]
            yield _raw_batch(
                (
                    [_text(r.get("sku")) for r in chunk],
                    [_text(r.get("location")) for r in chunk],
                    [_text(r.get("stock_status")) for r in chunk],
                    [None if q is None else q if type(q) is str else str(q) for q in qty],
                    [_text(r.get("lot")) for r in chunk],
                    [_text(r.get("serial")) for r in chunk],
                )
            )

    return header, batches


def _text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool | dict | list):
        return None
    return str(value)


def _raw_batch(cols: tuple[list[Any], ...]) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays(
        [pa.array(c, pa.string()) for c in cols],
        names=["sku", "location", "stock_status", "quantity", "lot", "serial"],
    )


# -- the write ----------------------------------------------------------------
