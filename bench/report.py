"""Printing tables, writing ``bench/results/<part>.json``, reading /proc."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "Table",
    "cpu_seconds",
    "machine",
    "peak_rss_mib",
    "percentile",
    "process_tree",
    "summary_ms",
    "tree_cpu_seconds",
    "tree_rss_mib",
    "write_result",
]

_CLK_TCK = os.sysconf("SC_CLK_TCK")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50 / p95 / p99 / max / mean of durations in seconds, as milliseconds."""
    if not seconds:
        return {"n": 0}
    return {
        "n": len(seconds),
        "p50_ms": round(percentile(seconds, 50) * 1e3, 3),
        "p95_ms": round(percentile(seconds, 95) * 1e3, 3),
        "p99_ms": round(percentile(seconds, 99) * 1e3, 3),
        "max_ms": round(max(seconds) * 1e3, 3),
        "mean_ms": round(statistics.fmean(seconds) * 1e3, 3),
    }


def _status(pid: int | str) -> dict[str, str]:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        return dict(line.split(":", 1) for line in f if ":" in line)


def peak_rss_mib(pid: int | str = "self") -> float:
    """Peak resident set size (VmHWM) of a process, MiB."""
    kib = int(_status(pid)["VmHWM"].split()[0])
    return round(kib / 1024, 1)


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time a process has used so far (all its threads)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants alive now (e.g. a decode process pool)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # exited meanwhile
        parents.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(parents.get(p, ()))
    return tree


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds used by ``pid`` and its living descendants."""
    total = 0.0
    for p in process_tree(pid):
        with contextlib.suppress(OSError):  # exited meanwhile
            total += cpu_seconds(p)
    return total


def tree_rss_mib(pid: int) -> tuple[float, int]:
    """Resident memory of ``pid`` and its living descendants now (MiB), and
    how many processes that is."""
    kib, n = 0, 0
    for p in process_tree(pid):
        try:
            kib += int(_status(p)["VmRSS"].split()[0])
            n += 1
        except (OSError, KeyError):
            pass
    return round(kib / 1024, 1), n


def machine() -> dict[str, Any]:
    """What the figures were measured on, and how busy it was."""
    load = os.getloadavg()
    return {
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_1m_at_start": round(load[0], 2),
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


class Table:
    """A plain text table printed to stdout."""

    def __init__(self, title: str, columns: Sequence[str]) -> None:
        self.title = title
        self.columns = list(columns)
        self.rows: list[list[str]] = []

    def add(self, *cells: object) -> None:
        self.rows.append([_cell(c) for c in cells])

    def render(self) -> str:
        widths = [
            max(len(h), *(len(r[i]) for r in self.rows)) if self.rows else len(h)
            for i, h in enumerate(self.columns)
        ]
        line = "  ".join("-" * w for w in widths)
        out = [
            f"\n{self.title}",
            "  ".join(h.ljust(w) for h, w in zip(self.columns, widths, strict=True)),
            line,
        ]
        for row in self.rows:
            cells = [
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            ]
            out.append("  ".join(cells))
        return "\n".join(out)

    def print(self) -> None:
        print(self.render(), flush=True)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.3g}" if value else "0"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def write_result(results_dir: Path, part: str, result: dict[str, Any]) -> Path:
    """Write ``<results_dir>/<part>.json``; ``result`` should hold ``machine()``
    taken when the part started (the load average then is the telling one)."""
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{part}.json"
    doc = {"part": part, **result}
    path.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    print(f"\nwrote {path}", flush=True)
    return path
