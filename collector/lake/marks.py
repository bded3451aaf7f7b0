"""The marks a lake table carries in its Iceberg snapshot summaries (the
export watermark, the pair facts' restatement), and the rows' conversion to
the lake's schema: shared by export, restatement and maintenance."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.table import Table

from collector.lake.tables import TS, LakeTable

__all__ = ["RESTATED", "WATERMARK", "Exported", "carried", "conform", "watermark"]

WATERMARK = "synclens.watermark"
#: pair facts: the derivation (``pair_facts.derived_seq``) up to which every
#: change of an exported pair is in the lake (``restate.py``)
RESTATED = "synclens.restated"


@dataclass(frozen=True, slots=True)
class Exported:
    """One table's export: its rows, commits and the watermark reached."""

    table: str
    rows: int
    commits: int
    watermark: int
    seconds: float


def watermark(table: Table, key: str = WATERMARK) -> int:
    """The hot-store key up to which ``table`` holds every row (0: none);
    ``key``: another mark carried the same way (:data:`RESTATED`)."""
    snapshot = table.current_snapshot()
    while snapshot is not None:
        value = snapshot.summary[key] if snapshot.summary is not None else None
        if value is not None:
            return int(value)
        parent = snapshot.parent_snapshot_id
        snapshot = table.snapshot_by_id(parent) if parent is not None else None
    return 0


def carried(table: Table) -> dict[str, str]:
    """The marks a commit that moves no rows in (compaction, retention)
    carries on, so that export resumes where it was."""
    return {WATERMARK: str(watermark(table)), RESTATED: str(watermark(table, RESTATED))}


def conform(rows: pa.Table, spec: LakeTable) -> pa.Table:
    """The hot store's rows in the lake table's schema, with ``ts`` (the
    partition time, microseconds) derived from the row's nanosecond time."""
    micros = pc.divide(rows.column(spec.time_column).cast(pa.int64()), 1000)
    rows = rows.append_column("ts", micros.cast(pa.int64()).cast(TS))
    return rows.select(spec.schema.names).cast(spec.schema)
