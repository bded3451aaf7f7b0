"""The lake's SQL catalog (SQLite for one node, PostgreSQL when several share
it) and its warehouse (a local directory, or S3 by URL)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyiceberg.catalog.sql import SqlCatalog

__all__ = ["LakeConfig", "open_catalog"]


@dataclass(frozen=True, slots=True)
class LakeConfig:
    """Where the lake lives.  ``catalog_url`` is an SQLAlchemy URL
    (``sqlite:///…``, ``postgresql+psycopg://…``); ``warehouse`` a directory
    path, ``file://…`` or ``s3://bucket/prefix``."""

    catalog_url: str
    warehouse: str
    namespace: str = "synclens"
    sku_buckets: int = 16
    s3_endpoint: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = field(default=None, repr=False)
    s3_region: str = "us-east-1"

    @classmethod
    def beside(cls, db: str | Path, **kwargs: object) -> LakeConfig:
        """The default for a store file ``db``: ``<dir>/lake/catalog.sqlite``
        and ``<dir>/lake/warehouse``; ``kwargs`` not None override."""
        base = Path(db).resolve().parent / "lake"
        given = {key: value for key, value in kwargs.items() if value is not None}
        given.setdefault("catalog_url", f"sqlite:///{base / 'catalog.sqlite'}")
        given.setdefault("warehouse", str(base / "warehouse"))
        return cls(**given)  # type: ignore[arg-type]


def open_catalog(config: LakeConfig) -> SqlCatalog:
    """The catalog, its tables created on first use (no import-time effects)."""
    warehouse = config.warehouse
    if "://" not in warehouse:
        path = Path(warehouse).resolve()
        path.mkdir(parents=True, exist_ok=True)
        warehouse = path.as_uri()
    if config.catalog_url.startswith("sqlite:///"):
        Path(config.catalog_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    properties = {"uri": config.catalog_url, "warehouse": warehouse}
    if config.s3_endpoint:
        properties["s3.endpoint"] = config.s3_endpoint
    if config.s3_access_key_id:
        properties["s3.access-key-id"] = config.s3_access_key_id
    if config.s3_secret_access_key:
        properties["s3.secret-access-key"] = config.s3_secret_access_key
    properties["s3.region"] = config.s3_region
    return SqlCatalog("synclens", **properties)
