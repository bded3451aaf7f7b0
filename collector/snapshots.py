"""Stock snapshots (SPEC 1.3): streamed in, validated per row, stored whole or not at all.

A snapshot arrives as JSON (``{"system", "instance", "taken_at", "channel",
"rows": [...]}``), CSV or Parquet (header fields as query parameters). The
body has been spooled to a file; it is read in Arrow batches (``ijson`` for
JSON, ``pyarrow.csv.open_csv`` for CSV, ``ParquetFile.iter_batches`` for
Parquet), so memory does not grow with the row count. Every batch is
validated; valid batches are staged to a temporary Parquet file, and one
task on the store's writer thread appends them to ``snapshot_rows`` in one
transaction, only when every row was valid and no key repeats. Otherwise nothing is stored and :class:`SnapshotError` carries the
first ``max_errors`` row errors and a count per kind of error.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from collector.cloudevents import STOCK_STATUSES
from collector.queries import sql
from collector.store import Store
from collector.timefmt import parse_rfc3339_ns

__all__ = [
    "BATCH_ROWS",
    "REQUIRED_COLUMNS",
    "ROW_COLUMNS",
    "ROW_SCHEMA",
    "Format",
    "RowChecker",
    "RowError",
    "SnapshotError",
    "SnapshotHeader",
    "SnapshotResult",
    "header_from_fields",
    "new_checker",
    "prune_snapshots",
    "write_snapshot",
]

Format = Literal["json", "csv", "parquet"]

ROW_SCHEMA = pa.schema(
    [
        ("sku", pa.string()),
        ("location", pa.string()),
        ("stock_status", pa.string()),
        ("quantity", pa.float64()),
        ("lot", pa.string()),  # '' when the system reports none for the row
        ("serial", pa.string()),
    ]
)
REQUIRED_COLUMNS = ("sku", "location", "quantity")
ROW_COLUMNS = frozenset(ROW_SCHEMA.names)
BATCH_ROWS = 65_536
_NUMBER = r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$"
_STATUSES = pa.array(sorted(STOCK_STATUSES))
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


@dataclass(frozen=True, slots=True)
class SnapshotHeader:
    system: str
    instance: str
    taken_ns: int
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # 1-based data row (CSV: line number minus the header line)
    field: str
    reason: str
    value: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "reason": self.reason, "value": self.value}


class SnapshotError(Exception):
    """The snapshot is refused whole; ``status`` is the HTTP status to answer."""

    def __init__(
        self,
        status: int,
        message: str,
        errors: list[RowError] | None = None,
        counts: dict[str, int] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors or []
        self.counts = counts or {}

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": str(self), "stored": False}
        if self.errors or self.counts:
            out["errors"] = [e.as_dict() for e in self.errors]
            out["error_counts"] = self.counts
            out["invalid_rows_total"] = sum(self.counts.values())
        return out


@dataclass(frozen=True, slots=True)
class SnapshotResult:
    snapshot_id: int
    rows: int
    header: SnapshotHeader

    def as_dict(self) -> dict[str, Any]:
        return {
            "snapshot_id": self.snapshot_id,
            "system": self.header.system,
            "instance": self.header.instance,
            "channel": self.header.channel,
            "taken_ns": self.header.taken_ns,
            "rows": self.rows,
            "stored": True,
        }


def header_from_fields(
    system: object, instance: object, taken_at: object, channel: object
) -> SnapshotHeader:
    """Validate the snapshot's header fields (400 with a reason when wrong)."""
    if not isinstance(system, str) or not _NAME.match(system):
        raise SnapshotError(
            400, "system is required: a lower-case system name such as 'erp' or 'wms'"
        )
    if instance is None:
        instance = ""
    if not isinstance(instance, str):
        raise SnapshotError(400, "instance must be a string")
    if channel is not None and (not isinstance(channel, str) or not channel):
        raise SnapshotError(400, "channel must be a non-empty string or null")
    if not isinstance(taken_at, str):
        raise SnapshotError(400, "taken_at is required: an RFC 3339 time")
    try:
        taken_ns = parse_rfc3339_ns(taken_at)
    except ValueError as exc:
        raise SnapshotError(400, f"taken_at is not an RFC 3339 time: {exc}") from exc
    return SnapshotHeader(system, instance, taken_ns, channel)


# -- validation -------------------------------------------------------------


