"""A real ``synclens serve`` subprocess on loopback, and py-spy around it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from types import TracebackType

__all__ = ["Server", "find_py_spy", "summarise_profile"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command() -> list[str]:
    script = Path(sys.executable).parent / "synclens"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "synclens.cli"]


class Server:
    """``with Server(workdir) as srv:`` runs the service on a fresh database;
    with ``grpc`` its OTLP/gRPC receiver too, on ``grpc_port``."""

    def __init__(self, workdir: Path, *, grpc: bool = False) -> None:
        self.workdir = workdir
        self.db = workdir / "bench.duckdb"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.grpc_port = _free_port() if grpc else 0
        self.log = workdir / "serve.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def __enter__(self) -> Server:
        cmd = [
            *_command(),
            "serve",
            "--port",
            str(self.port),
            "--db",
            str(self.db),
            "--ops-db",
            f"sqlite:///{self.workdir / 'ops.sqlite'}",
            "--grpc-port",
            str(self.grpc_port),
            "--log-level",
            "warning",
        ]
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"synclens serve exited with {self.proc.returncode}: {self.tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=1) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise TimeoutError(f"synclens serve not ready after {timeout:.0f}s: {self.tail()}")

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> float:
        """SIGTERM and wait (the service drains its queue and checkpoints); seconds taken."""
        if self.proc is None or self.proc.poll() is not None:
            return 0.0
        started = time.perf_counter()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError("synclens serve did not stop within 120 s of SIGTERM") from None
        return time.perf_counter() - started

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def find_py_spy() -> str | None:
    """py-spy on PATH, next to this Python, or where ``$PY_SPY`` points."""
    candidates = [os.environ.get("PY_SPY"), shutil.which("py-spy")]
    candidates.append(str(Path(sys.executable).parent / "py-spy"))
    return next((c for c in candidates if c and Path(c).is_file()), None)


def summarise_profile(collapsed: Path, top: int = 15) -> dict[str, list[tuple[str, float]]]:
    """From py-spy's collapsed stacks: share of samples per leaf frame ("self")
    and per frame anywhere on the stack ("inclusive"), biggest first."""
    leaf: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [f.strip() for f in stack.split(";") if f.strip()]
        if not frames:
            continue
        total += n
        leaf[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    if not total:
        return {"self": [], "inclusive": []}
    return {
        "self": [(f, round(n / total, 3)) for f, n in leaf.most_common(top)],
        "inclusive": [(f, round(n / total, 3)) for f, n in inclusive.most_common(top * 2)],
    }
