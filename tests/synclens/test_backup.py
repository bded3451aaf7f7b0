"""``synclens backup`` while the service ingests, ``synclens restore`` into a
fresh directory: every row acknowledged before the backup began is there."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import duckdb
import httpx
from pydantic import SecretStr

from collector.queries import migrations
from collector.store import Store
from collector.testing.wire import BATCH, batch_body, cloudevent
from metrics import STORE_MIGRATIONS
from metrics.exceptions import ExceptionStore
from synclens.settings import AuthSettings, Token
from tests.conftest import ServiceProcess


class _Sender:
    def __init__(self, url: str) -> None:
        self.url = url
        self.acked: list[str] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        n = 0
        with httpx.Client(timeout=30) as client:
            while not self.stop.is_set():
                ids = [f"b-{n}-{i}" for i in range(200)]
                body = batch_body(*(cloudevent(i, sku="BACKUP") for i in ids))
                if client.post(f"{self.url}/v1/events", content=body, headers=BATCH).is_success:
                    with self.lock:
                        self.acked.extend(ids)
                n += 1

    def snapshot(self) -> set[str]:
        with self.lock:
            return set(self.acked)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "synclens.cli", *args], capture_output=True, text=True, timeout=120
    )


def _ids(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {row[0] for row in con.execute("SELECT id FROM events").fetchall()}


def test_backup_under_load_then_restore(service_process: ServiceProcess, tmp_path: Path) -> None:
    sender = _Sender(service_process.url)
    sender.thread.start()
    try:
        while len(sender.snapshot()) < 2000:
            sender.stop.wait(0.05)
        before = sender.snapshot()  # acknowledged before the backup began
        made = _cli("backup", "--to", str(tmp_path / "backup"), "--url", service_process.url)
        during = sender.snapshot()
    finally:
        sender.stop.set()
        sender.thread.join(timeout=30)
    assert made.returncode == 0, made.stderr
    manifest = json.loads(made.stdout)
    assert manifest["rows"]["events"] >= len(before)
    assert len(during) > len(before), "ingest went on during the backup"

    fresh = tmp_path / "fresh"
    ops = f"sqlite:///{fresh / 'ops.sqlite'}"
    restored = _cli(
        "restore",
        "--from",
        str(tmp_path / "backup"),
        "--db",
        str(fresh / "s.duckdb"),
        "--ops-db",
        ops,
    )
    assert restored.returncode == 0, restored.stderr
    assert before <= _ids(fresh / "s.duckdb")
    again = _cli("restore", "--from", str(tmp_path / "backup"), "--db", str(fresh / "s.duckdb"))
    assert again.returncode == 2 and "exists" in again.stderr  # never over a store

    store = Store(fresh / "s.duckdb", extra_migrations=STORE_MIGRATIONS)  # opens as a store
    try:
        # the collector's migrations, all recorded, none applied again
        assert store.schema_version == max(v for v, _, _ in migrations("collector"))
    finally:
        store.close()
    restored_ops = ExceptionStore(ops)
    try:
        assert restored_ops.unresolved_summary() == []
    finally:
        restored_ops.close()

    service_process.proc.send_signal(signal.SIGTERM)
    assert service_process.proc.wait(timeout=30) == 0
    assert set(sender.acked) <= _ids(service_process.db)  # and the original lost nothing


def test_backup_is_admin_only_and_never_over_files(make_service: Any, tmp_path: Path) -> None:
    tokens = AuthSettings(
        tokens=(
            Token(name="ops", token=SecretStr("admin-secret"), scopes=("admin",)),
            Token(name="wms", token=SecretStr("wms-secret"), systems=("wms",)),
            Token(name="middleware", token=SecretStr("mw-secret"), systems=("*",)),
        )
    )
    with make_service(auth=tokens) as svc:
        url = "/api/v1/admin/backup"
        admin = {"authorization": "Bearer admin-secret"}
        assert svc.post(url, json={"to": str(tmp_path / "b")}).status_code == 401
        wms = {"authorization": "Bearer wms-secret"}
        assert svc.post(url, json={"to": str(tmp_path / "b")}, headers=wms).status_code == 403
        # a token for every system still only ingests: backups need the admin scope
        mw = {"authorization": "Bearer mw-secret"}
        assert svc.post(url, json={"to": str(tmp_path / "b")}, headers=mw).status_code == 403
        (tmp_path / "full").mkdir()
        (tmp_path / "full" / "x").write_text("keep")
        resp = svc.post(url, json={"to": str(tmp_path / "full")}, headers=admin)
        assert resp.status_code == 400 and "not empty" in resp.json()["detail"]
        assert svc.post(url, json={"to": "relative/dir"}, headers=admin).status_code == 400
        assert svc.post(url, json={"to": str(tmp_path / "b")}, headers=admin).status_code == 200
