"""``python -m bench.run [ingest|grpc|events|lineage|slis|rollups|all] [--quick]``: the benchmark suite.

Each part prints a table and writes ``<results-dir>/<part>.json``.  ``all``
runs every part in a process of its own, so each part's peak RSS is its own.
See bench/README.md for what each part measures and the targets.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.options import Options

__all__ = ["PARTS", "main"]

PARTS = ("ingest", "grpc", "events", "lineage", "slis", "rollups")
_REPO = Path(__file__).resolve().parent.parent


def _part(name: str) -> Callable[[Options], dict[str, Any]]:
    # imported on demand: a part's imports (and memory) stay out of the others
    if name == "ingest":
        from bench.ingest import run_ingest

        return run_ingest
    if name == "grpc":
        from bench.ingest import run_ingest_grpc

        return run_ingest_grpc
    if name == "events":
        from bench.ingest import run_events

        return run_events
    if name == "lineage":
        from bench.lineage import run_lineage

        return run_lineage
    if name == "rollups":
        from bench.rollups_bench import run_rollups

        return run_rollups
    from bench.slis import run_slis

    return run_slis


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("part", nargs="?", default="all", choices=(*PARTS, "all"))
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds a part")
    parser.add_argument("--results-dir", type=Path, help="default bench/results")
    parser.add_argument("--duration", type=float, help="seconds of sustained load (default 30)")
    parser.add_argument("--warmup", type=float, help="seconds of load before measuring (default 3)")
    parser.add_argument(
        "--connections", type=int, help="concurrent HTTP connections / gRPC streams (default 10)"
    )
    parser.add_argument("--batch", type=int, help="spans or events per request (default 1000)")
    parser.add_argument("--events", type=int, help="events in the lineage/SLI store (default 10M)")
    parser.add_argument("--spans", type=int, help="spans in the lineage/SLI store (default 30M)")
    parser.add_argument(
        "--queries", type=int, help="random SKUs and orders to look up (default 200)"
    )
    parser.add_argument("--runs", type=int, help="repetitions of each SLI timing (default 9)")
    parser.add_argument(
        "--profile", action="store_true", help="record the server with py-spy (ingest, events)"
    )
    return parser


def options(args: argparse.Namespace) -> Options:
    results = args.results_dir or _REPO / "bench" / "results"
    opts = Options.quick_defaults(results) if args.quick else Options(results_dir=results)
    overrides = {
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "connections": args.connections,
        "batch": args.batch,
        "events": args.events,
        "spans": args.spans,
        "queries": args.queries,
        "runs": args.runs,
    }
    opts = replace(opts, **{k: v for k, v in overrides.items() if v is not None})
    return replace(opts, profile=args.profile)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    if args.part != "all":
        _part(args.part)(options(args))
        return 0
    rest = [a for a in argv if a != "all"]
    failed = []
    for part in PARTS:
        started = time.perf_counter()
        print(f"\n=== bench {part} ===", flush=True)
        code = subprocess.call([sys.executable, "-m", "bench.run", part, *rest], cwd=_REPO)
        print(
            f"=== bench {part}: {time.perf_counter() - started:.1f} s, exit {code} ===", flush=True
        )
        if code:
            failed.append(part)
    if failed:
        print(f"failed parts: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