@dataclass
class RowChecker:
    """Validates raw batches into ROW_SCHEMA batches, collecting row errors."""

    max_errors: int
    errors: list[RowError] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    rows: int = 0
    _batch_errors: list[RowError] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.counts)

    def add(self, error: RowError) -> None:
        self.counts[f"{error.field}: {error.reason}"] += 1
        if len(self.errors) < self.max_errors:
            self.errors.append(error)

    def _flag(self, mask: pa.Array, column: pa.Array, name: str, reason: str, offset: int) -> None:
        hits = pc.indices_nonzero(pc.fill_null(mask, False))
        n = len(hits)
        if not n:
            return
        self.counts[f"{name}: {reason}"] += n
        for i in hits[: self.max_errors].to_pylist():
            value = column[i].as_py()
            shown = None if value is None else str(value)[:80]
            self._batch_errors.append(RowError(offset + i + 1, name, reason, shown))

    def _keep_first(self) -> None:
        room = self.max_errors - len(self.errors)
        self._batch_errors.sort(key=lambda e: e.row)
        self.errors.extend(self._batch_errors[: max(room, 0)])
        self._batch_errors.clear()

    def check(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        offset = self.rows
        self.rows += batch.num_rows
        n = batch.num_rows
        out: dict[str, pa.Array] = {}
        for name in ("sku", "location"):
            col = _as_text(batch.column(name))
            empty = pc.or_kleene(
                pc.is_null(col), pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(col)), 0)
            )
            self._flag(empty, col, name, "missing or empty", offset)
            out[name] = col
        if "stock_status" in batch.schema.names:
            status = pc.fill_null(_as_text(batch.column("stock_status")), "on_hand")
            self._flag(
                pc.invert(pc.is_in(status, value_set=_STATUSES)),
                status,
                "stock_status",
                "not a known stock status",
                offset,
            )
        else:
            status = pa.array(["on_hand"] * n, pa.string())
        out["stock_status"] = status
        out["quantity"] = self._quantity(batch.column("quantity"), offset)
        for name in ("lot", "serial"):
            if name in batch.schema.names:
                out[name] = pc.fill_null(pc.utf8_trim_whitespace(_as_text(batch.column(name))), "")
            else:
                out[name] = pa.array([""] * n, pa.string())
        self._keep_first()
        return pa.RecordBatch.from_arrays([out[c] for c in ROW_SCHEMA.names], schema=ROW_SCHEMA)

    def _quantity(self, raw: pa.Array, offset: int) -> pa.Array:
        missing = pc.is_null(raw)
        self._flag(missing, raw, "quantity", "missing", offset)
        if pa.types.is_integer(raw.type) or pa.types.is_floating(raw.type):
            qty = pc.cast(raw, pa.float64())
            bad = pc.invert(pc.is_finite(qty))
            self._flag(bad, raw, "quantity", "not a finite number", offset)
            return pc.fill_null(qty, 0.0)
        if pa.types.is_decimal(raw.type):
            return pc.fill_null(pc.cast(raw, pa.float64()), 0.0)
        text = _as_text(raw) if not pa.types.is_string(raw.type) else raw
        if not (pa.types.is_string(text.type) or pa.types.is_large_string(text.type)):
            self._flag(pc.invert(missing), raw, "quantity", "not a number", offset)
            return pa.array([0.0] * len(raw), pa.float64())
        bad = pc.and_(pc.invert(missing), pc.invert(pc.match_substring_regex(text, _NUMBER)))
        self._flag(bad, text, "quantity", "not a number", offset)
        clean = pc.if_else(pc.or_kleene(bad, missing), "0", pc.utf8_trim_whitespace(text))
        return pc.cast(clean, pa.float64())


