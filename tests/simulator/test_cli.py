"""``synclens simulate`` arguments."""

from __future__ import annotations

import argparse

import pytest

from simulator.cli import add_arguments, parse_duration


def test_durations() -> None:
    assert parse_duration("90") == 90
    assert parse_duration("90s") == 90
    assert parse_duration("15m") == 900
    assert parse_duration("24h") == 86400
    assert parse_duration("1h30m") == 5400
    assert parse_duration("2d") == 172800
    for bad in ("", "h", "10x", "1h 30m", "-5m"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_duration(bad)


def test_arguments() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(
        ["--target", "http://h:1", "--seed", "4", "--profile", "chaos", "--duration", "2h",
         "--speed", "60", "--start", "2026-11-20T00:00:00Z", "--truth", "t.json", "--skus", "50"]
    )  # fmt: skip
    assert (args.target, args.seed, args.profile, args.duration, args.speed) == (
        "http://h:1", 4, "chaos", 7200.0, 60.0,
    )  # fmt: skip
    assert args.start == 1795132800 * 10**9 and args.skus == 50
    defaults = parser.parse_args([])
    assert defaults.speed is None and defaults.start is None and defaults.truth is None
    with pytest.raises(SystemExit):
        parser.parse_args(["--start", "2026-11-20T00:00:00"])  # no offset
