"""A real small filesystem for disk-fault tests: a tmpfs mounted by the test."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest

from collector.testing.wire import BATCH, batch_body, cloudevent

__all__ = ["Acks", "fill", "small_fs"]


@contextlib.contextmanager
def small_fs(where: Path, size_mb: int, *, read_only: bool = False) -> Iterator[Path]:
    """Mount a tmpfs of ``size_mb`` (read-only if asked) at ``where``; skip
    (saying why) where the test may not mount one."""
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root; disk faults not tested")
    done = subprocess.run(
        [
            "mount",
            "-t",
            "tmpfs",
            "-o",
            f"{'ro,' if read_only else ''}size={size_mb}m",
            "tmpfs",
            str(where),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(
            f"cannot mount a tmpfs here ({done.stderr.strip()}); disk-full faults not tested"
        )
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(path: Path) -> None:
    """Write ``path`` until its filesystem has not one byte left."""
    with path.open("ab", buffering=0) as out:
        for size in (1 << 20, 1 << 16, 1 << 12, 1):
            try:
                while True:
                    out.write(b"\0" * size)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise


class Acks:
    """Posts batches of CloudEvents and remembers which ids were acknowledged."""

    def __init__(self, url: str, prefix: str, per_batch: int = 400) -> None:
        self.url = url
        self.prefix = prefix
        self.per_batch = per_batch
        self.acked: set[str] = set()
        self.statuses: list[int] = []
        self._n = 0

    def post(self, timeout: float = 30.0) -> httpx.Response:
        ids = [f"{self.prefix}-{self._n}-{i}" for i in range(self.per_batch)]
        self._n += 1
        body = batch_body(*(cloudevent(i, sku="DISK-1", note=os.urandom(100).hex()) for i in ids))
        resp = httpx.post(f"{self.url}/v1/events", content=body, headers=BATCH, timeout=timeout)
        self.statuses.append(resp.status_code)
        if resp.status_code == 200:
            self.acked.update(ids)
        return resp

    def missing(self, db: Path) -> set[str]:
        """Acknowledged ids that the store at ``db`` lacks (the service is stopped)."""
        with duckdb.connect(str(db), read_only=True) as con:
            rows = con.execute("SELECT id FROM events WHERE sku = 'DISK-1'").fetchall()
        return self.acked - {row[0] for row in rows}