def _as_text(col: pa.Array) -> pa.Array:
    if pa.types.is_string(col.type):
        return col
    if pa.types.is_dictionary(col.type):
        return pc.cast(pc.dictionary_decode(col), pa.string())
    try:
        return pc.cast(col, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.nulls(len(col), pa.string())


def write_snapshot(
    store: Store,
    header: SnapshotHeader,
    batches: Iterator[pa.RecordBatch],
    *,
    fmt: Format,
    received_ns: int,
    max_errors: int = 20,
    checker: RowChecker | None = None,
    staging_dir: Path | None = None,
) -> SnapshotResult:
    """Validate and store a snapshot whole; nothing is stored on error.

    Valid batches are staged to a temporary Parquet file as they stream in
    (memory stays flat); one task on the store's writer thread then checks
    the keys are unique and appends the staged rows with the header in one
    transaction. Raises :class:`SnapshotError` (422) listing the first
    ``max_errors`` bad rows and a count per kind of error, or naming the
    repeated keys.
    """
    check = checker or RowChecker(max_errors)
    stage = _Stage(staging_dir)
    try:
        for raw in batches:
            batch = check.check(raw)
            if not check.failed:  # after a failure: validate on for the counts only
                stage.add(batch)
        if check.failed:
            total = sum(check.counts.values())
            raise SnapshotError(
                422,
                f"snapshot rejected, nothing stored: {total} invalid row(s) "
                f"(the first {len(check.errors)} are listed)",
                check.errors,
                dict(check.counts),
            )
        task = partial(_commit, stage, header, check.rows, fmt, received_ns, max_errors)
        snapshot_id: int = store.run_task(task).result()
    finally:
        stage.discard()
    return SnapshotResult(snapshot_id, check.rows, header)


class _Stage:
    """Valid rows waiting for the commit: in memory while the snapshot is
    small, spilled to a temporary Parquet file once it is not, so memory
    stays flat for a million rows and small snapshots touch no disk."""

    _MEMORY_ROWS = 100_000

    def __init__(self, staging_dir: Path | None) -> None:
        self._dir = staging_dir
        self._batches: list[pa.RecordBatch] = []
        self._rows = 0
        self._path: Path | None = None
        self._writer: pq.ParquetWriter | None = None

    def add(self, batch: pa.RecordBatch) -> None:
        if self._writer is None and self._rows + batch.num_rows <= self._MEMORY_ROWS:
            self._batches.append(batch)
            self._rows += batch.num_rows
            return
        if self._writer is None:
            fd, name = tempfile.mkstemp(prefix="synclens-staged-", suffix=".parquet", dir=self._dir)
            os.close(fd)
            self._path = Path(name)
            self._writer = pq.ParquetWriter(self._path, ROW_SCHEMA, compression="lz4")
            for held in self._batches:
                self._writer.write_batch(held)
            self._batches = []
        self._writer.write_batch(batch)

    @contextmanager
    def registered(self, cur: duckdb.DuckDBPyConnection) -> Iterator[None]:
        """The rows, readable as ``staged`` on ``cur`` while the block runs."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._path is not None:
            cur.read_parquet(str(self._path)).create_view("staged")
        else:
            cur.register("staged", pa.Table.from_batches(self._batches, schema=ROW_SCHEMA))
        try:
            yield
        finally:
            if self._path is not None:
                cur.execute("DROP VIEW IF EXISTS staged")
            else:
                cur.unregister("staged")

    def discard(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._path is not None:
            self._path.unlink(missing_ok=True)


def _commit(
    stage: _Stage,
    header: SnapshotHeader,
    rows: int,
    fmt: Format,
    received_ns: int,
    max_errors: int,
    cur: duckdb.DuckDBPyConnection,
) -> int:
    """On the writer thread: unique keys, then rows + header in one transaction."""
    with stage.registered(cur):
        dupes = cur.execute(sql("snapshot_duplicates"), {"limit": max_errors}).fetchall()
        if dupes:
            errors = [
                RowError(0, "key", f"repeated {n} times", _key_text(sku, loc, status, lot, serial))
                for sku, loc, status, lot, serial, n, _ in dupes
            ]
            raise SnapshotError(
                422,
                f"snapshot rejected, nothing stored: {dupes[0][6]} key(s) "
                "(sku, location, stock_status, lot, serial) occur more than once",
                errors,
                {"key: duplicate": int(dupes[0][6])},
            )
        cur.begin()
        id_rows = cur.execute(sql("snapshot_next_id")).fetchall()
        snapshot_id = int(id_rows[0][0])
        cur.execute(sql("snapshot_insert_rows"), {"snapshot_id": snapshot_id})
        cur.execute(
            sql("snapshot_insert"),
            {
                "snapshot_id": snapshot_id,
                "system": header.system,
                "instance": header.instance,
                "channel": header.channel,
                "taken_ns": header.taken_ns,
                "received_ns": received_ns,
                "row_count": rows,
                "format": fmt,
            },
        )
        cur.commit()
        return snapshot_id


def _key_text(sku: str, loc: str, status: str, lot: str, serial: str) -> str:
    text = f"{sku} | {loc} | {status}"
    if lot:
        text += f" | lot {lot}"
    if serial:
        text += f" | serial {serial}"
    return text


def prune_snapshots(cur: duckdb.DuckDBPyConnection, *, keep: int) -> int:
    """On the writer thread: delete all but the newest ``keep`` snapshots of
    each system instance and channel; returns how many were deleted."""
    ids = [int(r[0]) for r in cur.execute(sql("snapshots_prune"), {"keep": keep}).fetchall()]
    if ids:
        cur.begin()
        cur.execute(sql("snapshots_delete_rows"), {"ids": ids})
        cur.execute(sql("snapshots_delete"), {"ids": ids})
        cur.commit()
    return len(ids)


def new_checker(max_errors: int = 20) -> RowChecker:
    """A row checker to share between a reader (CSV bad rows) and the write."""
    return RowChecker(max_errors)
