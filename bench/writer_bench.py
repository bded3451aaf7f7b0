"""The store's writer alone: group commits of decoded span tables, no HTTP.

``python -m bench.writer_bench [--requests N] [--clients C] [--config k=v ...]``
decodes span bodies of the ``ingest`` part's workload once (the native
decoder), then ``C`` client threads each submit one table of 1,000 spans to a
real :class:`collector.store.Store` on a fresh database file and wait for its
commit, in a loop (the server's closed loop without HTTP and decoding), until
``N`` requests are committed.  Reported: spans/s, group commits and their mean
size, and the CPU seconds per span of the writer and committer threads.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pyarrow as pa

from collector.decoding import decode_spans
from collector.store import Store
from collector.testing.workload import patch, span_templates

__all__ = ["main"]


def _tables(n: int, templates_count: int) -> list[pa.Table]:
    templates = span_templates(templates_count, 1000)
    return [decode_spans(patch(templates, i)[0], False, time.time_ns()).table for i in range(n)]


def run(
    requests: int, clients: int, config: dict[str, str], threshold: str | None
) -> dict[str, Any]:
    tables = _tables(requests, 24)
    with tempfile.TemporaryDirectory(prefix="synclens-writer-bench-") as tmp:
        store = Store(Path(tmp) / "w.duckdb", memory_limit="768MB", checkpoint_threshold=threshold)
        try:
            with store.reader() as cur:
                for key, value in config.items():
                    cur.execute(f"SET GLOBAL {key} = '{value}'")
            order = itertools.count()

            def client() -> None:
                while (i := next(order)) < requests:
                    store.submit("spans", tables[i]).result()

            threads = [threading.Thread(target=client) for _ in range(clients)]
            cpu0 = _thread_cpu()
            process0 = time.process_time()
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - started
            process_cpu = time.process_time() - process0
            cpu = {name: _thread_cpu().get(name, 0.0) - cpu0.get(name, 0.0) for name in cpu0}
            with store.reader() as cur:
                row = cur.execute("SELECT count(DISTINCT seq), count(*) FROM spans").fetchone()
        finally:
            store.close()
    groups, spans = (int(row[0]), int(row[1])) if row else (0, 0)
    return {
        "requests": requests,
        "clients": clients,
        "config": config,
        "checkpoint_threshold": threshold,
        "spans_per_s": round(spans / wall),
        "group_commits": groups,
        "mean_group_spans": round(spans / groups) if groups else None,
        "cpu_us_per_span": {k: round(v / spans * 1e6, 2) for k, v in cpu.items()},
        "process_cpu_us_per_span": round(process_cpu / spans * 1e6, 2),
    }


def _thread_cpu() -> dict[str, float]:
    """CPU seconds of the store's threads, from /proc (Linux)."""
    found = {}
    for t in threading.enumerate():
        if t.name.startswith("synclens-store") and t.native_id is not None:
            stat = Path(f"/proc/self/task/{t.native_id}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            found[t.name] = (int(fields[11]) + int(fields[12])) / 100.0  # clock ticks
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--checkpoint-threshold", default="16MB")
    parser.add_argument("--config", action="append", default=[], help="DuckDB key=value")
    args = parser.parse_args(argv)
    config = dict(item.split("=", 1) for item in args.config)
    result = run(args.requests, args.clients, config, args.checkpoint_threshold)
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
