"""The Iceberg lake beside the hot DuckDB store (``docs/lake.md``).

``catalog`` opens the SQL catalog (SQLite or PostgreSQL) over a local or S3
warehouse, ``tables`` defines and evolves the tables, ``export`` moves
settled rows from the hot store exactly once, ``maintenance`` compacts
small files, expires old snapshots and applies the lake's retention.
"""

from collector.lake.catalog import LakeConfig, open_catalog
from collector.lake.export import Exported, export_all, watermark
from collector.lake.maintenance import Maintained, maintain
from collector.lake.service import LakeService
from collector.lake.tables import TABLES, LakeTables, ensure_tables

__all__ = [
    "TABLES",
    "Exported",
    "LakeConfig",
    "LakeService",
    "LakeTables",
    "Maintained",
    "ensure_tables",
    "export_all",
    "maintain",
    "open_catalog",
    "watermark",
]
