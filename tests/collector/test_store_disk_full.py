"""A full disk under the store (a real tmpfs): 503 + Retry-After within the
request timeout, never a hang; recovery by itself when space returns, or an
exit for the supervisor when DuckDB cannot go on; every ack stored."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx

from synclens.server import EXIT_STORE_FAILED
from tests.collector.disk import Acks, fill, small_fs
from tests.conftest import ServiceProcess, start_process, wait_ready

WRITE_TIMEOUT_S = 3.0


def _serve(tmp_path: Path, db: Path, config: str) -> ServiceProcess:
    cfg = tmp_path / "synclens.yaml"
    cfg.write_text(f"ingest: {{write_timeout_s: {WRITE_TIMEOUT_S}, decode_workers: 0}}\n{config}")
    ops = f"sqlite:///{tmp_path / 'ops.sqlite'}"  # the operational store is not under test
    return start_process(db, tmp_path / "serve.log", "--config", str(cfg), "--ops-db", ops)


def _until_refused(acks: Acks, limit: int = 2000) -> httpx.Response:
    for _ in range(limit):
        began = time.monotonic()
        resp = acks.post()
        assert time.monotonic() - began < WRITE_TIMEOUT_S + 2.0, "a request hung"
        assert resp.status_code != 500
        if resp.status_code != 200:
            return resp
    raise AssertionError("the small filesystem never filled")


def _stop(sp: ServiceProcess, within_s: float = 10.0) -> int:
    began = time.monotonic()
    sp.proc.send_signal(signal.SIGTERM)
    code = sp.proc.wait(timeout=30)
    assert time.monotonic() - began < within_s, f"SIGTERM took {time.monotonic() - began:.1f} s"
    return code


def test_ingest_refuses_while_the_disk_is_full_and_resumes_by_itself(tmp_path: Path) -> None:
    with small_fs(tmp_path / "fs", 12) as fs:
        filler = fs / "filler"
        filler.write_bytes(b"\0" * (3 * 1024 * 1024))  # what the operator frees later
        sp = _serve(tmp_path, fs / "synclens.duckdb", "store: {checkpoint_threshold: 1GB}\n")
        try:
            acks = Acks(sp.url, "full")
            refused = _until_refused(acks)
            assert refused.status_code == 503
            assert refused.headers["retry-after"] == "1"
            ready = httpx.get(f"{sp.url}/readyz", timeout=5)
            assert ready.status_code == 503
            assert "store writes failing" in ready.json()["reason"]
            assert "No space left" in ready.json()["reason"]
            metrics = httpx.get(f"{sp.url}/metrics", timeout=5).text
            assert "synclens_store_write_failing 1.0" in metrics
            assert acks.post().status_code == 503  # still refused, still not hanging
            lineage = httpx.get(f"{sp.url}/api/v1/lineage", params={"sku": "DISK-1"}, timeout=30)
            assert lineage.status_code == 200  # reads go on while writes fail

            filler.unlink()  # space returns: the store notices by itself (probe)
            wait_ready(sp.url, timeout=10)
            for _ in range(3):
                assert acks.post().status_code == 200
            metrics = httpx.get(f"{sp.url}/metrics", timeout=5).text
            assert "synclens_store_write_failing 0.0" in metrics
            assert _stop(sp) == 0
        finally:
            if sp.proc.poll() is None:
                sp.proc.kill()
        assert not acks.missing(fs / "synclens.duckdb")
        assert len(acks.acked) > 1000


def test_sigterm_while_the_disk_is_full_exits_promptly(tmp_path: Path) -> None:
    with small_fs(tmp_path / "fs", 8) as fs:
        sp = _serve(tmp_path, fs / "synclens.duckdb", "store: {checkpoint_threshold: 1GB}\n")
        try:
            acks = Acks(sp.url, "term")
            assert _until_refused(acks).status_code == 503
            assert _stop(sp) == 0
            assert "the checkpoint at close" not in sp.log.read_text()
        finally:
            if sp.proc.poll() is None:
                sp.proc.kill()
        assert not acks.missing(fs / "synclens.duckdb")


def test_a_failed_checkpoint_exits_for_a_restart_and_loses_nothing(tmp_path: Path) -> None:
    # A checkpoint that cannot write the database file makes DuckDB invalidate
    # the database: the service must exit for its supervisor to restart it.
    # Rows go to the WAL (no automatic checkpoint), the disk is filled to the
    # last byte, and the first scheduled checkpoint (10 s after start, no
    # other scheduled write before it) fails.
    with small_fs(tmp_path / "fs", 12) as fs:
        db = fs / "synclens.duckdb"
        config = (
            "store: {checkpoint_threshold: 1GB, checkpoint_interval_s: 10,"
            " compact_interval_s: 600}\n"
            "slis: {refresh_interval_s: 600}\nexceptions: {detect_interval_s: 600}\n"
        )
        sp = _serve(tmp_path, db, config)
        try:
            acks = Acks(sp.url, "fatal")
            for _ in range(10):
                assert acks.post().status_code == 200
            fill(fs / "filler")
            code = sp.proc.wait(timeout=20)
        finally:
            if sp.proc.poll() is None:
                sp.proc.kill()
        assert code == EXIT_STORE_FAILED
        log = sp.log.read_text()
        assert "Failed to create checkpoint" in log and "exiting with status 75" in log

        (fs / "filler").unlink()  # the supervisor starts it again once there is space
        again = _serve(tmp_path, db, config)
        try:
            acks.url = again.url
            assert acks.post().status_code == 200
            assert _stop(again) == 0
        finally:
            if again.proc.poll() is None:
                again.proc.kill()
        assert not acks.missing(db)
