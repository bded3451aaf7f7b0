"""What a benchmark run is asked to do (sizes, durations, where results go)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["Options"]


@dataclass(frozen=True, slots=True)
class Options:
    results_dir: Path = Path("bench/results")
    quick: bool = False
    # ingest / events over HTTP
    duration_s: float = 30.0
    warmup_s: float = 3.0
    # one request in flight per connection, as an OpenTelemetry Collector's
    # OTLP exporter sends from its queue's 10 consumers by default
    connections: int = 10
    batch: int = 1000  # spans or events per request
    templates: int = 24  # distinct bodies, patched per round
    profile: bool = False  # py-spy the server during the run
    # lineage / slis store
    events: int = 10_000_000
    spans: int = 30_000_000
    queries: int = 200  # random SKUs and orders
    runs: int = 9  # repetitions of each SLI computation and scrape
    append_events: int = 10_000
    append_spans: int = 30_000

    @classmethod
    def quick_defaults(cls, results_dir: Path) -> Options:
        return cls(
            results_dir=results_dir,
            quick=True,
            duration_s=3.0,
            warmup_s=0.5,
            templates=6,
            events=100_000,
            spans=300_000,
            queries=40,
            runs=3,
            append_events=1_000,
            append_spans=3_000,
        )
