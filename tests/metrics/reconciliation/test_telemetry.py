"""``synclens_reconciliation_last_run_timestamp_seconds``: absent before the first run, then its time."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any


def test_last_run_timestamp(make_service: Any, tmp_path: Path) -> None:
    name = "synclens_reconciliation_last_run_timestamp_seconds"
    with make_service(ops_db=f"sqlite:///{tmp_path / 'ops.sqlite'}") as svc:
        assert f"\n{name} " not in svc.get("/metrics").text
        before = time.time()
        assert svc.post("/api/v1/reconciliations").status_code == 200
        value = svc.metric(name)
        assert before - 1 <= value <= time.time() + 1
