"""The lake's warehouse on S3: a real S3-compatible server on loopback."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from pyarrow import fs

from collector.lake import LakeConfig, LakeService
from collector.testing.wire import T0
from tests.collector.lake.conftest import fill, hot_keys, read_outside
from tests.collector.lake.seaweed import seaweed_s3

NOW = T0 + 30 * 86_400 * 1_000_000_000
KEY, SECRET = "synclens", "synclens-secret"


pytestmark = pytest.mark.slow


def test_warehouse_on_s3(make_service: Any, tmp_path: Path) -> None:
    with seaweed_s3(tmp_path / "weed", KEY, SECRET) as endpoint:
        s3 = fs.S3FileSystem(
            endpoint_override=endpoint,
            access_key=KEY,
            secret_key=SECRET,
            region="us-east-1",
            allow_bucket_creation=True,
        )
        deadline = time.monotonic() + 30
        while True:  # the filer and volume servers come up a moment after the gateway
            try:
                s3.create_dir("lake")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        config = LakeConfig(
            f"sqlite:///{tmp_path / 'catalog.sqlite'}",
            "s3://lake/synclens",
            s3_endpoint=endpoint,
            s3_access_key_id=KEY,
            s3_secret_access_key=SECRET,
        )
        with make_service() as svc:
            fill(svc, events=60)
            LakeService(svc.store, config, pair_facts_settle_s=3600).export(now_ns=NOW)
            with svc.store.reader() as cur:
                hot = hot_keys(cur)
        assert read_outside(config) == hot
        written = s3.get_file_info(fs.FileSelector("lake/synclens", recursive=True))
        assert any(info.path.endswith(".parquet") for info in written)
