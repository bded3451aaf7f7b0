"""``synclens simulate``: arguments and entry point (the lead's CLI delegates here)."""

from __future__ import annotations

import argparse
import logging
import re
import sys
from datetime import datetime
from pathlib import Path

from .faults import PROFILES, Outage
from .model import FlowKnobs
from .runner import simulate
from .transport import TransportError

__all__ = ["add_arguments", "main", "parse_duration", "run"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """``90``, ``90s``, ``15m``, ``24h``, ``2d``, ``1h30m`` -> seconds."""
    text = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    parts = re.findall(r"(\d+(?:\.\d+)?)([smhd])", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 90s, 15m, 24h)")
    return sum(float(n) * _UNITS[u] for n, u in parts)


def parse_planned_outage(text: str) -> Outage:
    """``erp:2h+30m`` or ``wms@DC-EAST:90m+1h``: TARGET[@WAREHOUSE]:START+DURATION,
    START from the run's start."""
    match = re.fullmatch(r"([a-z0-9_-]+)(?:@([^:]+))?:([^+]+)\+(.+)", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(
            f"not a planned outage: {text!r} (TARGET[@WAREHOUSE]:START+DURATION, e.g. erp:2h+30m)"
        )
    target, warehouse, start, duration = match.groups()
    return Outage(
        target=target,
        start_s=parse_duration(start),
        duration_s=parse_duration(duration),
        warehouse=warehouse,
        planned=True,
    )


def _start(text: str) -> int:
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from exc
    if dt.tzinfo is None:
        raise argparse.ArgumentTypeError(
            "the start time needs a UTC offset, e.g. 2026-11-20T00:00:00Z"
        )
    return int(dt.timestamp()) * 1_000_000_000 + dt.microsecond * 1000


def _speed(text: str) -> float | None:
    if text in ("max", "inf", "fast"):
        return None
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("speed must be > 0 (or 'max')")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", default="http://127.0.0.1:4318", help="collector base URL")
    parser.add_argument("--token", default=None, help="bearer token for the collector")
    parser.add_argument(
        "--seed", type=int, default=0, help="random seed: same seed, same run (default 0)"
    )
    parser.add_argument(
        "--profile",
        default="realistic",
        help=f"fault profile: one of {', '.join(PROFILES)} or a YAML file",
    )
    parser.add_argument(
        "--duration",
        type=parse_duration,
        default=3600.0,
        help="simulated time, e.g. 90m, 24h, 7d (default 1h)",
    )
    parser.add_argument(
        "--speed",
        type=_speed,
        default=None,
        help="simulated seconds per wall second (1 = real time); default 'max' (accelerated)",
    )
    parser.add_argument(
        "--start",
        type=_start,
        default=None,
        help="simulated start (ISO 8601); default: now - duration when accelerated, now with --speed",
    )
    parser.add_argument("--truth", type=Path, default=None, help="write the ground truth JSON here")
    parser.add_argument(
        "--skus", type=int, default=500, help="items in the catalogue (default 500)"
    )
    parser.add_argument(
        "--warehouses", type=int, default=3, help="warehouses run by a WMS (plus the 3PL)"
    )
    parser.add_argument(
        "--orders-per-hour",
        type=float,
        default=FlowKnobs.orders_per_hour,
        help=f"customer orders per simulated hour (default {FlowKnobs.orders_per_hour:g})",
    )
    parser.add_argument(
        "--snapshot-interval",
        type=parse_duration,
        default=300.0,
        help="simulated time between every system's full snapshot (default 5m)",
    )
    parser.add_argument(
        "--snapshot-format",
        choices=("json", "parquet"),
        default="json",
        help="body of POST /v1/snapshots (default json)",
    )
    parser.add_argument(
        "--planned-outage",
        type=parse_planned_outage,
        action="append",
        default=[],
        metavar="TARGET[@WAREHOUSE]:START+DURATION",
        help="a planned outage of a target (e.g. erp:2h+30m, repeatable): it fails like an "
        "outage and the truth marks its pairs as planned",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    profile = args.profile if args.profile in PROFILES else Path(args.profile)
    try:
        summary = simulate(
            args.target,
            seed=args.seed,
            profile=profile,
            duration_s=args.duration,
            speed=args.speed,
            start_ns=args.start,
            truth_path=args.truth,
            token=args.token,
            progress=not args.no_progress and sys.stderr.isatty(),
            skus=args.skus,
            warehouses=args.warehouses,
            knobs=FlowKnobs(orders_per_hour=args.orders_per_hour),
            snapshot_interval_s=args.snapshot_interval,
            snapshot_format=args.snapshot_format,
            planned_outages=tuple(args.planned_outage),
        )
    except (TransportError, ValueError) as exc:
        print(f"synclens simulate: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    print(summary.line())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="synclens simulate", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
