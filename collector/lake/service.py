"""The lake beside a running store: export and upkeep, one at a time.

Plain methods taking ``now_ns``; ``synclens.scheduler`` calls them on an
interval and tests call them directly."""

from __future__ import annotations

import threading

from collector.lake.catalog import LakeConfig, open_catalog
from collector.lake.export import Exported, export_all, watermark
from collector.lake.maintenance import Maintained, maintain
from collector.lake.tables import LakeTables, ensure_tables
from collector.lake.tiers import TwoTier
from collector.retention import HotHorizon
from collector.store import Store

__all__ = ["LakeService"]

_S_NS = 1_000_000_000


class LakeService:
    """Opens the catalog and tables on first use; export reads the hot store
    on a reader cursor, so ingest never waits for it."""

    def __init__(
        self,
        store: Store,
        config: LakeConfig,
        *,
        export_max_rows: int = 1_000_000,
        pair_facts_settle_s: float = 2 * 86_400.0,
        compact_min_files: int = 8,
        snapshot_keep_s: float = 86_400.0,
        retention_days: int = 396,
        hot_days: int = 7,
    ) -> None:
        self.store = store
        self.config = config
        self._export_max_rows = export_max_rows
        self._settle_ns = int(pair_facts_settle_s * _S_NS)
        self._compact_min_files = compact_min_files
        self._snapshot_keep_s = snapshot_keep_s
        self._retention_days = retention_days
        self.hot_days = hot_days
        self._lock = threading.Lock()  # export and upkeep never commit at once
        self._tables: LakeTables | None = None
        self._tiers: TwoTier | None = None

    @property
    def tables(self) -> LakeTables:
        if self._tables is None:
            catalog = open_catalog(self.config)
            self._tables = ensure_tables(
                catalog, self.config.namespace, sku_buckets=self.config.sku_buckets
            )
        return self._tables

    @property
    def tiers(self) -> TwoTier:
        """The readers of both tiers (one per service: it caches the lake's plans)."""
        if self._tiers is None:
            self._tiers = TwoTier(self)
        return self._tiers

    def export(self, *, now_ns: int) -> list[Exported]:
        """Move every settled row not yet in the lake there."""
        with self._lock:
            return export_all(
                self.store.reader,
                self.tables,
                now_ns=now_ns,
                max_rows=self._export_max_rows,
                settle_ns=self._settle_ns,
            )

    def exported_seq(self) -> int:
        """The group commit up to which the lake holds every span and event:
        hot retention deletes nothing after it."""
        with self._lock:
            return min(watermark(self.tables.table(name)) for name in ("events", "spans"))

    def hot(self) -> HotHorizon:
        """What hot retention may delete now: rows past ``hot_days`` the lake
        holds (its watermarks), duplicates past the lake's retention."""
        with self._lock:
            facts = watermark(self.tables.table("pair_facts"))
            events = watermark(self.tables.table("events"))
            spans = watermark(self.tables.table("spans"))
        return HotHorizon(self.hot_days, events, facts, spans, self._retention_days)

    def maintain(self, *, now_ns: int) -> Maintained:
        """Retention, compaction of finished days, expiry of old snapshots."""
        with self._lock:
            return maintain(
                self.tables,
                now_ns=now_ns,
                min_files=self._compact_min_files,
                snapshot_keep_s=self._snapshot_keep_s,
                retention_days=self._retention_days,
            )
