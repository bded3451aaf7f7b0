"""Lake upkeep on a schedule: small files of a day compacted into one per
partition, finished months rewritten as one file per (month, SKU bucket)
(``months.py``), snapshots older than a horizon expired, days past the lake's
retention deleted.  Every commit carries the export marks on
(``export.carried``), so export resumes where it was."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pyiceberg.table import Table

from collector.lake.marks import carried
from collector.lake.months import compact_months
from collector.lake.tables import SORTED_BY, LakeTables

__all__ = ["Maintained", "compact_table", "maintain"]

log = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY_NS = 86_400 * 1_000_000_000


@dataclass(slots=True)
class Maintained:
    """What one pass did, per table."""

    compacted_days: dict[str, int] = field(default_factory=dict)
    compacted_months: dict[str, int] = field(default_factory=dict)
    expired_before: datetime | None = None
    retention_before: datetime | None = None


def _month(moment: datetime) -> int:
    """Months since 1970-01."""
    return (moment.year - 1970) * 12 + moment.month - 1


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _day_files(table: Table) -> Counter[int]:
    """Data files per day partition (days since the epoch); the files of a
    finished month (another partition spec) are not counted."""
    days: Counter[int] = Counter()
    for task in table.scan().plan_files():
        if task.file.spec_id == table.spec().spec_id:
            days[int(task.file.partition[0])] += 1
    return days


def compact_table(
    table: Table, *, min_files: int, before_day: int, max_day_rows: int = 20_000_000
) -> int:
    """Rewrite each day before ``before_day`` that has at least ``min_files``
    data files as one file per partition (one atomic overwrite per day);
    days larger than ``max_day_rows`` are left as they are.  Returns the
    number of days rewritten."""
    done = 0
    for day, files in sorted(_day_files(table).items()):
        if files < min_files or day >= before_day:
            continue
        start = _EPOCH + timedelta(days=day)
        within = f"ts >= '{_iso(start)}' AND ts < '{_iso(start + timedelta(days=1))}'"
        rows = table.scan(row_filter=within).to_arrow()
        if rows.num_rows > max_day_rows:
            log.info(
                "lake: %s day %s has %d rows, not compacted",
                table.name(),
                start.date(),
                rows.num_rows,
            )
            continue
        if "sku" in rows.column_names:  # the sort order (tables.SORTED_BY)
            rows = rows.sort_by([(column, "ascending") for column in SORTED_BY])
        table.overwrite(rows, overwrite_filter=within, snapshot_properties=carried(table))
        done += 1
    return done


def maintain(
    lake: LakeTables,
    *,
    now_ns: int,
    min_files: int = 8,
    snapshot_keep_s: float = 86_400.0,
    retention_days: int = 396,
) -> Maintained:
    """One pass over every table: retention, compaction of finished days,
    expiry of old snapshots (their files are no longer read)."""
    now = _EPOCH + timedelta(microseconds=now_ns // 1000)
    today = now_ns // _DAY_NS
    cutoff = _EPOCH + timedelta(days=today - retention_days)
    expire = now - timedelta(seconds=snapshot_keep_s)
    result = Maintained(expired_before=expire, retention_before=cutoff)
    for name in lake.tables:
        table = lake.table(name)
        if table.current_snapshot() is None:
            continue
        old = f"ts < '{_iso(cutoff)}'"
        if any(True for _ in table.scan(row_filter=old, selected_fields=("ts",)).plan_files()):
            table.delete(old, snapshot_properties=carried(table))
            log.info("lake: %s rows before %s deleted (retention)", name, cutoff.date())
        result.compacted_days[name] = compact_table(table, min_files=min_files, before_day=today)
        result.compacted_months[name] = compact_months(table, before_month=_month(now))
        table.maintenance.expire_snapshots().older_than(expire).commit()
    return result
